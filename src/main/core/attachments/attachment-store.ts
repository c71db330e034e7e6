// Attachment files and their references (issue #12; why files and not SQLite: docs/attachments.md).
// - Bytes: content-addressed files `<data dir>/attachments/<sha256>`, written to a temp file, fsynced and renamed,
//   so a file under its final name is always complete; the same bytes pasted twice are one file. A PDF's extracted
//   text is kept beside it as `<sha256>.txt` (derived from the bytes, so content-addressed too).
// - References: `message_attachments` rows (migration 016), inserted with their message in one transaction.
// - Staging: a picked file is written at once (so a failed send loses nothing: the composer keeps the reference and
//   the file is there). Files no message references are removed at startup once they are older than a day.
// Ids are checked against the sha256 pattern before they touch a path, so no id can name any other file.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises'
import path from 'node:path'
import type Database from 'better-sqlite3'
import { ATTACHMENT_LIMITS, formatBytes, limitFor, type AttachmentChoice, type AttachmentKind, type AttachmentRef } from '../../../shared/attachments'
import { KeelError } from '../errors'
import { classifyBytes } from './file-types'
import type { WireAttachment } from './attachment-wire'

const ID = /^[0-9a-f]{64}$/
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Staged files nobody sent are kept this long (a window may still hold their chips across a restart of the core). */
export const ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000
/** How much encoded file content is kept for requests (characters; about 64 MB of base64). */
const WIRE_CACHE_CHARS = 64 * 1024 * 1024
/** Uploads in progress at once (each at most the largest per-file cap). */
const MAX_UPLOADS = 8

type Row = { message_id: string; ordinal: number; sha256: string; name: string; mime: string; size: number; kind: AttachmentKind }

export class AttachmentStore {
  /**
   * What requests carry of recent files (base64 of an image, a text): an agent turn rebuilds its history at every
   * step, and files are content-addressed (never change), so they are read and encoded once while in use.
   */
  private readonly wireCache = new Map<string, string>()
  private wireCacheChars = 0

  /** Chunked uploads in progress (the host carries at most 2 MB per message): upload id → bytes so far. */
  private readonly uploads = new Map<string, { parts: Buffer[]; size: number; at: number }>()

  constructor(
    readonly dir: string,
    private readonly db: Database.Database,
  ) {}

  private file(id: string): string {
    if (!ID.test(id)) throw unknownAttachment()
    return path.join(this.dir, id)
  }

  /** Appends a piece of a file being uploaded; refused once it passes the largest per-file cap. */
  upload(uploadId: string, bytes: Buffer): { size: number } {
    if (!UPLOAD_ID.test(uploadId)) throw KeelError.of('invalid-input', 'That upload id is not a UUID.', { field: 'uploadId' })
    const now = Date.now()
    // Uploads abandoned by a closed window are dropped after ten minutes.
    for (const [id, u] of this.uploads) if (now - u.at > 10 * 60 * 1000) this.uploads.delete(id)
    // A window uploads one file at a time per chip; a bound keeps a misbehaving client from holding memory.
    if (!this.uploads.has(uploadId) && this.uploads.size >= MAX_UPLOADS) {
      throw KeelError.of('conflict', `Keel is receiving ${MAX_UPLOADS} files already.`, { field: 'uploadId', fix: 'Wait for them to finish, then attach this one again.' })
    }
    const u = this.uploads.get(uploadId) ?? { parts: [], size: 0, at: now }
    u.parts.push(bytes)
    u.size += bytes.length
    u.at = now
    const max = Math.max(ATTACHMENT_LIMITS.imageBytes, ATTACHMENT_LIMITS.pdfBytes, ATTACHMENT_LIMITS.textBytes)
    if (u.size > max) {
      this.uploads.delete(uploadId)
      throw KeelError.of('invalid-input', `The file is larger than ${formatBytes(max)}, the most Keel attaches. Nothing was kept.`, { field: 'attachments', fix: 'Attach a smaller file, or paste the part you need.' })
    }
    this.uploads.set(uploadId, u)
    return { size: u.size }
  }

  /** The bytes of a finished upload (and forgets it). */
  takeUpload(uploadId: string): Buffer {
    const u = this.uploads.get(uploadId)
    if (!u) throw KeelError.of('invalid-input', 'No upload has that id (it may have expired).', { field: 'uploadId', fix: 'Attach the file again.' })
    this.uploads.delete(uploadId)
    return Buffer.concat(u.parts)
  }

  /**
   * Classifies a file by its bytes, checks its cap, keeps it and returns its reference. A PDF's text is extracted
   * here (once per file), so a PDF without text is refused before it is ever attached.
   */
  async stage(name: string, bytes: Buffer): Promise<AttachmentRef> {
    const type = classifyBytes(name, bytes)
    if (!type.ok) throw KeelError.of('invalid-input', type.message, { field: 'attachments', fix: 'Attach images (PNG, JPEG, GIF, WebP), text or code files, or PDFs.' })
    const cap = limitFor(type.kind)
    if (bytes.length > cap) {
      throw KeelError.of('invalid-input', `"${name}" is ${formatBytes(bytes.length)}; Keel attaches ${kindWords(type.kind)} up to ${formatBytes(cap)}. Nothing was kept.`, {
        field: 'attachments',
        fix: type.kind === 'image' ? 'Attach a smaller or compressed image.' : 'Attach a smaller file, or paste the part you need.',
      })
    }
    const id = createHash('sha256').update(bytes).digest('hex')
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    if (type.kind === 'pdf') await this.keepPdfText(id, name, bytes)
    await this.write(this.file(id), bytes)
    return { id, name, mime: type.mime, size: bytes.length, kind: type.kind }
  }

  /** Writes once: an existing file (same bytes, by its name) is only touched, so it counts as recently staged. */
  private async write(target: string, bytes: Buffer | string): Promise<void> {
    try {
      const now = new Date()
      await utimes(target, now, now)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const tmp = path.join(this.dir, `.tmp-${randomUUID()}`)
    try {
      const handle = await open(tmp, 'wx', 0o600)
      try {
        await handle.writeFile(bytes)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, target)
    } catch (err) {
      // A full disk (or any failure) leaves no part of the file behind, under either name.
      await rm(tmp, { force: true }).catch(() => undefined)
      throw err
    }
  }

  private async keepPdfText(id: string, name: string, bytes: Buffer): Promise<void> {
    let text: string
    try {
      // unpdf: a maintained pdf.js build for Node without workers (never hand-parse PDF).
      const { extractText, getDocumentProxy } = await import('unpdf')
      const pdf = await getDocumentProxy(new Uint8Array(bytes))
      text = (await extractText(pdf, { mergePages: true })).text
    } catch {
      throw KeelError.of('invalid-input', `"${name}" could not be read as a PDF (it may be damaged or encrypted). Nothing was kept.`, { field: 'attachments', fix: 'Open it in a PDF viewer and save it again, or paste its text.' })
    }
    if (text.trim() === '') {
      throw KeelError.of('invalid-input', `"${name}" has no text Keel can extract (a scanned PDF holds only images). Nothing was kept.`, { field: 'attachments', fix: 'Attach the pages as images, or paste the text.' })
    }
    await this.write(this.file(id) + '.txt', text)
  }

  /**
   * The references chat.send names, re-read from the files (their kind and type come from the bytes again, never
   * from the window), with the count and total size checked. Throws before anything is stored or sent.
   */
  resolve(choices: readonly AttachmentChoice[]): AttachmentRef[] {
    if (choices.length > ATTACHMENT_LIMITS.count) {
      throw KeelError.of('invalid-input', `A message takes at most ${ATTACHMENT_LIMITS.count} attachments (this one has ${choices.length}). Nothing was sent.`, { field: 'attachments', fix: 'Remove some, or send them over several messages.' })
    }
    const refs = choices.map((c) => {
      let bytes: Buffer
      try {
        bytes = fs.readFileSync(this.file(c.id))
      } catch {
        throw KeelError.of('invalid-input', `The attachment "${c.name}" is no longer in Keel's data directory. Nothing was sent.`, { field: 'attachments', fix: 'Remove it and attach the file again.' })
      }
      const type = classifyBytes(c.name, bytes)
      if (!type.ok) throw KeelError.of('invalid-input', type.message, { field: 'attachments' })
      if (type.kind === 'pdf' && !fs.existsSync(this.file(c.id) + '.txt')) throw unknownAttachment()
      return { id: c.id, name: c.name, mime: type.mime, size: bytes.length, kind: type.kind }
    })
    const total = refs.reduce((n, r) => n + r.size, 0)
    if (total > ATTACHMENT_LIMITS.totalBytes) {
      throw KeelError.of('invalid-input', `The attachments add up to ${formatBytes(total)}; a message takes at most ${formatBytes(ATTACHMENT_LIMITS.totalBytes)}. Nothing was sent.`, { field: 'attachments', fix: 'Remove some, or send them over several messages.' })
    }
    return refs
  }

  /** Inserts a message's references (call inside the transaction that appends the message). */
  attach(messageId: string, refs: readonly AttachmentRef[]): void {
    const insert = this.db.prepare('INSERT INTO message_attachments (message_id, ordinal, sha256, name, mime, size, kind) VALUES (?, ?, ?, ?, ?, ?, ?)')
    refs.forEach((r, i) => insert.run(messageId, i, r.id, r.name, r.mime, r.size, r.kind))
  }

  /** The attachments of some messages, in order, by message id (messages without any are left out). */
  ofMessages(messageIds: readonly string[]): Map<string, AttachmentRef[]> {
    const out = new Map<string, AttachmentRef[]>()
    if (messageIds.length === 0) return out
    const rows = this.db
      .prepare('SELECT * FROM message_attachments WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, ordinal')
      .all(JSON.stringify(messageIds)) as Row[]
    for (const r of rows) {
      const list = out.get(r.message_id) ?? []
      list.push({ id: r.sha256, name: r.name, mime: r.mime, size: r.size, kind: r.kind })
      out.set(r.message_id, list)
    }
    return out
  }

  /** One message's attachments, in order (exports and backups list them with this; the bytes are at `pathOf`). */
  listForMessage(messageId: string): AttachmentRef[] {
    return this.ofMessages([messageId]).get(messageId) ?? []
  }

  /** Where an attachment's bytes are (for exports and backups). */
  pathOf(id: string): string {
    return this.file(id)
  }

  /** The bytes of a kept attachment, for thumbnails; null when there is no such file. */
  async read(id: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(id))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  /** What a provider request carries for some messages' attachments (read synchronously: histories are built so). */
  wireOf(messageIds: readonly string[]): Map<string, WireAttachment[]> {
    const out = new Map<string, WireAttachment[]>()
    for (const [messageId, refs] of this.ofMessages(messageIds)) out.set(messageId, refs.map((r) => this.wireAttachment(r)))
    return out
  }

  wireAttachment(r: AttachmentRef): WireAttachment {
    try {
      if (r.kind === 'image') return { kind: 'image', name: r.name, mime: r.mime, data: this.encoded(r.id, 'base64') }
      if (r.kind === 'pdf') return { kind: 'text', name: r.name, mime: r.mime, text: this.encoded(r.id, 'pdf-text'), extractedFromPdf: true, pdfData: this.encoded(r.id, 'base64') }
      return { kind: 'text', name: r.name, mime: r.mime, text: this.encoded(r.id, 'utf8') }
    } catch {
      // A file removed from the data directory by hand: the model is told, rather than the history failing.
      return { kind: 'text', name: r.name, mime: 'text/plain', text: '[This attachment is missing from Keel\'s data directory.]' }
    }
  }

  private encoded(id: string, as: 'base64' | 'utf8' | 'pdf-text'): string {
    const key = `${as}:${id}`
    const hit = this.wireCache.get(key)
    if (hit !== undefined) {
      // Most recently used last.
      this.wireCache.delete(key)
      this.wireCache.set(key, hit)
      return hit
    }
    const value = as === 'pdf-text' ? fs.readFileSync(this.file(id) + '.txt', 'utf8') : fs.readFileSync(this.file(id)).toString(as)
    this.wireCache.set(key, value)
    this.wireCacheChars += value.length
    for (const [k, v] of this.wireCache) {
      if (this.wireCacheChars <= WIRE_CACHE_CHARS) break
      this.wireCache.delete(k)
      this.wireCacheChars -= v.length
    }
    return value
  }

  /**
   * Startup: removes files no message references that were staged more than `graceMs` ago, and temp files a crash
   * left. Returns how many files went.
   */
  async removeOrphans(graceMs = ORPHAN_GRACE_MS, now = Date.now()): Promise<number> {
    let names: string[]
    try {
      names = await fs.promises.readdir(this.dir)
    } catch {
      return 0
    }
    const referenced = this.db.prepare('SELECT 1 FROM message_attachments WHERE sha256 = ? LIMIT 1')
    let removed = 0
    for (const name of names) {
      const full = path.join(this.dir, name)
      const id = name.endsWith('.txt') ? name.slice(0, -4) : name
      const orphan = name.startsWith('.tmp-') || (ID.test(id) && referenced.get(id) === undefined)
      if (!orphan) continue
      const st = await stat(full).catch(() => null)
      if (!st || now - st.mtimeMs < graceMs) continue
      await rm(full, { force: true })
      removed += 1
    }
    return removed
  }
}

function unknownAttachment(): KeelError {
  return KeelError.of('invalid-input', 'That attachment is not one Keel keeps.', { field: 'attachments', fix: 'Attach the file again.' })
}

function kindWords(kind: AttachmentKind): string {
  return kind === 'image' ? 'images' : kind === 'pdf' ? 'PDFs' : 'text files'
}
