// Attachments (issue #12) through the real core, real SQLite and the recording fake provider: what reaches the wire
// on each API (image input, text files as delimited text, a PDF's extracted text), the refusals that come before
// anything is sent (type, size, count, a model whose list says it takes no images), the provider's own refusal
// worded clearly, restart, the migration from the previous schema and the startup cleanup of unsent files.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { RecordedRequest } from '../fake-provider/types'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'
import { pdfWithText } from '../support/pdf-fixture'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { AttachmentStore } from '../../src/main/core/attachments/attachment-store'
import { ATTACHMENT_LIMITS } from '../../src/shared/attachments'
import { mountSmallDisk, mountUnavailable } from '../support/small-disk'

const fake = fakeProviderForFile()
const service = testKeychainService()
const ATTACHMENTS_VERSION = 16

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const NOTES = 'line one of the notes\nconst answer = 42\n'
const PDF_SENTENCE = 'The harbour light is green on Tuesdays.'
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64')

type Body = { messages?: Array<{ role: string; content: unknown }>; input?: Array<{ role?: string; content?: unknown }> }
const bodyOf = (r: RecordedRequest) => r.body as Body
const completions = () => fake.requests().filter((r) => r.protocol !== 'models')

let open: CoreHarness[] = []
afterEach(async () => {
  for (const h of open) await h.close().catch(() => undefined)
  open = []
})

async function core(dataDir = tempDataDir('keel-attachments')): Promise<CoreHarness> {
  const h = await CoreHarness.open(dataDir, service)
  open.push(h)
  return h
}

async function withEntries(h: CoreHarness) {
  await h.call('providers.create', { id: 'work', name: 'Work gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, auth: 'none', defaultModel: 'gpt-vision' })
  await h.call('providers.create', { id: 'oai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai') })
  await h.call('providers.create', { id: 'claude', name: 'Claude', kind: 'anthropic', baseUrl: `${fake.url}/anthropic`, key: testKey('claude') })
}

async function sessionOn(h: CoreHarness, entryId: string, model: string) {
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId, model })
  return s.id
}

/** Stages the three kinds: a PNG, a text file and a PDF. */
async function stageAll(h: CoreHarness) {
  const image = await h.call('attachments.stage', { name: 'dot.png', mime: 'image/png', dataBase64: b64(PNG) })
  const text = await h.call('attachments.stage', { name: 'notes.ts', mime: 'text/plain', dataBase64: b64(NOTES) })
  const pdf = await h.call('attachments.stage', { name: 'harbour.pdf', mime: 'application/pdf', dataBase64: b64(pdfWithText(PDF_SENTENCE)) })
  return { image, text, pdf, choices: [image, text, pdf].map((r) => ({ id: r.id, name: r.name })) }
}

async function sendAndEnd(h: CoreHarness, sessionId: string, text: string, attachments?: Array<{ id: string; name: string }>) {
  const { turnId } = await h.call('chat.send', { sessionId, text, ...(attachments ? { attachments } : {}) })
  return h.turnEnded(turnId)
}

describe('attachments on the wire', () => {
  it('Chat Completions: the image as an image_url part with a data URL, the text file and the PDF text delimited by name', async () => {
    const h = await core()
    await withEntries(h)
    const { image, text, pdf, choices } = await stageAll(h)
    expect(image).toMatchObject({ kind: 'image', mime: 'image/png', size: PNG.length, name: 'dot.png' })
    expect(text).toMatchObject({ kind: 'text', mime: 'text/x-typescript' })
    expect(pdf).toMatchObject({ kind: 'pdf', mime: 'application/pdf' })
    const id = await sessionOn(h, 'work', 'gpt-vision')
    expect(await sendAndEnd(h, id, 'What is in these?', choices)).toMatchObject({ status: 'done' })

    const user = bodyOf(completions().at(-1)!).messages!.at(-1)!
    expect(user.role).toBe('user')
    const parts = user.content as Array<Record<string, unknown>>
    expect(parts[0]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${b64(PNG)}` } })
    expect(parts[1]).toEqual({ type: 'text', text: `<attachment name="notes.ts" type="text/x-typescript">\n${NOTES}\n</attachment>` })
    expect(parts[2]!.type).toBe('text')
    expect(parts[2]!.text).toContain('name="harbour.pdf"')
    expect(parts[2]!.text).toContain(PDF_SENTENCE)
    expect(parts[3]).toEqual({ type: 'text', text: 'What is in these?' })

    // The transcript carries them (name, type, size, kind), and the image's bytes are served for the thumbnail.
    const view = await h.call('sessions.open', { id })
    expect(view.messages[0]!.attachments?.map((a) => [a.name, a.kind])).toEqual([['dot.png', 'image'], ['notes.ts', 'text'], ['harbour.pdf', 'pdf']])
    expect(await h.call('attachments.image', { id: image.id })).toEqual({ mime: 'image/png', dataBase64: b64(PNG) })

    // A later turn sends the earlier message with its files again (the history is the conversation).
    await sendAndEnd(h, id, 'And now?')
    const history = bodyOf(completions().at(-1)!).messages!
    expect(JSON.stringify(history[0]!.content)).toContain(`data:image/png;base64,${b64(PNG)}`)
    expect(history.at(-1)).toEqual({ role: 'user', content: 'And now?' })
  })

  it('Responses: input_image with a data URL and input_text parts', async () => {
    const h = await core()
    await withEntries(h)
    const { choices } = await stageAll(h)
    const id = await sessionOn(h, 'oai', 'gpt-5.5')
    expect(await sendAndEnd(h, id, 'Describe.', choices)).toMatchObject({ status: 'done' })
    const req = completions().at(-1)!
    expect(req.protocol).toBe('openai-responses')
    const parts = bodyOf(req).input!.at(-1)!.content as Array<Record<string, unknown>>
    expect(parts[0]).toMatchObject({ type: 'input_image', image_url: `data:image/png;base64,${b64(PNG)}` })
    expect(parts[1]).toEqual({ type: 'input_text', text: `<attachment name="notes.ts" type="text/x-typescript">\n${NOTES}\n</attachment>` })
    expect(parts[2]).toMatchObject({ type: 'input_text' })
    expect(String(parts[2]!.text)).toContain(PDF_SENTENCE)
    expect(parts[3]).toEqual({ type: 'input_text', text: 'Describe.' })
  })

  it('Anthropic: an image block with a base64 source, the text file as text, the PDF as a document block, an attachment-only message', async () => {
    const h = await core()
    await withEntries(h)
    const { choices } = await stageAll(h)
    const id = await sessionOn(h, 'claude', 'claude-sonnet-4-6')
    // No text at all: the files are the message.
    expect(await sendAndEnd(h, id, '', choices)).toMatchObject({ status: 'done' })
    const req = completions().at(-1)!
    expect(req.protocol).toBe('anthropic-messages')
    const blocks = bodyOf(req).messages!.at(-1)!.content as Array<Record<string, unknown>>
    expect(blocks[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64(PNG) } })
    expect(blocks[1]).toEqual({ type: 'text', text: `<attachment name="notes.ts" type="text/x-typescript">\n${NOTES}\n</attachment>` })
    // Anthropic's own API reads a PDF whole (pages and figures): it goes as a document, not as extracted text.
    expect(blocks[2]).toEqual({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: b64(pdfWithText(PDF_SENTENCE)) }, title: 'harbour.pdf' })
    expect(blocks).toHaveLength(3)
    // The session is titled after the first file when there was no text.
    const [summary] = await h.call('sessions.summaries', { ids: [id] })
    expect(summary!.title).toBe('dot.png')
  })

  it('a new session is titled after its first message\'s text when it has files too, after the first file when the text is only spaces', async () => {
    const h = await core()
    await withEntries(h)
    // Text and files: the text names the session, not the first file.
    const { choices } = await stageAll(h)
    const withText = await sessionOn(h, 'work', 'gpt-vision')
    expect(await sendAndEnd(h, withText, 'Compare the chart with the notes', choices)).toMatchObject({ status: 'done' })
    // Only spaces and a line break: as good as no text, the first file names it (chat.send's contract trims the text).
    const again = await stageAll(h)
    const blank = await sessionOn(h, 'work', 'gpt-vision')
    expect(await sendAndEnd(h, blank, '  \n ', again.choices)).toMatchObject({ status: 'done' })
    const summaries = await h.call('sessions.summaries', { ids: [withText, blank] })
    expect(summaries.map((s) => s.title)).toEqual(['Compare the chart with the notes', 'dot.png'])
  })

  it('an Anthropic-compatible server (not Anthropic\'s API) gets the PDF\'s extracted text', async () => {
    const h = await core()
    await h.call('providers.create', { id: 'compat', name: 'Compatible', kind: 'openai-compatible', api: 'anthropic-messages', baseUrl: `${fake.url}/compat`, auth: 'none' })
    const { pdf } = await stageAll(h)
    const id = await sessionOn(h, 'compat', 'kimi-k2')
    expect(await sendAndEnd(h, id, 'summarise', [{ id: pdf.id, name: 'harbour.pdf' }])).toMatchObject({ status: 'done' })
    const req = completions().at(-1)!
    expect(req.protocol).toBe('anthropic-messages')
    const blocks = bodyOf(req).messages!.at(-1)!.content as Array<Record<string, unknown>>
    expect(blocks[0]).toEqual({ type: 'text', text: `<attachment name="harbour.pdf" type="application/pdf" note="text extracted from the PDF">\n${PDF_SENTENCE}\n</attachment>` })
  })
})

describe('refused before anything is sent', () => {
  it('an unsupported type, a file over its cap and too many files are refused with what to do; nothing is sent', async () => {
    const h = await core()
    await withEntries(h)
    const binary = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10])
    const unsupported = await h.fail('attachments.stage', { name: 'blob.bin', dataBase64: b64(binary) })
    expect(unsupported).toMatchObject({ kind: 'invalid-input', field: 'attachments' })
    expect(unsupported.message).toContain('"blob.bin" is not a file Keel can attach')
    const bmpBytes = Buffer.concat([Buffer.from('BM'), Buffer.from([70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]), Buffer.alloc(24)])
    const bmp = await h.fail('attachments.stage', { name: 'old.bmp', dataBase64: b64(bmpBytes) })
    expect(bmp.message).toContain('"old.bmp" is a BMP image, which the model APIs do not take')

    // Over 5 MB: uploaded in pieces (the host carries at most 2 MB per message), then refused by its cap.
    const big = Buffer.concat([PNG, Buffer.alloc(ATTACHMENT_LIMITS.imageBytes)])
    const uploadId = '0b7d9a52-58d4-4a5e-9f51-0a1b2c3d4e5f'
    for (let at = 0; at < big.length; at += ATTACHMENT_LIMITS.chunkBytes) {
      await h.call('attachments.upload', { uploadId, dataBase64: b64(big.subarray(at, at + ATTACHMENT_LIMITS.chunkBytes)) })
    }
    const tooBig = await h.fail('attachments.stage', { name: 'huge.png', uploadId })
    expect(tooBig.message).toMatch(/"huge\.png" is 5\.0 MB; Keel attaches images up to 5\.0 MB/)
    expect(fs.existsSync(path.join(h.dataDir, 'attachments')) ? fs.readdirSync(path.join(h.dataDir, 'attachments')) : []).toEqual([])

    const id = await sessionOn(h, 'work', 'gpt-vision')
    const image = await h.call('attachments.stage', { name: 'dot.png', dataBase64: b64(PNG) })
    const eleven = Array.from({ length: ATTACHMENT_LIMITS.count + 1 }, (_, i) => ({ id: image.id, name: `dot-${i}.png` }))
    const tooMany = await h.fail('chat.send', { sessionId: id, text: 'all of them', attachments: eleven })
    expect(tooMany.message).toContain('A message takes at most 10 attachments (this one has 11). Nothing was sent.')
    const forged = await h.fail('chat.send', { sessionId: id, text: 'x', attachments: [{ id: 'a'.repeat(64), name: 'ghost.png' }] })
    expect(forged.message).toContain('"ghost.png" is no longer in Keel\'s data directory')
    // The refusals are values; only now are requests counted: none was sent, no message was stored.
    expect(completions()).toHaveLength(0)
    expect((await h.call('sessions.open', { id })).messages).toHaveLength(0)
  })

  it('a model whose list says it takes no images is refused by name; the staged image stays for another model', async () => {
    const h = await core()
    await withEntries(h)
    fake.script({ protocol: 'models', pathPrefix: '/work', models: ['gpt-x', 'gpt-vision'], modelInputs: { 'gpt-x': ['text'], 'gpt-vision': ['text', 'image'] } })
    const id = await sessionOn(h, 'work', 'gpt-x')
    const image = await h.call('attachments.stage', { name: 'dot.png', dataBase64: b64(PNG) })
    const refused = await h.fail('chat.send', { sessionId: id, text: 'look', attachments: [{ id: image.id, name: 'dot.png' }] })
    expect(refused).toMatchObject({ kind: 'invalid-input', field: 'attachments', entryId: 'work' })
    expect(refused.message).toBe('gpt-x on Work gateway does not accept images (its model list says so). Nothing was sent.')
    expect(refused.fix).toContain('Remove "dot.png", or pick a model that accepts images.')
    expect(completions()).toHaveLength(0)
    expect((await h.call('sessions.open', { id })).messages).toHaveLength(0)

    // Text files still go to that model; the image goes once the session is on a model that takes it.
    const notes = await h.call('attachments.stage', { name: 'notes.txt', dataBase64: b64(NOTES) })
    expect(await sendAndEnd(h, id, 'read this', [{ id: notes.id, name: 'notes.txt' }])).toMatchObject({ status: 'done' })
    await h.call('sessions.bind', { id, entryId: 'work', model: 'gpt-vision' })
    expect(await sendAndEnd(h, id, 'look', [{ id: image.id, name: 'dot.png' }])).toMatchObject({ status: 'done' })
    expect(JSON.stringify(bodyOf(completions().at(-1)!).messages!.at(-1)!.content)).toContain('data:image/png;base64,')
  })

  it('a provider that refuses the image (its list says nothing) is shown as the model not accepting images, redacted', async () => {
    const h = await core()
    const key = testKey('refuser')
    await h.call('providers.create', { id: 'plain', name: 'Plain', kind: 'openai-compatible', baseUrl: `${fake.url}/plain/v1`, key })
    const id = await sessionOn(h, 'plain', 'text-only-1')
    fake.script({ pathPrefix: '/plain', protocol: 'openai-chat', status: 400, message: 'Invalid content type. image_url is only supported by certain models.', echoKey: ['raw'] })
    const image = await h.call('attachments.stage', { name: 'dot.png', dataBase64: b64(PNG) })
    const ended = await sendAndEnd(h, id, 'look', [{ id: image.id, name: 'dot.png' }])
    expect(ended).toMatchObject({ status: 'error' })
    const error = (ended as { error: { message: string; fix?: string } }).error
    expect(error.message).toMatch(/^text-only-1 on Plain does not accept images \(HTTP 400\)\. The provider said: Invalid content type\. image_url is only supported by certain models\./)
    expect(error.fix).toBe('Remove the image and send again, or pick a model that accepts images.')
    expect(JSON.stringify(ended)).not.toContain(key)
  })
})

describe('kept', () => {
  it('a restart keeps the message\'s attachments: shown, served and sent again', async () => {
    const dataDir = tempDataDir('keel-attachments-restart')
    const h = await core(dataDir)
    await withEntries(h)
    const { image, choices } = await stageAll(h)
    const id = await sessionOn(h, 'claude', 'claude-sonnet-4-6')
    await sendAndEnd(h, id, 'first', choices)
    await h.close()
    open = []

    const again = await core(dataDir)
    const view = await again.call('sessions.open', { id })
    expect(view.messages[0]!.attachments?.map((a) => a.name)).toEqual(['dot.png', 'notes.ts', 'harbour.pdf'])
    expect((await again.call('attachments.image', { id: image.id })).dataBase64).toBe(b64(PNG))
    fake.clear()
    await sendAndEnd(again, id, 'second')
    const first = bodyOf(completions().at(-1)!).messages![0]!.content as Array<Record<string, unknown>>
    expect(first[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64(PNG) } })
    expect(first[2]).toMatchObject({ type: 'document', title: 'harbour.pdf' })
  })

  it('an edited message keeps its attachments: the new version shows them and sends them again', async () => {
    const h = await core()
    await withEntries(h)
    const image = await h.call('attachments.stage', { name: 'dot.png', dataBase64: b64(PNG) })
    const id = await sessionOn(h, 'work', 'gpt-vision')
    await sendAndEnd(h, id, 'what colour?', [{ id: image.id, name: 'dot.png' }])
    const original = (await h.call('sessions.open', { id })).messages[0]!
    fake.clear()
    const { turnId, messageId } = await h.call('chat.edit', { sessionId: id, messageId: original.id, text: 'what shape?' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    const user = bodyOf(completions().at(-1)!).messages!.at(-1)!
    expect(user.content).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${b64(PNG)}` } }, { type: 'text', text: 'what shape?' }])
    const edited = (await h.call('sessions.open', { id })).messages.find((m) => m.id === messageId)!
    expect(edited.attachments?.map((a) => a.name)).toEqual(['dot.png'])
  })

  it('one file per content: the same image staged twice is stored once, by its SHA-256', async () => {
    const h = await core()
    const a = await h.call('attachments.stage', { name: 'a.png', dataBase64: b64(PNG) })
    const b = await h.call('attachments.stage', { name: 'b.png', dataBase64: b64(PNG) })
    expect(a.id).toBe(b.id)
    expect(a.id).toMatch(/^[0-9a-f]{64}$/)
    expect(fs.readdirSync(path.join(h.dataDir, 'attachments'))).toEqual([a.id])
    expect(fs.readFileSync(path.join(h.dataDir, 'attachments', a.id)).equals(PNG)).toBe(true)
  })

  it('startup cleanup removes unsent files older than a day and keeps sent ones and fresh staged ones', async () => {
    const h = await core()
    await withEntries(h)
    const sent = await h.call('attachments.stage', { name: 'sent.txt', dataBase64: b64('sent file') })
    const fresh = await h.call('attachments.stage', { name: 'fresh.txt', dataBase64: b64('staged just now') })
    const old = await h.call('attachments.stage', { name: 'old.txt', dataBase64: b64('staged long ago') })
    const id = await sessionOn(h, 'work', 'gpt-vision')
    await sendAndEnd(h, id, 'with a file', [{ id: sent.id, name: 'sent.txt' }])
    const dir = path.join(h.dataDir, 'attachments')
    const longAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000)
    for (const f of [sent.id, old.id]) fs.utimesSync(path.join(dir, f), longAgo, longAgo)
    await h.close()
    open = []
    // The same cleanup openKeelCore starts, awaited here on the reopened database.
    const db = new Database(path.join(h.dataDir, 'keel.db'))
    expect(await new AttachmentStore(dir, db).removeOrphans()).toBe(1)
    db.close()
    expect(fs.readdirSync(dir).sort()).toEqual([sent.id, fresh.id].sort())
  })
})

describe('migration 016', () => {
  it('a database made by the previous schema is backed up, gains the attachments table, and keeps its messages', async () => {
    const previous = MIGRATIONS.filter((m) => m.version < ATTACHMENTS_VERSION).at(-1)!.version
    const old = openAtSchema(previous)
    const store = new SessionStore(old.db)
    const sessionId = store.create()
    store.appendMessage({ sessionId, turnId: null, role: 'user', content: 'from before attachments' })
    old.db.close()

    const h = await core(old.dataDir)
    expect((await h.call('app.state', {})).schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    const backups = fs.readdirSync(old.backups).filter((f) => f.endsWith('.db'))
    expect(backups.length).toBeGreaterThan(0)
    const backup = new Database(path.join(old.backups, backups.sort().at(-1)!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(previous)
    backup.close()
    const diag = await h.call('diagnostics.app', {})
    expect(diag.migrations.some((m) => m.version === ATTACHMENTS_VERSION && /attachments/.test(m.summary))).toBe(true)

    const before = (await h.call('sessions.open', { id: sessionId })).messages
    expect(before.map((m) => [m.content, m.attachments])).toEqual([['from before attachments', undefined]])
    await withEntries(h)
    await h.call('sessions.bind', { id: sessionId, entryId: 'work', model: 'gpt-vision' })
    const image = await h.call('attachments.stage', { name: 'dot.png', dataBase64: b64(PNG) })
    await sendAndEnd(h, sessionId, 'after', [{ id: image.id, name: 'dot.png' }])
    const after = (await h.call('sessions.open', { id: sessionId })).messages
    expect(after.find((m) => m.content === 'after')!.attachments).toHaveLength(1)
  })
})

const noMount = mountUnavailable()
describe.skipIf(noMount !== null)(`a full disk${noMount ? ` (skipped: ${noMount})` : ''}`, () => {
  it('staging on a full disk names it and what was not kept, leaves no partial file, and works once there is room', async () => {
    const disk = mountSmallDisk(4 * 1024 * 1024)
    try {
      const h = await core(path.join(disk.dir, 'data'))
      const notes = Buffer.from('x'.repeat(200_000))
      disk.fill()
      const refused = await h.fail('attachments.stage', { name: 'big-notes.txt', dataBase64: b64(notes) })
      expect(refused.kind).toBe('disk-full')
      expect(refused.message).toContain('the attachment (nothing was kept; attach it again)')
      const dir = path.join(disk.dir, 'data', 'attachments')
      expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([])
      disk.free()
      const kept = await h.call('attachments.stage', { name: 'big-notes.txt', dataBase64: b64(notes) })
      expect(fs.readFileSync(path.join(dir, kept.id)).equals(notes)).toBe(true)
      await h.close()
      open = []
    } finally {
      disk.unmount()
    }
  })
})
