// Session rows (metadata and drafts), append-only messages, and turns with their streaming checkpoints.
// The binding columns are not written here: only identity/binding-store does that (invariant 1).
import { randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { ChatMessage, KeelErrorData, TurnView } from '../../../shared/domain'

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

type RawSession = { id: string; title: string; pinned: number; archived: number; created_at: number; updated_at: number; draft: string; message_count: number }

const SESSION_COLUMNS = `s.id, s.title, s.pinned, s.archived, s.created_at, s.updated_at, s.draft,
  (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS message_count`

function toSession(r: RawSession): SessionRow {
  return { id: r.id, title: r.title, pinned: r.pinned === 1, archived: r.archived === 1, createdAt: r.created_at, updatedAt: r.updated_at, draft: r.draft, messageCount: r.message_count }
}

type RawMessage = { id: string; turn_id: string | null; role: 'user' | 'assistant'; content: string; status: ChatMessage['status']; created_at: number; entry_id: string | null; model: string | null; base_url: string | null; api: string | null }

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
  constructor(readonly db: Database.Database) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  create(now = Date.now()): string {
    const id = randomUUID()
    this.db.prepare('INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, DEFAULT_TITLE, now, now)
    return id
  }

  get(id: string): SessionRow | null {
    const row = this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`).get(id) as RawSession | undefined
    return row ? toSession(row) : null
  }

  /** Pinned first, then most recently active. `query` matches titles and message text. */
  list(query?: string): SessionRow[] {
    const q = query?.trim()
    if (!q) return (this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY s.pinned DESC, s.updated_at DESC`).all() as RawSession[]).map(toSession)
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    return (
      this.db
        .prepare(
          `SELECT ${SESSION_COLUMNS} FROM sessions s
           WHERE s.title LIKE @like ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.content LIKE @like ESCAPE '\\')
           ORDER BY s.pinned DESC, s.updated_at DESC`,
        )
        .all({ like }) as RawSession[]
    ).map(toSession)
  }

  rename(id: string, title: string): void {
    this.db.prepare('UPDATE sessions SET title = ? WHERE id = ?').run(title, id)
  }
  setPinned(id: string, pinned: boolean): void {
    this.db.prepare('UPDATE sessions SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, id)
  }
  setArchived(id: string, archived: boolean): void {
    this.db.prepare('UPDATE sessions SET archived = ? WHERE id = ?').run(archived ? 1 : 0, id)
  }
  touch(id: string, now = Date.now()): void {
    this.db.prepare('UPDATE sessions SET updated_at = ? WHERE id = ?').run(now, id)
  }
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0
  }
  saveDraft(id: string, text: string, now = Date.now()): boolean {
    return this.db.prepare('UPDATE sessions SET draft = ?, draft_updated_at = ? WHERE id = ?').run(text, now, id).changes > 0
  }

  messages(sessionId: string): ChatMessage[] {
    return (this.db.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq').all(sessionId) as RawMessage[]).map(toMessage)
  }

  appendMessage(m: { sessionId: string; turnId: string | null; role: 'user' | 'assistant'; content: string; status?: ChatMessage['status']; producedWith?: { entryId: string; model: string; baseUrl: string; api: string } | null; now?: number }): string {
    const id = randomUUID()
    const seq = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM messages WHERE session_id = ?').get(m.sessionId) as { n: number }).n
    const p = m.producedWith ?? null
    this.db
      .prepare('INSERT INTO messages (id, session_id, turn_id, seq, role, content, status, entry_id, model, base_url, api, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, m.sessionId, m.turnId, seq, m.role, m.content, m.status ?? 'complete', p?.entryId ?? null, p?.model ?? null, p?.baseUrl ?? null, p?.api ?? null, m.now ?? Date.now())
    return id
  }

  startTurn(t: { sessionId: string; userMessageId: string | null; identity: TurnIdentityRecord; continues?: string; now?: number }): string {
    const id = randomUUID()
    const seq = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM turns WHERE session_id = ?').get(t.sessionId) as { n: number }).n
    this.db
      .prepare(
        "INSERT INTO turns (id, session_id, seq, status, user_message_id, identity_key, entry_id, model, base_url, api, started_at, kind, continues_turn_id) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(id, t.sessionId, seq, t.userMessageId, t.identity.identityKey, t.identity.entryId, t.identity.model, t.identity.baseUrl, t.identity.api, t.now ?? Date.now(), t.continues ? 'continuation' : 'user', t.continues ?? null)
    return id
  }

  setRecovery(turnId: string, recovery: RecoveryStatus): void {
    this.db.prepare('UPDATE turns SET recovery = ? WHERE id = ?').run(recovery, turnId)
  }

  /** The session's most recent turn that was interrupted by a crash (the one recovery is about). */
  lastRecoverable(sessionId: string): TurnRow | null {
    const r = this.db.prepare("SELECT * FROM turns WHERE session_id = ? AND recovery IS NOT NULL ORDER BY seq DESC LIMIT 1").get(sessionId) as RawTurn | undefined
    return r ? toTurn(r) : null
  }

  checkpoint(turnId: string, partialText: string, now = Date.now()): void {
    this.db.prepare("UPDATE turns SET partial_text = ?, checkpointed_at = ? WHERE id = ? AND status = 'running'").run(partialText, now, turnId)
  }

  endTurn(turnId: string, status: Exclude<TurnView['status'], 'running'>, error: KeelErrorData | null, partialText: string, now = Date.now()): void {
    this.db
      .prepare('UPDATE turns SET status = ?, error_json = ?, partial_text = ?, ended_at = ? WHERE id = ?')
      .run(status, error ? JSON.stringify(error) : null, partialText, now, turnId)
  }

  turns(sessionId: string): TurnRow[] {
    return (this.db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq').all(sessionId) as RawTurn[]).map(toTurn)
  }

  turn(turnId: string): TurnRow | null {
    const r = this.db.prepare('SELECT * FROM turns WHERE id = ?').get(turnId) as RawTurn | undefined
    return r ? toTurn(r) : null
  }

  /**
   * Turns left running by a crash or forced quit, at startup: marked interrupted with recovery pending, and the
   * text streamed before the crash (its last checkpoint) kept as an interrupted assistant message.
   */
  markInterrupted(now = Date.now()): TurnRow[] {
    return this.transaction(() => {
      const running = (this.db.prepare("SELECT * FROM turns WHERE status = 'running'").all() as RawTurn[]).map(toTurn)
      for (const t of running) {
        if (t.partialText !== '') {
          this.appendMessage({ sessionId: t.sessionId, turnId: t.id, role: 'assistant', content: t.partialText, status: 'interrupted', producedWith: t, now })
        }
        this.db.prepare("UPDATE turns SET status = 'interrupted', ended_at = ?, recovery = 'pending', partial_text = '' WHERE id = ?").run(now, t.id)
      }
      return running.map((t) => ({ ...t, status: 'interrupted' as const, recovery: 'pending' as const }))
    })
  }
}
