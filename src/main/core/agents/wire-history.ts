// The history a plain chat turn sends: every message of the session with text, in order. Reading and mapping the
// whole session on each send costs its length (52 ms at 50,000 messages); messages are append-only, so the wire form
// of a session is kept after a send and extended with the messages added since (one keyed read of the new rows).
// The provider still receives the full conversation.
import type { WireMessage } from '../providers/tool-wire'
import type { SessionStore } from '../sessions/session-store'
import type { WireAttachment } from '../attachments/attachment-wire'

interface Cached {
  /** The seq and id of the last message read: if that row is no longer there, the session is read again. */
  lastSeq: number
  lastId: string | null
  wire: WireMessage[]
}

/** How many sessions' histories are kept (the sessions a user is chatting in now); the least recent goes first. */
const KEPT_SESSIONS = 16

export class WireHistoryCache {
  private readonly kept = new Map<string, Cached>()

  constructor(
    private readonly sessions: SessionStore,
    private readonly limit = KEPT_SESSIONS,
  ) {}

  /** The files user messages were sent with (attachments/attachment-store.ts); none when absent. */
  attachmentsOf?: (messageIds: readonly string[]) => Map<string, WireAttachment[]>

  /** The session's messages with text, as wire messages, oldest first (a fresh array each call). */
  history(sessionId: string): WireMessage[] {
    let c = this.kept.get(sessionId)
    this.kept.delete(sessionId)
    // Appends are the only change a message can see; a session deleted (and its messages with it) reads again.
    if (c && c.lastId !== null && this.sessions.messageIdAt(sessionId, c.lastSeq) !== c.lastId) c = undefined
    c ??= { lastSeq: 0, lastId: null, wire: [] }
    const rows = this.sessions.historyRows(sessionId, c.lastSeq)
    const files = this.attachmentsOf?.(rows.filter((r) => r.role === 'user').map((r) => r.id)) ?? new Map<string, WireAttachment[]>()
    for (const r of rows) {
      c.lastSeq = r.seq
      c.lastId = r.id
      const attachments = files.get(r.id)
      // Frozen: the kept objects go into every later request, so nothing downstream may change them.
      if (r.content.trim() !== '' || attachments) c.wire.push(Object.freeze({ role: r.role, content: r.content, ...(attachments ? { attachments } : {}) }))
    }
    this.kept.set(sessionId, c)
    for (const id of this.kept.keys()) {
      if (this.kept.size <= this.limit) break
      this.kept.delete(id)
    }
    return c.wire.slice()
  }
}
