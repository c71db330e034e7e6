import type { Migration } from './index'

// A per-session workspace folder (issue #9): a session whose profile offers tools works in its own folder, chosen
// in the session header, before the profile's default one. Without it a session on the built-in "Workspace agent"
// (which has no workspace and cannot be edited) could never run a turn. Nullable: NULL means "the profile's folder",
// so every existing session keeps working exactly as before. Stored as the real path the user's choice resolved to.
// Version 11: the next free number after 010 (tool call search).
export const sessionWorkspace: Migration = {
  version: 11,
  name: 'session workspace',
  up(db) {
    db.exec('ALTER TABLE sessions ADD COLUMN workspace TEXT')
    const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    return { summary: `added a workspace folder to sessions (${sessions} sessions keep their profile's)`, details: [{ sessions }] }
  },
}
