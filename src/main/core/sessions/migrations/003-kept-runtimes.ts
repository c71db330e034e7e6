import type { Migration } from './index'

// "Keep" on a pinned session whose entry changed in config is a decision that must survive a restart: the runtime
// the user kept (its request-deciding fields, never header values, which may be credentials) and the entry revision
// it was kept against. Rows go with their session.
export const keptRuntimes: Migration = {
  version: 3,
  name: 'kept runtimes',
  up(db) {
    db.exec(`
      CREATE TABLE kept_runtimes (
        session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        entry_id TEXT NOT NULL,
        model TEXT NOT NULL,
        runtime_revision TEXT NOT NULL,
        kept_against_revision TEXT NOT NULL,
        runtime_json TEXT NOT NULL,
        kept_at INTEGER NOT NULL
      );
    `)
    return { summary: 'added kept_runtimes' }
  },
}
