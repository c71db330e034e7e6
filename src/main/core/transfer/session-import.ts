// Imports Keel JSON exports and ChatGPT's conversations.json. Every file is validated (zod) before anything is
// written, and everything is written in one transaction: a malformed file imports nothing, and its error names the
// place in the file that is wrong. Imported sessions keep their text and the models that wrote them as history,
// and are bound to nothing (invariant 2: an entry is never guessed from a name or a URL) until the user picks one.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { KEEL_SESSIONS_FORMAT, KEEL_SESSION_FORMAT, KeelSessionExport, KeelSessionsExport, type ExportedAttachment, type ImportFormat, type ImportResult } from '../../../shared/transfer'
import { KeelError } from '../errors'
import { DEFAULT_TITLE, type SessionStore } from '../sessions/session-store'

/** The entry id recorded on replies imported from ChatGPT: a colon can never be in a configured entry's id. */
export const CHATGPT_ENTRY_ID = 'imported:chatgpt'
const CHATGPT_BASE_URL = 'https://chatgpt.com'
const CHATGPT_API = 'chatgpt-export'

/** A message ready to insert: ids are the file's (mapped to new ones on insert), parents precede children. */
interface PlannedMessage {
  key: string
  parentKey: string | null
  role: 'user' | 'assistant'
  content: string
  status: 'complete' | 'stopped' | 'interrupted'
  createdAt: number
  producedWith: { entryId: string; model: string; baseUrl: string; api: string } | null
  attachments: ExportedAttachment[]
}

interface PlannedSession {
  title: string
  createdAt: number
  updatedAt: number
  pinned: boolean
  archived: boolean
  activeLeafKey: string | null
  messages: PlannedMessage[]
}

export interface ImportTarget {
  db: Database.Database
  sessions: SessionStore
  attachmentsDir: string
  /** Binds an imported session to nothing (the identity module writes bindings, invariant 1). */
  unbind: (sessionId: string) => void
}

/** `conversations.json[2].mapping["a1"].message.content` from a zod issue path. */
export function pathText(root: string, at: ReadonlyArray<PropertyKey>): string {
  return at.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p)) ? `${acc}.${String(p)}` : `${acc}[${JSON.stringify(String(p))}]`), root)
}

function malformed(file: string, at: ReadonlyArray<PropertyKey>, what: string): KeelError {
  const where = pathText(file, at)
  return KeelError.of('invalid-input', `Nothing was imported: ${where}: ${what}`, { field: where, fix: 'Check that this is the file Keel or ChatGPT exported, unchanged.' })
}

function fromZod(file: string, error: z.ZodError): KeelError {
  const issue = error.issues[0]!
  return malformed(file, issue.path, `${issue.message}.`)
}

// ---- Keel JSON ----

function planKeel(doc: unknown, file: string): PlannedSession[] {
  const format = (doc as { format?: unknown }).format
  const version = (doc as { version?: unknown }).version
  if (typeof version === 'number' && version > 1) throw malformed(file, ['version'], `this export was made by a newer Keel (format version ${version}; this Keel reads version 1).`)
  const sessions =
    format === KEEL_SESSION_FORMAT
      ? [parseOr(KeelSessionExport, doc, file).session]
      : parseOr(KeelSessionsExport, doc, file).sessions
  const base: PropertyKey[] = format === KEEL_SESSION_FORMAT ? ['session'] : ['sessions']
  return sessions.map((s, si) => {
    const at = format === KEEL_SESSION_FORMAT ? base : [...base, si]
    const seen = new Set<string>()
    const messages = s.messages.map((m, mi): PlannedMessage => {
      if (seen.has(m.id)) throw malformed(file, [...at, 'messages', mi, 'id'], `the id "${m.id.slice(0, 80)}" is used by an earlier message too.`)
      if (m.parentId !== null && !seen.has(m.parentId)) throw malformed(file, [...at, 'messages', mi, 'parentId'], `"${m.parentId.slice(0, 80)}" is not an earlier message of this session.`)
      seen.add(m.id)
      return {
        key: m.id,
        parentKey: m.parentId,
        role: m.role,
        content: m.content,
        status: m.status,
        createdAt: m.createdAt,
        producedWith: m.producedWith ? { entryId: m.producedWith.entryId, model: m.producedWith.model, baseUrl: m.producedWith.baseUrl, api: m.producedWith.api } : null,
        attachments: m.attachments,
      }
    })
    if (s.activeLeafId !== null && !seen.has(s.activeLeafId)) throw malformed(file, [...at, 'activeLeafId'], `"${s.activeLeafId.slice(0, 80)}" is not a message of this session.`)
    s.messages.forEach((m, mi) =>
      m.attachments.forEach((a, ai) => {
        if (a.data !== undefined && Buffer.from(a.data, 'base64').length !== a.size) throw malformed(file, [...at, 'messages', mi, 'attachments', ai, 'data'], `holds ${Buffer.from(a.data, 'base64').length} bytes, but size says ${a.size}.`)
      }),
    )
    return { title: s.title, createdAt: s.createdAt, updatedAt: s.updatedAt, pinned: s.pinned, archived: s.archived, activeLeafKey: s.activeLeafId, messages }
  })
}

function parseOr<T>(schema: z.ZodType<T>, doc: unknown, file: string): T {
  const parsed = schema.safeParse(doc)
  if (!parsed.success) throw fromZod(file, parsed.error)
  return parsed.data
}

// ---- ChatGPT conversations.json ----

const ChatGptMessage = z.object({
  id: z.string().optional(),
  author: z.object({ role: z.string() }),
  create_time: z.number().nullable().optional(),
  content: z.object({ content_type: z.string(), parts: z.array(z.unknown()).optional(), text: z.string().optional() }),
  status: z.string().optional(),
  metadata: z.object({ model_slug: z.string().nullable().optional(), is_visually_hidden_from_conversation: z.boolean().optional() }).passthrough().nullable().optional(),
})

const ChatGptNode = z.object({
  id: z.string().optional(),
  message: ChatGptMessage.nullable().optional(),
  parent: z.string().nullable().optional(),
  children: z.array(z.string()).optional(),
})

const ChatGptConversation = z.object({
  title: z.string().nullable().optional(),
  create_time: z.number().nullable().optional(),
  update_time: z.number().nullable().optional(),
  mapping: z.record(z.string(), ChatGptNode),
  current_node: z.string().nullable().optional(),
})

const ChatGptExport = z.array(ChatGptConversation)

/** The text of a ChatGPT message Keel keeps (null: not a message a person reads — system, tool, hidden, empty). */
function chatGptText(m: z.infer<typeof ChatGptMessage>): string | null {
  if (m.author.role !== 'user' && m.author.role !== 'assistant') return null
  if (m.metadata?.is_visually_hidden_from_conversation) return null
  const c = m.content
  let text: string
  if (c.content_type === 'text' || c.content_type === 'multimodal_text') {
    text = (c.parts ?? []).map((p) => (typeof p === 'string' ? p : '[an image or file that was not imported]')).join('\n')
  } else if (c.content_type === 'code' && typeof c.text === 'string') {
    text = `\`\`\`\n${c.text}\n\`\`\``
  } else {
    return null
  }
  return text.trim() === '' ? null : text
}

function planChatGpt(doc: unknown, file: string): PlannedSession[] {
  const conversations = parseOr(ChatGptExport, doc, file)
  return conversations.map((conv, ci) => {
    const mapping = conv.mapping
    const kept = new Map<string, PlannedMessage>()
    const out: PlannedMessage[] = []
    const convTime = (conv.create_time ?? 0) * 1000
    // Children in the order ChatGPT lists them, from each root (a node whose parent is not in the mapping).
    const roots = Object.keys(mapping).filter((id) => {
      const parent = mapping[id]!.parent
      return parent === null || parent === undefined || !(parent in mapping)
    })
    if (roots.length === 0 && Object.keys(mapping).length > 0) throw malformed(file, [ci, 'mapping'], 'no message starts the conversation (every node has a parent: a loop).')
    const visited = new Set<string>()
    const walk = (start: string, startParent: string | null) => {
      const stack: Array<{ id: string; keptParent: string | null }> = [{ id: start, keptParent: startParent }]
      while (stack.length > 0) {
        const { id, keptParent } = stack.pop()!
        if (visited.has(id)) throw malformed(file, [ci, 'mapping', id], 'this node is reached twice (the mapping is not a tree).')
        visited.add(id)
        const node = mapping[id]
        if (!node) throw malformed(file, [ci, 'mapping'], `a node lists the child "${id.slice(0, 80)}", which is not in the mapping.`)
        let parentForChildren = keptParent
        const text = node.message ? chatGptText(node.message) : null
        if (node.message && text !== null) {
          const role = node.message.author.role as 'user' | 'assistant'
          const slug = node.message.metadata?.model_slug ?? null
          const m: PlannedMessage = {
            key: id,
            parentKey: keptParent,
            role,
            content: text,
            status: 'complete',
            createdAt: node.message.create_time ? Math.round(node.message.create_time * 1000) : convTime,
            producedWith: role === 'assistant' ? { entryId: CHATGPT_ENTRY_ID, model: slug ?? 'unknown model', baseUrl: CHATGPT_BASE_URL, api: CHATGPT_API } : null,
            attachments: [],
          }
          kept.set(id, m)
          out.push(m)
          parentForChildren = id
        }
        const kids = node.children ?? []
        for (let i = kids.length - 1; i >= 0; i--) stack.push({ id: kids[i]!, keptParent: parentForChildren })
      }
    }
    for (const r of roots) walk(r, null)
    // The branch ChatGPT showed: current_node, or its nearest ancestor that was kept.
    let leaf: string | null = null
    for (let at = conv.current_node ?? null, guard = 0; at && guard < 1_000_000; at = mapping[at]?.parent ?? null, guard++) {
      if (kept.has(at)) {
        leaf = at
        break
      }
    }
    const title = (conv.title ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim().slice(0, 200) || DEFAULT_TITLE
    const created = convTime || out[0]?.createdAt || Date.now()
    return { title, createdAt: created, updatedAt: conv.update_time ? Math.round(conv.update_time * 1000) : (out.at(-1)?.createdAt ?? created), pinned: false, archived: false, activeLeafKey: leaf, messages: out }
  })
}

// ---- Writing ----

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) ?? null) !== null
}
function hasTable(db: Database.Database, table: string): boolean {
  return (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) ?? null) !== null
}

function attachmentKind(mime: string): 'image' | 'pdf' | 'text' {
  return mime.startsWith('image/') ? 'image' : mime === 'application/pdf' ? 'pdf' : 'text'
}

/** Which format a parsed file is: a Keel export (its `format` says so) or ChatGPT's (an array of conversations). */
export function detectFormat(doc: unknown): 'keel' | 'chatgpt' | null {
  if (Array.isArray(doc)) return 'chatgpt'
  const format = (doc as { format?: unknown } | null)?.format
  return format === KEEL_SESSION_FORMAT || format === KEEL_SESSIONS_FORMAT ? 'keel' : null
}

/** Parses, validates and imports `text`; all sessions or none. */
export function importSessions(target: ImportTarget, text: string, format: ImportFormat, fileName = 'the file'): ImportResult {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message.replace(/\s*in JSON.*$/s, '').slice(0, 200) : 'not JSON'
    throw KeelError.of('invalid-input', `Nothing was imported: ${fileName} is not valid JSON (${why}).`, { fix: 'Pick a Keel JSON export or ChatGPT\'s conversations.json.' })
  }
  const detected = detectFormat(doc)
  const use = format === 'auto' ? detected : format
  if (!use) throw KeelError.of('invalid-input', `Nothing was imported: ${fileName} is neither a Keel export (its "format" is not "${KEEL_SESSION_FORMAT}" or "${KEEL_SESSIONS_FORMAT}") nor ChatGPT's conversations.json (a list of conversations).`, { fix: 'Pick a Keel JSON export or ChatGPT\'s conversations.json.' })
  const plan = use === 'keel' ? planKeel(doc, fileName) : planChatGpt(doc, fileName)
  return { format: use, sessions: writePlan(target, plan) }
}

function writePlan(target: ImportTarget, plan: PlannedSession[]): ImportResult['sessions'] {
  const db = target.db
  const branches = hasColumn(db, 'messages', 'parent_id')
  const withDepth = hasColumn(db, 'messages', 'depth')
  const leafColumn = hasColumn(db, 'sessions', 'active_leaf_id')
  const attachmentRows = hasTable(db, 'message_attachments')
  // Attachment files are content-addressed and written once: a file an aborted import wrote is an unreferenced file
  // like any other (the attachment store's orphan sweep removes those), never a half-written reference.
  if (attachmentRows) {
    for (const s of plan) for (const m of s.messages) for (const a of m.attachments) if (a.data !== undefined) writeAttachment(target.attachmentsDir, a)
  }
  const columns = ['id', 'session_id', 'turn_id', 'seq', 'role', 'content', 'status', 'entry_id', 'model', 'base_url', 'api', 'created_at', ...(branches ? ['parent_id'] : []), ...(withDepth ? ['depth'] : [])]
  const insertMessage = db.prepare(`INSERT INTO messages (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
  const insertAttachment = attachmentRows ? db.prepare('INSERT INTO message_attachments (message_id, ordinal, sha256, name, mime, size, kind) VALUES (?, ?, ?, ?, ?, ?, ?)') : null
  const setLeaf = leafColumn ? db.prepare('UPDATE sessions SET active_leaf_id = ? WHERE id = ?') : null
  return target.sessions.transaction(() =>
    plan.map((s) => {
      const id = target.sessions.create(s.createdAt)
      target.sessions.rename(id, s.title)
      if (s.pinned) target.sessions.setPinned(id, true)
      if (s.archived) target.sessions.setArchived(id, true)
      target.unbind(id)
      const ids = new Map<string, string>()
      const depth = new Map<string, number>()
      s.messages.forEach((m, i) => {
        const mid = randomUUID()
        const parent = m.parentKey !== null ? (ids.get(m.parentKey) ?? null) : null
        const d = (parent ? (depth.get(parent) ?? 0) : 0) + 1
        ids.set(m.key, mid)
        depth.set(mid, d)
        const p = m.producedWith
        insertMessage.run(mid, id, null, i + 1, m.role, m.content, m.status, p?.entryId ?? null, p?.model ?? null, p?.baseUrl ?? null, p?.api ?? null, m.createdAt, ...(branches ? [parent] : []), ...(withDepth ? [d] : []))
        if (insertAttachment) {
          m.attachments.forEach((a, ai) => {
            const sha = a.data !== undefined ? sha256(Buffer.from(a.data, 'base64')) : a.id
            if (/^[0-9a-f]{64}$/.test(sha)) insertAttachment.run(mid, ai, sha, a.name, a.mimeType, a.size, attachmentKind(a.mimeType))
          })
        }
      })
      const leaf = s.activeLeafKey !== null ? (ids.get(s.activeLeafKey) ?? null) : s.messages.length > 0 ? ids.get(s.messages.at(-1)!.key)! : null
      if (setLeaf && leaf) setLeaf.run(leaf, id)
      target.sessions.touch(id, s.updatedAt)
      return { id, title: s.title, messages: s.messages.length }
    }),
  )
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

function writeAttachment(dir: string, a: ExportedAttachment): void {
  const bytes = Buffer.from(a.data!, 'base64')
  const file = path.join(dir, sha256(bytes))
  fs.mkdirSync(dir, { recursive: true })
  if (!fs.existsSync(file)) fs.writeFileSync(file, bytes)
  if (a.text !== undefined && !fs.existsSync(`${file}.txt`)) fs.writeFileSync(`${file}.txt`, a.text)
}
