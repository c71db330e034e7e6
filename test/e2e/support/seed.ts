// Seeds a data directory with many sessions (and one long session) before the host opens it, as if Keel had made
// them: the schema comes from Keel's own migrations (so its search index and triggers are Keel's), the rows are
// written in one transaction. Texts are predictable, so a test can name a session or find a message by its words.
import path from 'node:path'
import { openDatabase } from '../../../src/main/core/sessions/database'

export interface SeedSpec {
  /** Ordinary sessions "Seeded session 0" … "Seeded session N-1"; the highest number is the most recent. */
  sessions: number
  /** One more session, the most recent of all, holding this many messages (user and assistant alternate). */
  long?: { title: string; messages: number; mark?: { seq: number; text: string } }
}

export const LONG_SESSION_ID = 'seed-long-session'
const BASE = Date.UTC(2026, 0, 1)

/** The text of message `seq` (1-based) of the long session. */
export function longMessageText(seq: number): string {
  return seq % 2 === 1 ? `Question number ${seq} about the harbour` : `Answer number ${seq}: the tide comes in twice a day`
}

export function seedDataDir(dataDir: string, spec: SeedSpec): void {
  const { db } = openDatabase(path.join(dataDir, 'keel.db'), path.join(dataDir, 'backups'))
  try {
    const session = db.prepare('INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)')
    // Each message follows the one before it (one branch), and the session's active branch ends at its last one.
    const message = db.prepare("INSERT INTO messages (id, session_id, seq, role, content, status, created_at, parent_id, depth) VALUES (?, ?, ?, ?, ?, 'complete', ?, ?, ?)")
    const leaf = db.prepare('UPDATE sessions SET active_leaf_id = ? WHERE id = ?')
    db.transaction(() => {
      for (let i = 0; i < spec.sessions; i++) {
        const id = `seed-session-${i}`
        const at = BASE + i * 60_000
        session.run(id, `Seeded session ${i}`, at, at)
        message.run(`${id}-m1`, id, 1, 'user', `Hello from seeded session ${i}`, at, null, 1)
        leaf.run(`${id}-m1`, id)
      }
      if (spec.long) {
        const at = BASE + (spec.sessions + 1) * 60_000
        session.run(LONG_SESSION_ID, spec.long.title, at - 1000, at + spec.long.messages)
        for (let seq = 1; seq <= spec.long.messages; seq++) {
          const text = spec.long.mark?.seq === seq ? `${longMessageText(seq)} ${spec.long.mark.text}` : longMessageText(seq)
          message.run(`${LONG_SESSION_ID}-m${seq}`, LONG_SESSION_ID, seq, seq % 2 === 1 ? 'user' : 'assistant', text, at + seq, seq > 1 ? `${LONG_SESSION_ID}-m${seq - 1}` : null, seq)
        }
        if (spec.long.messages > 0) leaf.run(`${LONG_SESSION_ID}-m${spec.long.messages}`, LONG_SESSION_ID)
      }
    })()
  } finally {
    db.close()
  }
}
