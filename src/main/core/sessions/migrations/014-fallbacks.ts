import type { Migration } from './index'

// Fallback bindings (issue #11, invariant 17).
// - sessions.fallback_json: a session's own fallback list, overriding its profile's. NULL: the profile's list (every
//   existing session keeps exactly what it had: none). Written only by identity/fallback-store.ts. Never part of the
//   binding columns: a fallback never changes what the session asks for.
// - step_fallbacks: for each step where the selected binding failed and fallbacks were tried (or could not be), the
//   selected binding, the identity that answered (NULL: none did) and each binding passed over with why. Written in
//   the same transaction as the step's end, so it survives a crash like the rest of the turn. Names are copied so
//   the record still reads after an entry is renamed or deleted.
// Version 14: the next free number after 013 (step usage).
export const fallbacks: Migration = {
  version: 14,
  name: 'fallbacks',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN fallback_json TEXT;
      CREATE TABLE step_fallbacks (
        turn_id TEXT NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        selected_entry_id TEXT NOT NULL,
        selected_entry_name TEXT NOT NULL,
        selected_model TEXT NOT NULL,
        answered_entry_id TEXT,
        answered_entry_name TEXT,
        answered_model TEXT,
        answered_identity_key TEXT,
        skipped_json TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (turn_id, step)
      );
      CREATE INDEX step_fallbacks_by_session ON step_fallbacks(session_id, at);
    `)
    const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    return { summary: `added fallback lists to sessions (${sessions} sessions keep their profile's) and a per-step fallback record`, details: [{ sessions }] }
  },
}
