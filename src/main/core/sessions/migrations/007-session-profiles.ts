import type { Migration } from './index'

// Which agent profile a session runs: its id (a stable slug, never reused), the revision its last turn used, and a
// snapshot of that revision's fields, so that when the profile is edited the next turn can say what changed (like
// a config change) and a deleted profile shows as missing rather than silently becoming another one. Sessions made
// before profiles existed ran today's plain chat, which is the built-in "chat" profile; their revision is unknown
// (NULL), so their first turn adopts the current one without a change notice.
export const sessionProfiles: Migration = {
  version: 7,
  name: 'session profiles',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN profile_id TEXT NOT NULL DEFAULT 'chat';
      ALTER TABLE sessions ADD COLUMN profile_revision TEXT;
      ALTER TABLE sessions ADD COLUMN profile_snapshot TEXT;
    `)
    const n = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    return { summary: `added profile_id, profile_revision and profile_snapshot to sessions (${n} existing session(s) run the "chat" profile)` }
  },
}
