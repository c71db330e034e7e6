// The history a plain chat turn sends: every message with text of the active branch, in order. Reading and mapping
// the whole session on each send costs its length (52 ms at 50,000 messages); messages are append-only, so the wire
// form of a branch is kept after a send and extended with the messages added since (one keyed walk of the new
// rows), or cut back to an earlier message of it (regenerate). The provider still receives the full branch.
import type { WireMessage } from '../providers/tool-wire'
import type { SessionStore } from '../sessions/session-store'
import type { WireAttachment } from '../attachments/attachment-wire'

interface Cached {
  /** The messages of the branch read (oldest first), with their wire form (null: no text, not sent). */
  ids: string[]
  wire: (WireMessage | null)[]
  /** The seq of the last message read: what was appended after it is read by a walk that stops there. */
  lastSeq: number
}

/** How many sessions' histories are kept (the sessions a user is chatting in now); the least recent goes first. */
const KEPT_SESSIONS = 16

export class WireHistoryCache {
  private readonly kept = new Map<string, Cached>()

  constructor(
    private readonly sessions: SessionStore,
    private readonly limit = KEPT_SESSIONS,
  ) {}

  /**
   * The messages with text of the branch ending at `leafId` (the active branch by default), as wire messages,
   * oldest first (a fresh array each call). Only that branch: a version on another branch is never sent (issue #12).
   */
  history(sessionId: string, leafId: string | null = this.sessions.tree.activeLeaf(sessionId)): WireMessage[] {
    let c = this.kept.get(sessionId)
    this.kept.delete(sessionId)
    if (leafId === null) return []
    if (c) {
      const at = c.ids.lastIndexOf(leafId)
      if (at >= 0) {
        // An earlier point of the kept branch (a regenerate sends the history up to the user message).
        c = { ids: c.ids.slice(0, at + 1), wire: c.wire.slice(0, at + 1), lastSeq: this.sessions.tree.row(sessionId, leafId)?.seq ?? 0 }
      } else {
        // Appended since: the walk up from the leaf must join the kept branch at its end, else read it all again
        // (another branch was chosen, or the session is gone).
        const fresh = this.sessions.historyRows(sessionId, c.lastSeq, leafId)
        if (fresh.length > 0 && fresh[0]!.parentId === (c.ids.at(-1) ?? null)) c = this.extend(c, fresh)
        else c = undefined
      }
    }
    c ??= this.extend({ ids: [], wire: [], lastSeq: 0 }, this.sessions.historyRows(sessionId, 0, leafId))
    this.kept.set(sessionId, c)
    for (const id of this.kept.keys()) {
      if (this.kept.size <= this.limit) break
      this.kept.delete(id)
    }
    return c.wire.filter((w): w is WireMessage => w !== null)
  }

  /** The files user messages were sent with (attachments/attachment-store.ts); none when absent. */
  attachmentsOf?: (messageIds: readonly string[]) => Map<string, WireAttachment[]>

  private extend(c: Cached, rows: ReturnType<SessionStore['historyRows']>): Cached {
    const out: Cached = { ids: c.ids.slice(), wire: c.wire.slice(), lastSeq: c.lastSeq }
    const files = this.attachmentsOf?.(rows.filter((r) => r.role === 'user').map((r) => r.id)) ?? new Map<string, WireAttachment[]>()
    for (const r of rows) {
      out.ids.push(r.id)
      const attachments = files.get(r.id)
      // Frozen: the kept objects go into every later request, so nothing downstream may change them.
      out.wire.push(r.content.trim() !== '' || attachments ? Object.freeze({ role: r.role, content: r.content, ...(attachments ? { attachments } : {}) }) : null)
      out.lastSeq = r.seq
    }
    return out
  }
}
