// A session as Keel JSON (the whole tree: every version of every message with its parent, the turns with the
// identity each used, tool calls, attachments with their bytes) or as Markdown (the active branch to read, other
// versions folded in <details>). Never a key: what a reply records is entry id, name, model, API and base URL, and
// keys live in the keychain only (invariant 3). The database is read as it is: a database before the branches
// (015) and attachments (016) migrations exports one straight line without attachments.
import fs from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import {
  KEEL_EXPORT_VERSION,
  KEEL_SESSIONS_FORMAT,
  KEEL_SESSION_FORMAT,
  type ExportedAttachment,
  type ExportedIdentity,
  type ExportedMessage,
  type ExportedSession,
  type ExportedToolCall,
  type KeelSessionExport,
  type KeelSessionsExport,
} from '../../../shared/transfer'
import { KeelError } from '../errors'

export interface ExportSource {
  db: Database.Database
  /** <dataDir>/attachments: content-addressed attachment files (`<sha256>`, extracted text in `<sha256>.txt`). */
  attachmentsDir: string
  /** An entry's display name now (null: no such entry any more). */
  entryName: (entryId: string) => string | null
  /** The tool calls of these turns, oldest first. */
  toolCalls: (turnIds: readonly string[]) => ExportedToolCall[]
  now?: () => number
}

type RawMessage = { id: string; seq: number; turn_id: string | null; role: 'user' | 'assistant'; content: string; status: ExportedMessage['status']; created_at: number; entry_id: string | null; model: string | null; base_url: string | null; api: string | null; parent_id?: string | null }
type RawSession = { id: string; title: string; pinned: number; archived: number; created_at: number; updated_at: number; binding_entry_id: string | null; binding_model: string | null; binding_mode: string; active_leaf_id?: string | null }
type RawTurn = { id: string; status: string; user_message_id: string | null; started_at: number; entry_id: string; model: string; base_url: string; api: string; error_json: string | null }

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) ?? null) !== null
}
function hasTable(db: Database.Database, table: string): boolean {
  return (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) ?? null) !== null
}

function identityOf(r: { entry_id: string | null; model: string | null; base_url: string | null; api: string | null }, entryName: ExportSource['entryName']): ExportedIdentity | null {
  if (!r.entry_id || !r.model || !r.base_url || !r.api) return null
  return { entryId: r.entry_id, entryName: entryName(r.entry_id), model: r.model, api: r.api, baseUrl: r.base_url }
}

/** The attachments of these messages (bytes included), keyed by message id; none before migration 016. */
function attachmentsOf(source: ExportSource, messageIds: readonly string[]): Map<string, ExportedAttachment[]> {
  const out = new Map<string, ExportedAttachment[]>()
  if (messageIds.length === 0 || !hasTable(source.db, 'message_attachments')) return out
  const rows = source.db
    .prepare('SELECT message_id, ordinal, sha256, name, mime, size FROM message_attachments WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, ordinal')
    .all(JSON.stringify(messageIds)) as Array<{ message_id: string; sha256: string; name: string; mime: string; size: number }>
  for (const r of rows) {
    const a: ExportedAttachment = { id: r.sha256, name: r.name, mimeType: r.mime, size: r.size }
    const file = path.join(source.attachmentsDir, r.sha256)
    try {
      a.data = fs.readFileSync(file).toString('base64')
    } catch {
      // The file is gone (a damaged data directory): the reference is exported without its bytes.
    }
    try {
      a.text = fs.readFileSync(`${file}.txt`, 'utf8')
    } catch {
      // Only text-like attachments keep a text.
    }
    out.set(r.message_id, [...(out.get(r.message_id) ?? []), a])
  }
  return out
}

/** One session as the Keel JSON export's `session` object. */
export function exportedSession(source: ExportSource, sessionId: string): ExportedSession {
  const db = source.db
  const branches = hasColumn(db, 'messages', 'parent_id')
  const s = db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as RawSession | undefined
  if (!s) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session from the list.' })
  const rows = db.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq').all(sessionId) as RawMessage[]
  const attachments = attachmentsOf(source, rows.map((r) => r.id))
  const messages: ExportedMessage[] = rows.map((r, i) => ({
    id: r.id,
    // Before branches every session is one line: each message follows the one before it.
    parentId: branches ? (r.parent_id ?? null) : i > 0 ? rows[i - 1]!.id : null,
    role: r.role,
    content: r.content,
    status: r.status,
    createdAt: r.created_at,
    turnId: r.turn_id,
    producedWith: identityOf(r, source.entryName),
    attachments: attachments.get(r.id) ?? [],
  }))
  const turns = (db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq').all(sessionId) as RawTurn[]).map((t) => {
    let error: { kind: string; message: string } | null = null
    if (t.error_json) {
      try {
        const e = JSON.parse(t.error_json) as { kind?: unknown; message?: unknown }
        error = { kind: String(e.kind ?? 'internal'), message: String(e.message ?? '') }
      } catch {
        error = { kind: 'internal', message: '' }
      }
    }
    return { id: t.id, status: t.status, userMessageId: t.user_message_id, startedAt: t.started_at, identity: identityOf(t, source.entryName)!, error }
  })
  const activeLeaf = branches && s.active_leaf_id ? s.active_leaf_id : (rows.at(-1)?.id ?? null)
  return {
    id: s.id,
    title: s.title,
    createdAt: s.created_at,
    updatedAt: s.updated_at,
    pinned: s.pinned === 1,
    archived: s.archived === 1,
    binding: { entryId: s.binding_entry_id, model: s.binding_model, mode: s.binding_mode },
    activeLeafId: activeLeaf,
    messages,
    turns,
    toolCalls: source.toolCalls(turns.map((t) => t.id)),
  }
}

const stamp = (now: number) => new Date(now).toISOString()

export function exportSessionJson(source: ExportSource, sessionId: string): { text: string; filename: string } {
  const session = exportedSession(source, sessionId)
  const doc: KeelSessionExport = { format: KEEL_SESSION_FORMAT, version: KEEL_EXPORT_VERSION, exportedAt: stamp(source.now?.() ?? Date.now()), session }
  return { text: JSON.stringify(doc, null, 2), filename: `${fileSafe(session.title)}.keel.json` }
}

export function exportAllJson(source: ExportSource): { text: string; filename: string; count: number } {
  const ids = (source.db.prepare('SELECT id FROM sessions ORDER BY created_at, id').all() as Array<{ id: string }>).map((r) => r.id)
  const now = source.now?.() ?? Date.now()
  const doc: KeelSessionsExport = { format: KEEL_SESSIONS_FORMAT, version: KEEL_EXPORT_VERSION, exportedAt: stamp(now), sessions: ids.map((id) => exportedSession(source, id)) }
  return { text: JSON.stringify(doc, null, 2), filename: `keel-sessions-${stamp(now).slice(0, 10)}.keel.json`, count: ids.length }
}

/** A title as a file name: no path separators or characters file systems refuse, not empty, not too long. */
export function fileSafe(title: string): string {
  const safe = title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80).replace(/^\.+/, '')
  return safe || 'session'
}

/** The messages of the branch ending at `leafId`, first message first. */
export function activeBranch(messages: readonly ExportedMessage[], leafId: string | null): ExportedMessage[] {
  const byId = new Map(messages.map((m) => [m.id, m]))
  const out: ExportedMessage[] = []
  const seen = new Set<string>()
  for (let m = leafId ? byId.get(leafId) : messages.at(-1); m && !seen.has(m.id); m = m.parentId ? byId.get(m.parentId) : undefined) {
    seen.add(m.id)
    out.push(m)
  }
  return out.reverse()
}

function identityLine(p: ExportedIdentity): string {
  return `${p.entryName ?? p.entryId} · ${p.model} (${p.api}, ${p.baseUrl})`
}

function fence(text: string): string {
  // A fence longer than any backtick run inside, so the content cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  return '`'.repeat(longest + 1)
}

function messageMarkdown(m: ExportedMessage, heading: string): string[] {
  const who = m.role === 'user' ? 'User' : `Assistant${m.producedWith ? ` — ${identityLine(m.producedWith)}` : ''}`
  const lines = [`${heading} ${who}`, '', `<sub>${stamp(m.createdAt)}${m.status !== 'complete' ? ` · ${m.status}` : ''}</sub>`, '', m.content, '']
  if (m.attachments.length > 0) {
    lines.push('Attachments:', ...m.attachments.map((a) => `- ${a.name} (${a.mimeType}, ${a.size} bytes)`), '')
  }
  return lines
}

/** The active branch as Markdown: each reply with its identity, other versions and tool calls folded beneath. */
export function sessionMarkdown(session: ExportedSession, exportedAt: number): string {
  const branch = activeBranch(session.messages, session.activeLeafId)
  const children = new Map<string | null, ExportedMessage[]>()
  for (const m of session.messages) children.set(m.parentId, [...(children.get(m.parentId) ?? []), m])
  const callsByTurn = new Map<string, ExportedToolCall[]>()
  for (const c of session.toolCalls) callsByTurn.set(c.turnId, [...(callsByTurn.get(c.turnId) ?? []), c])
  const out = [`# ${session.title}`, '', `- Exported: ${stamp(exportedAt)}`, `- Created: ${stamp(session.createdAt)}`, `- Messages: ${session.messages.length} (${branch.length} on the branch shown)`, '']
  // A turn's tool calls go once, before its first reply on the branch (an agent turn may store several replies).
  const shownTurns = new Set<string>()
  for (const m of branch) {
    const calls = m.role === 'assistant' && m.turnId && !shownTurns.has(m.turnId) ? (callsByTurn.get(m.turnId) ?? []) : []
    if (m.turnId) shownTurns.add(m.turnId)
    for (const c of calls) {
      const f = fence(c.arguments + (c.result ?? ''))
      out.push(`> Tool call \`${c.name}\` (${c.source}, ${c.state})`, '', `${f}json`, c.arguments, f, '')
      if (c.result !== null) out.push(`${f}text`, c.result, f, '')
    }
    out.push(...messageMarkdown(m, '##'))
    const others = (children.get(m.parentId) ?? []).filter((o) => o.id !== m.id)
    if (others.length > 0) {
      out.push(`<details><summary>${others.length} other version${others.length > 1 ? 's' : ''} of this message</summary>`, '')
      for (const o of others) out.push(...messageMarkdown(o, '###'))
      out.push('</details>', '')
    }
  }
  return out.join('\n')
}

export function exportSessionMarkdown(source: ExportSource, sessionId: string): { text: string; filename: string } {
  const session = exportedSession(source, sessionId)
  return { text: sessionMarkdown(session, source.now?.() ?? Date.now()), filename: `${fileSafe(session.title)}.md` }
}

export function exportAllMarkdown(source: ExportSource): { text: string; filename: string; count: number } {
  const ids = (source.db.prepare('SELECT id FROM sessions ORDER BY created_at, id').all() as Array<{ id: string }>).map((r) => r.id)
  const now = source.now?.() ?? Date.now()
  const parts = ids.map((id) => sessionMarkdown(exportedSession(source, id), now))
  return { text: parts.join('\n\n---\n\n'), filename: `keel-sessions-${stamp(now).slice(0, 10)}.md`, count: ids.length }
}
