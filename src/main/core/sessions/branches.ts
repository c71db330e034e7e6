// The message tree of a session (issue #12). Messages are append-only and each points at its parent; the session
// row says which leaf is active. The active branch is the walk from that leaf up to the root: a recursive query
// over the primary key, bounded by how many messages (or which seqs) the caller needs, so a page costs its size,
// not the session's length. Seqs grow along any branch (a child is always appended after its parent), which is
// why keyset cursors by seq still work on the active branch.
import type Database from 'better-sqlite3'
import type { MessageVersions } from '../../../shared/branches'
import { preparedStatements } from './prepared-statements'

/** A message row as stored (SELECT m.*), with the columns the tree adds. */
export interface TreeRow {
  id: string
  session_id: string
  parent_id: string | null
  depth: number
  seq: number
  turn_id: string | null
  role: 'user' | 'assistant'
  content: string
  status: 'complete' | 'stopped' | 'interrupted'
  created_at: number
  entry_id: string | null
  model: string | null
  base_url: string | null
  api: string | null
}

/** Up the branch from `from` (itself first), newest first, at most `limit` rows, none with a seq below `minSeq`. */
const WALK = `WITH RECURSIVE ancestors(id, parent_id, seq, n) AS (
    SELECT id, parent_id, seq, 1 FROM messages WHERE id = ? AND session_id = ? AND seq >= ?
    UNION ALL
    SELECT m.id, m.parent_id, m.seq, ancestors.n + 1 FROM ancestors JOIN messages m ON m.id = ancestors.parent_id
    WHERE ancestors.n < ? AND m.seq >= ?
  )
  SELECT m.* FROM ancestors JOIN messages m ON m.id = ancestors.id ORDER BY ancestors.n`

/** The same walk with only the keys: for long walks (down to a search hit) of which a page is then read. */
const WALK_KEYS = `WITH RECURSIVE ancestors(id, parent_id, seq, n) AS (
    SELECT id, parent_id, seq, 1 FROM messages WHERE id = ? AND session_id = ? AND seq >= ?
    UNION ALL
    SELECT m.id, m.parent_id, m.seq, ancestors.n + 1 FROM ancestors JOIN messages m ON m.id = ancestors.parent_id
    WHERE ancestors.n < ? AND m.seq >= ?
  )
  SELECT id, parent_id, seq FROM ancestors ORDER BY n`

export class MessageTree {
  private readonly st: (sql: string) => Database.Statement

  constructor(db: Database.Database) {
    this.st = preparedStatements(db)
  }

  /** The last message of the active branch; a session whose leaf was never set (none yet) has its latest message. */
  activeLeaf(sessionId: string): string | null {
    const r = this.st('SELECT active_leaf_id AS id FROM sessions WHERE id = ?').get(sessionId) as { id: string | null } | undefined
    if (!r) return null
    if (r.id) return r.id
    const last = this.st('SELECT id FROM messages WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId) as { id: string } | undefined
    return last?.id ?? null
  }

  setActiveLeaf(sessionId: string, leafId: string): void {
    this.st('UPDATE sessions SET active_leaf_id = ? WHERE id = ?').run(leafId, sessionId)
  }

  row(sessionId: string, id: string): TreeRow | null {
    return (this.st('SELECT * FROM messages WHERE id = ? AND session_id = ?').get(id, sessionId) as TreeRow | undefined) ?? null
  }

  /** Up the branch from `fromId` (inclusive), newest first: at most `limit` messages, none with seq < `minSeq`. */
  walk(sessionId: string, fromId: string | null, limit = Number.MAX_SAFE_INTEGER, minSeq = 0): TreeRow[] {
    if (fromId === null || limit <= 0) return []
    return this.st(WALK).all(fromId, sessionId, minSeq, limit, minSeq) as TreeRow[]
  }

  /** As walk, keys only (id, parent, seq): cheap however long the walk. */
  walkKeys(sessionId: string, fromId: string | null, limit = Number.MAX_SAFE_INTEGER, minSeq = 0): Array<Pick<TreeRow, 'id' | 'parent_id' | 'seq'>> {
    if (fromId === null || limit <= 0) return []
    return this.st(WALK_KEYS).all(fromId, sessionId, minSeq, limit, minSeq) as Array<Pick<TreeRow, 'id' | 'parent_id' | 'seq'>>
  }

  /** The rows of these messages of the session, in the order of `ids`. */
  rows(sessionId: string, ids: readonly string[]): TreeRow[] {
    if (ids.length === 0) return []
    const rows = this.st('SELECT * FROM messages WHERE id IN (SELECT value FROM json_each(?)) AND session_id = ?').all(JSON.stringify(ids), sessionId) as TreeRow[]
    const byId = new Map(rows.map((r) => [r.id, r]))
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  /**
   * The first `limit` messages of the active branch from seq `fromSeq` on (oldest first), and the one after them
   * (undefined: they reach the leaf). The walk from the leaf reads keys only; only the page's rows are read whole.
   */
  below(sessionId: string, fromSeq: number, limit: number): { rows: TreeRow[]; next: TreeRow | undefined } {
    const keys = this.walkKeys(sessionId, this.activeLeaf(sessionId), Number.MAX_SAFE_INTEGER, fromSeq).reverse()
    const wanted = keys.slice(0, limit + 1).map((k) => k.id)
    const rows = this.rows(sessionId, wanted)
    return { rows: rows.slice(0, limit), next: rows[limit] }
  }

  /** Whether a message is on the active branch: a walk from the leaf that stops at its seq. */
  onActivePath(sessionId: string, id: string): boolean {
    const target = this.row(sessionId, id)
    if (!target) return false
    const up = this.walkKeys(sessionId, this.activeLeaf(sessionId), Number.MAX_SAFE_INTEGER, target.seq)
    return up.at(-1)?.id === id
  }

  /**
   * The leaf a branch through `id` ends in: from `id`, down through the newest child at each point (the version
   * made last is the one the user most likely wants back when returning to this point).
   */
  latestLeafUnder(sessionId: string, id: string): string {
    let leaf = id
    for (;;) {
      const child = this.st('SELECT id FROM messages WHERE session_id = ? AND parent_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId, leaf) as { id: string } | undefined
      if (!child) return leaf
      leaf = child.id
    }
  }

  /** The children of a message, oldest first (its parent NULL: the session's first messages). */
  children(sessionId: string, parentId: string | null): string[] {
    const rows = parentId === null
      ? this.st('SELECT id FROM messages WHERE session_id = ? AND parent_id IS NULL ORDER BY seq').all(sessionId)
      : this.st('SELECT id FROM messages WHERE session_id = ? AND parent_id = ? ORDER BY seq').all(sessionId, parentId)
    return (rows as Array<{ id: string }>).map((r) => r.id)
  }

  /** The versions at each of these messages' points, for those that have more than one (keyed by message id). */
  versions(sessionId: string, rows: readonly Pick<TreeRow, 'id' | 'parent_id'>[]): Map<string, MessageVersions> {
    const out = new Map<string, MessageVersions>()
    if (rows.length === 0) return out
    const parents = [...new Set(rows.flatMap((r) => (r.parent_id ? [r.parent_id] : [])))]
    const byParent = new Map<string | null, string[]>()
    if (parents.length > 0) {
      // Named index: without statistics the planner may pick the (session, seq) one and read the whole session.
      const kids = this.st('SELECT id, parent_id FROM messages INDEXED BY messages_by_parent WHERE session_id = ? AND parent_id IN (SELECT value FROM json_each(?)) ORDER BY seq').all(sessionId, JSON.stringify(parents)) as Array<{ id: string; parent_id: string }>
      for (const k of kids) byParent.set(k.parent_id, [...(byParent.get(k.parent_id) ?? []), k.id])
    }
    if (rows.some((r) => r.parent_id === null)) byParent.set(null, this.children(sessionId, null))
    for (const r of rows) {
      const siblings = byParent.get(r.parent_id) ?? [r.id]
      if (siblings.length > 1) out.set(r.id, { index: Math.max(0, siblings.indexOf(r.id)), count: siblings.length, siblingIds: siblings })
    }
    return out
  }

  /** What the active branch shows against what is stored (diagnostics; reads the session's index, not a hot path). */
  summary(sessionId: string): { activeLeafId: string | null; shown: number; stored: number; versionPoints: number } {
    const activeLeafId = this.activeLeaf(sessionId)
    const shown = activeLeafId ? ((this.st('SELECT depth FROM messages WHERE id = ?').get(activeLeafId) as { depth: number } | undefined)?.depth ?? 0) : 0
    const stored = (this.st('SELECT COUNT(*) AS n FROM messages WHERE session_id = ?').get(sessionId) as { n: number }).n
    const versionPoints = (this.st('SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages INDEXED BY messages_by_parent WHERE session_id = ? GROUP BY parent_id HAVING COUNT(*) > 1)').get(sessionId) as { n: number }).n
    return { activeLeafId, shown, stored, versionPoints }
  }

  /** The seq of the latest message of `turnIds` that has a reply (the turns whose reply was stored). */
  repliedTurns(turnIds: readonly string[]): Set<string> {
    if (turnIds.length === 0) return new Set()
    const rows = this.st('SELECT DISTINCT turn_id FROM messages WHERE turn_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(turnIds)) as Array<{ turn_id: string }>
    return new Set(rows.map((r) => r.turn_id))
  }

  /** The latest turn started from each of these user messages (a retry or regenerate supersedes an earlier attempt). */
  latestTurnOf(userMessageIds: readonly string[]): Map<string, string> {
    const out = new Map<string, string>()
    if (userMessageIds.length === 0) return out
    const rows = this.st('SELECT id, user_message_id FROM turns WHERE user_message_id IN (SELECT value FROM json_each(?)) ORDER BY started_at, seq').all(JSON.stringify(userMessageIds)) as Array<{ id: string; user_message_id: string }>
    for (const r of rows) out.set(r.user_message_id, r.id)
    return out
  }
}

/** What decides whether a turn belongs to the shown branch (see turnOnBranch). */
export interface BranchTurn {
  id: string
  userMessageId: string | null
  startedAt: number
}

/**
 * Whether a turn belongs to a run of the active branch (`path`, oldest first, with what follows it: `next`):
 * - a turn whose reply is stored belongs where its reply is on the branch (a reply on another branch: not here);
 * - a turn without a reply (it failed, was stopped before any text, waits, or runs) belongs after its user message
 *   when it is that message's latest attempt (a retry supersedes the error before it) and the branch does not go
 *   on from that message with something older than the attempt (returning to an earlier reply hides a regenerate
 *   that failed after it);
 * - a continuation (no user message) without a reply stays with the page as before.
 */
export function turnOnBranch(
  t: BranchTurn,
  ctx: { replied: ReadonlySet<string>; repliesOnPath: ReadonlySet<string>; latestOf: ReadonlyMap<string, string>; nextAfter: (messageId: string) => { createdAt: number } | null | undefined },
): boolean {
  if (ctx.replied.has(t.id)) return ctx.repliesOnPath.has(t.id)
  if (t.userMessageId === null) return true
  if (ctx.latestOf.get(t.userMessageId) !== t.id) return false
  const next = ctx.nextAfter(t.userMessageId)
  // undefined: the message is not on this run of the branch at all.
  if (next === undefined) return false
  return next === null || next.createdAt >= t.startedAt
}
