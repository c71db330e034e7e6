// Files the renderer sends to the core (a backup to restore, a file to import) arrive in chunks: one contract
// message is capped (the browser host's WebSocket takes 2 MB), a backup or a ChatGPT export is often larger. Each
// upload is a file under <dataDir>/uploads/, read once by the channel that uses it and then deleted.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { KeelError } from '../errors'

/** The largest upload Keel accepts (a backup of a large data directory; a ChatGPT export of years of chats). */
export const UPLOAD_MAX_BYTES = 2 * 1024 * 1024 * 1024
const ID = /^[0-9a-f]{24}$/

export class Uploads {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    if (!ID.test(id)) throw unknownUpload()
    return path.join(this.dir, `${id}.part`)
  }

  /** Appends a chunk (a new upload when `id` is absent); returns the upload's id and size so far. */
  append(id: string | undefined, chunk: Buffer): { uploadId: string; size: number } {
    fs.mkdirSync(this.dir, { recursive: true })
    const uploadId = id ?? randomBytes(12).toString('hex')
    const file = this.file(uploadId)
    if (id !== undefined && !fs.existsSync(file)) throw unknownUpload()
    const size = (id !== undefined ? fs.statSync(file).size : 0) + chunk.length
    if (size > UPLOAD_MAX_BYTES) {
      fs.rmSync(file, { force: true })
      throw KeelError.of('invalid-input', `That file is larger than Keel accepts (${UPLOAD_MAX_BYTES / 1024 ** 3} GB).`, { field: 'chunk' })
    }
    fs.appendFileSync(file, chunk)
    return { uploadId, size }
  }

  /** The upload's bytes; the upload is gone afterwards (each is used once). */
  take(id: string): Buffer {
    const file = this.file(id)
    try {
      return fs.readFileSync(file)
    } catch {
      throw unknownUpload()
    } finally {
      fs.rmSync(file, { force: true })
    }
  }

  /** Uploads a previous run left behind (a window closed mid-upload). */
  clear(): void {
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

function unknownUpload(): KeelError {
  return KeelError.of('not-found', 'That upload is not one Keel is holding (it was used already, or Keel restarted since).', { field: 'uploadId', fix: 'Pick the file again.' })
}
