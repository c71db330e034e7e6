// Session rows (metadata and drafts), append-only messages, and turns with their streaming checkpoints.
// The binding columns are not written here: only identity/binding-store does that (invariant 1).
// Every read the app makes while it runs is paged or keyed (keyset cursors, index lookups), so its cost does not
// grow with the number of sessions or the length of a session; statements are prepared once and reused.
import { randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { ChatMessage, HighlightedText, KeelErrorData, MessagePageInfo, TurnView } from '../../../shared/domain'
import { KeelError } from '../errors'
import { preparedStatements } from './prepared-statements'
import { MessageTree, turnOnBranch, type TreeRow } from './branches'

export const DEFAULT_TITLE = 'New session'

export interface SessionRow {
  id: string
  title: string
  pinned: boolean
  archived: boolean
  createdAt: number
  updatedAt: number
  draft: string
  messageCount: number
  /** The session's own workspace folder (a real path), or null: the profile's default applies. */
  workspace: string | null
}

export interface TurnIdentityRecord {
  identityKey: string
  entryId: string
  model: string
  baseUrl: string
  api: string
}

export type RecoveryStatus = 'pending' | 'continuing' | 'continued' | 'declined' | 'failed'

export interface TurnRow extends TurnView, TurnIdentityRecord {
  sessionId: string
  kind: 'user' | 'continuation'
  continuesTurnId: string | null
  recovery: RecoveryStatus | null
}

type RawSession = { id: string; title: string; pinned: number; archived: number; created_at: number; updated_at: number; draft: string; message_count: number; workspace: string | null }

// Messages are append-only and numbered 1, 2, 3… per session by appendMessage, and deleted only with their
// session, so the highest seq is the count: one index lookup instead of counting every message.
const SESSION_COLUMNS = `s.id, s.title, s.pinned, s.archived, s.created_at, s.updated_at, s.draft, s.workspace,
  COALESCE((SELECT MAX(m.seq) FROM messages m WHERE m.session_id = s.id), 0) AS message_count`

/** The list order: pinned first, then most recently active, ties by id (so the order is total and keys unique). */
const LIST_ORDER = 's.pinned DESC, s.updated_at DESC, s.id DESC'

/** A position in the list order, after which the next page starts. */
export interface ListKey {
  pinned: boolean
  updatedAt: number
  id: string
}

export function encodeListCursor(k: ListKey): string {
  return `${k.pinned ? 1 : 0}:${k.updatedAt}:${k.id}`
}

export function decodeListCursor(cursor: string): ListKey {
  const m = /^([01]):(-?\d{1,16}):(.{1,64})$/.exec(cursor)
  if (!m) throw badCursor()
  return { pinned: m[1] === '1', updatedAt: Number(m[2]), id: m[3]! }
}

function badCursor(): KeelError {
  return KeelError.of('invalid-input', 'That page cursor is not one Keel handed out.', { field: 'cursor', fix: 'Reload the list from its first page.' })
}

/** A message cursor is the seq of the message the next page starts beside. */
export function decodeSeqCursor(cursor: string, field: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw KeelError.of('invalid-input', 'That page cursor is not one Keel handed out.', { field, fix: 'Reopen the session.' })
  return Number(cursor)
}

/** Private-use marks around matched terms in FTS snippets: they never occur in what people type or paste. */
const MARK_OPEN = '\uE000'
const MARK_CLOSE = '\uE001'

export function highlightSegments(marked: string): HighlightedText {
  const out: HighlightedText = []
  let match = false
  for (const part of marked.split(/([\uE000\uE001])/)) {
    if (part === MARK_OPEN) match = true
    else if (part === MARK_CLOSE) match = false
    else if (part !== '') out.push({ text: part, match })
  }
  return out
}

/**
 * The user's text as an FTS5 query that can never be a syntax error: each word is quoted (FTS5 operators and
 * punctuation become plain text), words are ANDed, and the last word matches as a prefix while being typed.
 * Returns null when nothing searchable is left (only punctuation).
 */
export function ftsQuery(text: string): string | null {
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w))
  if (words.length === 0) return null
  return words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 && w.length >= 3 ? '*' : ''}`).join(' ')
}

export interface SearchRow {
  sessionId: string
  field: 'title' | 'message' | 'tool'
  /** The message hit, or for a tool hit the user message of the call's turn (what `sessions.open { around }` takes). */
  messageId: string | null
  snippet: HighlightedText
  /** Tool hits only: the call's ledger id, name and turn. */
  tool?: { callId: string; name: string; turnId: string }
}

export interface MessagePageRows {
  messages: ChatMessage[]
  turns: TurnView[]
  page: MessagePageInfo
}

function toSession(r: RawSession): SessionRow {
  return { id: r.id, title: r.title, pinned: r.pinned === 1, archived: r.archived === 1, createdAt: r.created_at, updatedAt: r.updated_at, draft: r.draft, messageCount: r.message_count, workspace: r.workspace }
}

/** What a provider request needs of a stored message. */
export interface HistoryRow {
  id: string
  /** The message it follows (null: the first); a history extended from a kept one must join at its end. */
  parentId: string | null
  createdAt: number
  seq: number
  turnId: string | null
  role: 'user' | 'assistant'
  content: string
}

type RawMessage = { id: string; seq: number; turn_id: string | null; role: 'user' | 'assistant'; content: string; status: ChatMessage['status']; created_at: number; entry_id: string | null; model: string | null; base_url: string | null; api: string | null }

function toMessage(r: RawMessage): ChatMessage {
  return {
    id: r.id,
    turnId: r.turn_id,
    role: r.role,
    content: r.content,
    status: r.status,
    createdAt: r.created_at,
    producedWith: r.entry_id && r.model && r.base_url && r.api ? { entryId: r.entry_id, model: r.model, baseUrl: r.base_url, api: r.api } : null,
  }
}

type RawTurn = { id: string; session_id: string; status: TurnView['status']; error_json: string | null; partial_text: string; user_message_id: string | null; started_at: number; identity_key: string; entry_id: string; model: string; base_url: string; api: string; kind: 'user' | 'continuation'; continues_turn_id: string | null; recovery: RecoveryStatus | null }

function toTurn(r: RawTurn): TurnRow {
  return {
    id: r.id,
    sessionId: r.session_id,
    status: r.status,
    error: r.error_json ? (JSON.parse(r.error_json) as KeelErrorData) : null,
    partialText: r.partial_text,
    userMessageId: r.user_message_id,
    startedAt: r.started_at,
    identityKey: r.identity_key,
    entryId: r.entry_id,
    model: r.model,
    baseUrl: r.base_url,
    api: r.api,
    kind: r.kind,
    continuesTurnId: r.continues_turn_id,
    recovery: r.recovery,
  }
}

export class SessionStore {
  /** A prepared statement, prepared on first use and reused (preparing costs more than running a keyed read). */
  private readonly st: (sql: string) => Database.Statement
  /** The archived sessions' count once read (see archivedCount). */
  private archived: number | null = null

  /** The message tree: parents, versions, the active branch (issue #12). */
  readonly tree: MessageTree

  constructor(readonly db: Database.Database) {
    this.st = preparedStatements(db)
    this.tree = new MessageTree(db)
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  create(now = Date.now()): string {
    const id = randomUUID()
    this.st('INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, DEFAULT_TITLE, now, now)
    return id
  }

  get(id: string): SessionRow | null {
    const row = this.st(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`).get(id) as RawSession | undefined
    return row ? toSession(row) : null
  }

  /**
   * Every session in list order. Only for whole-database work (the doctor, a full diagnostics report); the app's
   * list reads pages. Works on any schema version (the doctor reads databases it does not migrate).
   */
  list(): SessionRow[] {
    return (this.st(`SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY ${LIST_ORDER}`).all() as RawSession[]).map(toSession)
  }

  /**
   * One page of the list after `after` (keyset: a session that moves while the user pages is neither repeated
   * nor skipped among the others), and whether more follow. `archived` picks the main list (false) or the
   * Archived view (true); archived sessions are never in the main list.
   */
  page(after: ListKey | null, limit: number, archived = false): { rows: SessionRow[]; more: boolean } {
    const flag = archived ? 1 : 0
    const raw = (
      after
        ? this.st(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.archived = ? AND (s.pinned, s.updated_at, s.id) < (?, ?, ?) ORDER BY ${LIST_ORDER} LIMIT ?`).all(flag, after.pinned ? 1 : 0, after.updatedAt, after.id, limit + 1)
        : this.st(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.archived = ? ORDER BY ${LIST_ORDER} LIMIT ?`).all(flag, limit + 1)
    ) as RawSession[]
    return { rows: raw.slice(0, limit).map(toSession), more: raw.length > limit }
  }

  /**
   * How many sessions are archived. Counted once (a scan: call it at startup, not on a hot path), then kept by
   * setArchived and delete, the only writes that change it.
   */
  archivedCount(): number {
    this.archived ??= (this.st('SELECT COUNT(*) AS n FROM sessions WHERE archived = 1').get() as { n: number }).n
    return this.archived
  }

  /**
   * The most recent untitled session of the main list that has no messages (Ctrl/Cmd+N reuses it rather than
   * piling up empty ones), among those `accept` takes (the caller checks its profile); null when there is none.
   */
  emptyUntitled(accept: (id: string) => boolean): string | null {
    const rows = this.st(
      `SELECT s.id FROM sessions s WHERE s.archived = 0 AND s.title = ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id)
       ORDER BY s.updated_at DESC, s.id DESC LIMIT 50`,
    ).all(DEFAULT_TITLE) as Array<{ id: string }>
    return rows.find((r) => accept(r.id))?.id ?? null
  }

  /**
   * The first `limit` sessions in list order that are neither archived nor empty (the tray's recent sessions). Empty:
   * untitled with no message yet; a session the user named is listed even before its first message.
   */
  recent(limit: number): SessionRow[] {
    return (
      this.st(
        `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.archived = 0 AND (s.title != ? OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id)) ORDER BY ${LIST_ORDER} LIMIT ?`,
      ).all(DEFAULT_TITLE, limit) as RawSession[]
    ).map(toSession)
  }

  /** How many sessions there are (a counter the database keeps, not a count of rows). */
  count(): number {
    return (this.st("SELECT n FROM counters WHERE name = 'sessions'").get() as { n: number }).n
  }

  /** The rows of these sessions (missing ids are left out), in the order asked. */
  many(ids: readonly string[]): SessionRow[] {
    if (ids.length === 0) return []
    const rows = this.st(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as RawSession[]
    const byId = new Map(rows.map((r) => [r.id, toSession(r)]))
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  /**
   * Full-text search, best first: title matches, then message matches, then tool call matches (each by FTS5 bm25
   * rank). `offset` counts hits in that combined order. The snippet is computed for the returned page only, not for every match.
   */
  search(text: string, offset: number, limit: number): { hits: SearchRow[]; more: boolean } {
    const q = ftsQuery(text)
    if (!q) return { hits: [], more: false }
    const hits: SearchRow[] = []
    const want = limit + 1
    const titles = this.st(
      `SELECT s.id AS session_id, highlight(titles_fts, 0, '${MARK_OPEN}', '${MARK_CLOSE}') AS snip
       FROM titles_fts JOIN sessions s ON s.rowid = titles_fts.rowid
       WHERE titles_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?`,
    ).all(q, want, offset) as Array<{ session_id: string; snip: string }>
    for (const t of titles) hits.push({ sessionId: t.session_id, field: 'title', messageId: null, snippet: highlightSegments(t.snip) })
    if (hits.length < want) {
      // Where the message hits start in the combined order: after all title hits.
      const titleTotal = titles.length > 0 || offset === 0 ? offset + titles.length : (this.st('SELECT COUNT(*) AS n FROM titles_fts WHERE titles_fts MATCH ?').get(q) as { n: number }).n
      const messageOffset = Math.max(0, offset - titleTotal)
      const ranked = this.st('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?').all(q, want - hits.length, messageOffset) as Array<{ rowid: number }>
      if (ranked.length > 0) {
        const rows = this.st(
          `SELECT messages_fts.rowid AS rid, m.id, m.session_id, snippet(messages_fts, 0, '${MARK_OPEN}', '${MARK_CLOSE}', '…', 24) AS snip
           FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
           WHERE messages_fts MATCH ? AND messages_fts.rowid IN (SELECT value FROM json_each(?))`,
        ).all(q, JSON.stringify(ranked.map((r) => r.rowid))) as Array<{ rid: number; id: string; session_id: string; snip: string }>
        const byRowid = new Map(rows.map((r) => [r.rid, r]))
        for (const { rowid } of ranked) {
          const r = byRowid.get(rowid)
          if (r) hits.push({ sessionId: r.session_id, field: 'message', messageId: r.id, snippet: highlightSegments(r.snip) })
        }
      }
      if (hits.length < want) {
        // Tool calls (name, arguments, result) come after all message hits, ranked among themselves.
        const messageTotal = ranked.length > 0 || messageOffset === 0 ? messageOffset + ranked.length : (this.st('SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH ?').get(q) as { n: number }).n
        const toolOffset = Math.max(0, offset - titleTotal - messageTotal)
        const tools = this.st('SELECT rowid FROM tool_calls_fts WHERE tool_calls_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?').all(q, want - hits.length, toolOffset) as Array<{ rowid: number }>
        if (tools.length > 0) {
          // The snippet's column is the best-matching one (-1); the anchor is the user message that began the turn.
          const rows = this.st(
            `SELECT tool_calls_fts.rowid AS rid, c.id, c.session_id, c.turn_id, c.tool_name, t.user_message_id,
               snippet(tool_calls_fts, -1, '${MARK_OPEN}', '${MARK_CLOSE}', '…', 24) AS snip
             FROM tool_calls_fts JOIN tool_calls c ON c.rowid = tool_calls_fts.rowid LEFT JOIN turns t ON t.id = c.turn_id
             WHERE tool_calls_fts MATCH ? AND tool_calls_fts.rowid IN (SELECT value FROM json_each(?))`,
          ).all(q, JSON.stringify(tools.map((r) => r.rowid))) as Array<{ rid: number; id: string; session_id: string; turn_id: string; tool_name: string; user_message_id: string | null; snip: string }>
          const byRowid = new Map(rows.map((r) => [r.rid, r]))
          for (const { rowid } of tools) {
            const r = byRowid.get(rowid)
            if (r) hits.push({ sessionId: r.session_id, field: 'tool', messageId: r.user_message_id, snippet: highlightSegments(r.snip), tool: { callId: r.id, name: r.tool_name, turnId: r.turn_id } })
          }
        }
      }
    }
    return { hits: hits.slice(0, limit), more: hits.length > limit }
  }

  rename(id: string, title: string): void {
    this.st('UPDATE sessions SET title = ? WHERE id = ?').run(title, id)
  }
  /** The session's own workspace folder (already resolved to a real path by the caller), or null to clear it. */
  setWorkspace(id: string, workspace: string | null): void {
    this.st('UPDATE sessions SET workspace = ? WHERE id = ?').run(workspace, id)
  }
  setPinned(id: string, pinned: boolean): void {
    this.st('UPDATE sessions SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, id)
  }
  setArchived(id: string, archived: boolean): void {
    const changed = this.st('UPDATE sessions SET archived = ? WHERE id = ? AND archived != ?').run(archived ? 1 : 0, id, archived ? 1 : 0).changes > 0
    if (changed) this.archivedChanged(archived ? 1 : -1)
  }
  /** Inside a transaction the change may be rolled back: the count is read again when next needed instead. */
  private archivedChanged(by: 1 | -1): void {
    if (this.archived === null) return
    this.archived = this.db.inTransaction ? null : this.archived + by
  }
  touch(id: string, now = Date.now()): void {
    this.st('UPDATE sessions SET updated_at = ? WHERE id = ?').run(now, id)
  }
  delete(id: string): boolean {
    const gone = this.st('DELETE FROM sessions WHERE id = ? RETURNING archived').get(id) as { archived: number } | undefined
    if (gone?.archived === 1) this.archivedChanged(-1)
    return gone !== undefined
  }
  saveDraft(id: string, text: string, now = Date.now()): boolean {
    return this.st('UPDATE sessions SET draft = ?, draft_updated_at = ? WHERE id = ?').run(text, now, id).changes > 0
  }

  /**
   * A session's messages after `afterSeq`, oldest first, with only the columns a provider request is built from.
   * Messages are append-only (a trigger refuses updates; they go only with their session), so a history read once
   * is extended with these rows instead of read again (see WireHistoryCache).
   */
  historyRows(sessionId: string, afterSeq = 0, leafId: string | null = this.tree.activeLeaf(sessionId)): HistoryRow[] {
    // The branch up to `leafId` (the active one unless a regenerate or edit sends from an earlier message).
    return this.tree
      .walk(sessionId, leafId, Number.MAX_SAFE_INTEGER, afterSeq + 1)
      .reverse()
      .map((r) => ({ id: r.id, seq: r.seq, turnId: r.turn_id, role: r.role, content: r.content, parentId: r.parent_id, createdAt: r.created_at }))
  }

  /** The id of a session's message at `seq`, or null (the session, or that message, is gone). */
  messageIdAt(sessionId: string, seq: number): string | null {
    const r = this.st('SELECT id FROM messages WHERE session_id = ? AND seq = ?').get(sessionId, seq) as { id: string } | undefined
    return r?.id ?? null
  }

  /** The seq of a message of this session, or null. */
  seqOf(sessionId: string, messageId: string): number | null {
    const r = this.st('SELECT seq FROM messages WHERE id = ? AND session_id = ?').get(messageId, sessionId) as { seq: number } | undefined
    return r?.seq ?? null
  }

  /**
   * A contiguous run of the active branch, oldest first: the latest `limit`, the `limit` before or after a seq, or
   * the `limit` around one message (a search hit, placed a third of the way down so what follows it shows too; the
   * caller makes its branch the active one first). With them come the turns that belong to those messages on this
   * branch, cursors to either side, and the versions at each message's point. Each read walks the branch by primary
   * key only as far as the page needs (above a cursor: the page's length; below one: up from the leaf to it).
   */
  messagePage(sessionId: string, at: { before?: number; after?: number; around?: number }, limit: number): MessagePageRows {
    const leaf = this.tree.activeLeaf(sessionId)
    let rows: TreeRow[]
    let next: TreeRow | undefined
    const parentAt = (seq: number) => (this.st('SELECT parent_id FROM messages WHERE session_id = ? AND seq = ?').get(sessionId, seq) as { parent_id: string | null } | undefined)
    if (at.around !== undefined) {
      const above = Math.floor(limit / 3)
      const older = this.tree.walk(sessionId, parentAt(at.around)?.parent_id ?? null, above).reverse()
      const rest = this.tree.below(sessionId, at.around, limit - older.length)
      rows = [...older, ...rest.rows]
      next = rest.next
    } else if (at.after !== undefined) {
      const below = this.tree.below(sessionId, at.after + 1, limit)
      rows = below.rows
      next = below.next
    } else if (at.before !== undefined) {
      const anchor = this.st('SELECT * FROM messages WHERE session_id = ? AND seq = ?').get(sessionId, at.before) as TreeRow | undefined
      // No message at that seq: the older cursor of a page after the newest message (see olderCursor below). The page
      // above it ends at the leaf when the leaf is below it; else (a cursor of 0) nothing is above.
      const top = anchor ? anchor.parent_id : leaf !== null && (this.tree.row(sessionId, leaf)?.seq ?? at.before) < at.before ? leaf : null
      rows = this.tree.walk(sessionId, top, limit).reverse()
      next = anchor
    } else {
      rows = this.tree.walk(sessionId, leaf, limit).reverse()
      next = undefined
    }
    const first = rows[0]
    const last = rows[rows.length - 1]
    const hasOlder = first ? first.parent_id !== null : at.after !== undefined && this.st('SELECT 1 FROM messages WHERE session_id = ? AND seq <= ? LIMIT 1').get(sessionId, at.after) !== undefined
    const total = leaf ? ((this.st('SELECT depth FROM messages WHERE id = ?').get(leaf) as { depth: number } | undefined)?.depth ?? 0) : 0
    const versions = this.tree.versions(sessionId, rows)
    const messages = rows.map((r) => {
      const m: ChatMessage = toMessage(r)
      const v = versions.get(r.id)
      if (v) m.versions = v
      if (r.id === leaf) {
        // The leaf's children are all off the branch (a regenerate that failed, a branch left for an older one).
        const below = this.tree.children(sessionId, r.id)
        if (below.length > 0) m.replyVersions = below
      }
      return m
    })
    return {
      messages,
      turns: this.turnsForPage(sessionId, rows, next ?? null, hasOlder),
      page: {
        olderCursor: hasOlder && first ? String(first.seq) : hasOlder && at.after !== undefined ? String(at.after + 1) : null,
        newerCursor: next && last ? String(last.seq) : null,
        endCursor: last ? String(last.seq) : null,
        total,
      },
    }
  }

  /**
   * The turns shown with a run of the active branch: those whose reply is on it, those started from its user
   * messages that have no reply and are still the latest attempt (see turnOnBranch), and continuations (no user
   * message) that started within the page's time range; on the latest page the range runs to the end, so a
   * running turn or one that failed before any reply is there too. Read by key and through indexes, so a page
   * costs the same in a session of any length.
   */
  private turnsForPage(sessionId: string, rows: RawMessage[], nextRow: RawMessage | null, hasOlder: boolean): TurnView[] {
    const from = hasOlder && rows[0] ? rows[0].created_at : Number.MIN_SAFE_INTEGER
    // The range ends where the next page begins; the latest page (nothing after it) runs to the end.
    const to = nextRow === null ? Number.MAX_SAFE_INTEGER : nextRow.created_at
    const ids = new Set(rows.map((r) => r.id))
    const turnIds = [...new Set(rows.flatMap((r) => (r.turn_id ? [r.turn_id] : [])))]
    const byId = new Map<string, TurnRow>()
    if (turnIds.length > 0) for (const r of this.st('SELECT * FROM turns WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(turnIds)) as RawTurn[]) byId.set(r.id, toTurn(r))
    for (const r of this.st('SELECT * FROM turns WHERE session_id = ? AND started_at >= ? AND started_at <= ?').all(sessionId, from, to) as RawTurn[]) {
      const t = toTurn(r)
      if ((t.userMessageId !== null && ids.has(t.userMessageId)) || t.userMessageId === null) byId.set(t.id, t)
    }
    // Which of them belong to this branch: a reply elsewhere, or an attempt a retry superseded, stays off it.
    const candidates = [...byId.values()]
    const replied = this.tree.repliedTurns(candidates.map((t) => t.id))
    const repliesOnPath = new Set([...turnIds, ...(nextRow?.turn_id ? [nextRow.turn_id] : [])])
    const latestOf = this.tree.latestTurnOf([...new Set(candidates.flatMap((t) => (t.userMessageId !== null && !replied.has(t.id) ? [t.userMessageId] : [])))])
    const position = new Map(rows.map((r, i) => [r.id, i]))
    const nextAfter = (messageId: string) => {
      const i = position.get(messageId)
      if (i === undefined) return undefined
      const n = i + 1 < rows.length ? rows[i + 1]! : nextRow
      return n ? { createdAt: n.created_at } : null
    }
    return candidates
      .filter((t) => t.sessionId === sessionId && turnOnBranch(t, { replied, repliesOnPath, latestOf, nextAfter }))
      .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id))
      .map(({ id, status, error, partialText, userMessageId, startedAt }) => ({ id, status, error, partialText, userMessageId, startedAt }))
  }

  private hasBranches: boolean | undefined
  /** Whether the schema has message branches (015): the app's always does; an old file a test writes may not. */
  private branched(): boolean {
    this.hasBranches ??= this.db.prepare("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'parent_id'").get() !== undefined
    return this.hasBranches
  }

  /** Appends a message with the next seq of its session (an index lookup, not a scan). */
  appendMessage(m: { sessionId: string; turnId: string | null; role: 'user' | 'assistant'; content: string; status?: ChatMessage['status']; producedWith?: { entryId: string; model: string; baseUrl: string; api: string } | null; now?: number; parentId?: string | null }): string {
    const id = randomUUID()
    const seq = (this.st('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM messages WHERE session_id = ?').get(m.sessionId) as { n: number }).n
    const p = m.producedWith ?? null
    if (!this.branched()) {
      // A database before migration 015 (tests write old schemas through the store, as those versions did).
      this.st('INSERT INTO messages (id, session_id, turn_id, seq, role, content, status, entry_id, model, base_url, api, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(id, m.sessionId, m.turnId, seq, m.role, m.content, m.status ?? 'complete', p?.entryId ?? null, p?.model ?? null, p?.baseUrl ?? null, p?.api ?? null, m.now ?? Date.now())
      return id
    }
    // A message follows the active branch's leaf unless it is a new version (an edit: beside the message edited).
    const parentId = m.parentId !== undefined ? m.parentId : this.tree.activeLeaf(m.sessionId)
    const depth = parentId ? ((this.st('SELECT depth FROM messages WHERE id = ?').get(parentId) as { depth: number } | undefined)?.depth ?? 0) + 1 : 1
    this.st('INSERT INTO messages (id, session_id, turn_id, seq, role, content, status, entry_id, model, base_url, api, created_at, parent_id, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      id,
      m.sessionId,
      m.turnId,
      seq,
      m.role,
      m.content,
      m.status ?? 'complete',
      p?.entryId ?? null,
      p?.model ?? null,
      p?.baseUrl ?? null,
      p?.api ?? null,
      m.now ?? Date.now(),
      parentId,
      depth,
    )
    // The new message is where the branch now ends (not message content: the session row says it).
    this.tree.setActiveLeaf(m.sessionId, id)
    return id
  }

  startTurn(t: { sessionId: string; userMessageId: string | null; identity: TurnIdentityRecord; continues?: string; now?: number }): string {
    const id = randomUUID()
    const seq = (this.st('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM turns WHERE session_id = ?').get(t.sessionId) as { n: number }).n
    this.st(
      "INSERT INTO turns (id, session_id, seq, status, user_message_id, identity_key, entry_id, model, base_url, api, started_at, kind, continues_turn_id) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(id, t.sessionId, seq, t.userMessageId, t.identity.identityKey, t.identity.entryId, t.identity.model, t.identity.baseUrl, t.identity.api, t.now ?? Date.now(), t.continues ? 'continuation' : 'user', t.continues ?? null)
    // A new turn of the user's (a message, a retry, an edit, a regenerate) answers instead of the interrupted reply
    // Keel was asking about: that question is over, and a later Continue would append a second reply after it.
    if (!t.continues) this.st("UPDATE turns SET recovery = 'declined' WHERE session_id = ? AND recovery = 'pending'").run(t.sessionId)
    return id
  }

  setRecovery(turnId: string, recovery: RecoveryStatus): void {
    this.st('UPDATE turns SET recovery = ? WHERE id = ?').run(recovery, turnId)
  }

  /** The session's most recent turn that was interrupted by a crash (the one recovery is about). */
  lastRecoverable(sessionId: string): TurnRow | null {
    const r = this.st('SELECT * FROM turns WHERE session_id = ? AND recovery IS NOT NULL ORDER BY seq DESC LIMIT 1').get(sessionId) as RawTurn | undefined
    return r ? toTurn(r) : null
  }

  /**
   * Writes the text streamed since the last checkpoint: `appended` goes on the end of what is stored, guarded by
   * the stored length in UTF-8 bytes, so each checkpoint sends the new text, not the whole reply. Returns false
   * when the stored text is not `storedBytes` long (nothing is written; write the whole text with `checkpoint`).
   */
  appendCheckpoint(turnId: string, storedBytes: number, appended: string, now = Date.now()): boolean {
    return this.st("UPDATE turns SET partial_text = partial_text || ?, checkpointed_at = ? WHERE id = ? AND status = 'running' AND length(CAST(partial_text AS BLOB)) = ?").run(appended, now, turnId, storedBytes).changes > 0
  }

  checkpoint(turnId: string, partialText: string, now = Date.now()): void {
    this.st("UPDATE turns SET partial_text = ?, checkpointed_at = ? WHERE id = ? AND status = 'running'").run(partialText, now, turnId)
  }

  endTurn(turnId: string, status: Exclude<TurnView['status'], 'running'>, error: KeelErrorData | null, partialText: string, now = Date.now()): void {
    this.st('UPDATE turns SET status = ?, error_json = ?, partial_text = ?, ended_at = ? WHERE id = ?').run(status, error ? JSON.stringify(error) : null, partialText, now, turnId)
  }

  /** Every turn of a session (whole-session work only; the view reads the turns of a page). */
  turns(sessionId: string): TurnRow[] {
    return (this.st('SELECT * FROM turns WHERE session_id = ? ORDER BY seq').all(sessionId) as RawTurn[]).map(toTurn)
  }

  turn(turnId: string): TurnRow | null {
    const r = this.st('SELECT * FROM turns WHERE id = ?').get(turnId) as RawTurn | undefined
    return r ? toTurn(r) : null
  }

  /**
   * Turns left running by a crash or forced quit, at startup: marked interrupted with recovery pending, and the
   * text streamed before the crash (its last checkpoint) kept as an interrupted assistant message.
   */
  markInterrupted(now = Date.now()): TurnRow[] {
    return this.transaction(() => {
      const running = (this.st("SELECT * FROM turns WHERE status = 'running'").all() as RawTurn[]).map(toTurn)
      for (const t of running) {
        if (t.partialText !== '') {
          this.appendMessage({ sessionId: t.sessionId, turnId: t.id, role: 'assistant', content: t.partialText, status: 'interrupted', producedWith: t, now })
        }
        this.st("UPDATE turns SET status = 'interrupted', ended_at = ?, recovery = 'pending', partial_text = '' WHERE id = ?").run(now, t.id)
      }
      return running.map((t) => ({ ...t, status: 'interrupted' as const, recovery: 'pending' as const }))
    })
  }
}
