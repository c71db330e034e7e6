import type { Migration } from './index'

// Per-session instructions and parameters (issue #12): a session may override its agent profile's system prompt
// and request parameters from its header.
// - sessions.instructions_override: the session's own instructions ('' sends none); NULL: the profile's.
// - sessions.params_override: JSON of the parameters the session sets ({ temperature?, maxOutputTokens?,
//   reasoningEffort? }, validated with zod on every write and read: sessions/session-overrides.ts); NULL: the
//   profile's. Field by field: a field the session does not set keeps the profile's value.
// Both NULL for every existing session, so each keeps exactly what it sent before. Metadata only: no message is
// touched (invariant 10). Version 17: 015 (branches) and 016 (attachments) are issue #12's other migrations.
export const sessionOverrides: Migration = {
  version: 17,
  name: 'session overrides',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN instructions_override TEXT;
      ALTER TABLE sessions ADD COLUMN params_override TEXT;
    `)
    const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    return { summary: `added instructions and parameter overrides to sessions (${sessions} sessions keep their profile's)`, details: [{ sessions }] }
  },
}
