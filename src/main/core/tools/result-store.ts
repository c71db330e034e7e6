// Tool results too large to hand to the model whole. The model gets the head and a note; the whole text is kept here,
// one file per result in `<data dir>/tool-results/<id>.txt`, so the model can page through it with read_tool_result
// and the UI can show all of it. Ids are random and checked against one pattern before they touch a path, so an id
// coming back from the model cannot name any other file.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'

const ID_PATTERN = /^tr-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const CALL_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export type ResultPage =
  | { ok: true; text: string; offset: number; total: number; nextOffset: number | null }
  | { ok: false; reason: string }

export class ResultStore {
  constructor(
    readonly dir: string,
    /** Applied to every text before it is written: an agent turn scrubs its entry's secrets (invariant 3). */
    private readonly scrub: (text: string) => string = (text) => text,
  ) {}

  /** The same folder, with `scrub` applied to every text kept through the returned store. */
  scrubbing(scrub: (text: string) => string): ResultStore {
    return new ResultStore(this.dir, (text) => scrub(this.scrub(text)))
  }

  /** Keeps `text` and returns its id. */
  async save(text: string): Promise<string> {
    const id = `tr-${randomUUID()}`
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await writeFile(this.file(id), this.scrub(text), { encoding: 'utf8', mode: 0o600, flag: 'wx' })
    return id
  }

  /** The whole kept text, or null when the id is malformed or unknown. */
  async read(id: string): Promise<string | null> {
    if (!ID_PATTERN.test(id)) return null
    try {
      return await readFile(this.file(id), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  /** `length` characters from `offset` (characters, as the truncation note counts them). */
  async page(id: string, offset: number, length: number): Promise<ResultPage> {
    const text = await this.read(id)
    if (text === null) return { ok: false, reason: `No kept tool result has the id "${id}".` }
    if (offset > text.length) return { ok: false, reason: `Offset ${offset} is past the end of the result (${text.length} characters).` }
    let end = Math.min(text.length, offset + length)
    // Never split a surrogate pair across two pages.
    if (end < text.length && end > offset) {
      const last = text.charCodeAt(end - 1)
      if (last >= 0xd800 && last <= 0xdbff) end -= 1
    }
    return { ok: true, text: text.slice(offset, end), offset, total: text.length, nextOffset: end < text.length ? end : null }
  }

  /**
   * Keeps the images a call's tool returned, under the ledger's call id (a UUID, checked), so later steps can send
   * them to models whose API takes images in tool results. Never scrubbed: base64 is not text a secret appears in.
   */
  async saveImages(callId: string, images: ReadonlyArray<{ mimeType: string; data: string }>): Promise<void> {
    if (!CALL_ID_PATTERN.test(callId)) throw new Error('not a call id')
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    await writeFile(path.join(this.dir, `images-${callId}.json`), JSON.stringify(images), { encoding: 'utf8', mode: 0o600 })
  }

  /** The images kept for a call (none when there are none or they cannot be read). Sync: the history is built sync. */
  imagesSync(callId: string): Array<{ mimeType: string; data: string }> {
    if (!CALL_ID_PATTERN.test(callId)) return []
    try {
      const parsed = JSON.parse(readFileSync(path.join(this.dir, `images-${callId}.json`), 'utf8')) as unknown
      return Array.isArray(parsed) ? parsed.filter((i): i is { mimeType: string; data: string } => typeof i?.mimeType === 'string' && typeof i?.data === 'string') : []
    } catch {
      return []
    }
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.txt`)
  }
}
