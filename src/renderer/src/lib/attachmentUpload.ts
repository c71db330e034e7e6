// Turning a File the user pasted, dropped or picked into a staged attachment: its bytes go to main as base64 (in
// pieces over the transport's message cap), and main says what it is — or why it refuses it. Files over the largest
// cap are refused here before any byte is sent (main checks again; it is the authority).
import { ATTACHMENT_LIMITS, formatBytes, type AttachmentRef } from '../../../shared/attachments'
import { call } from '../bridge'

const LARGEST = Math.max(ATTACHMENT_LIMITS.imageBytes, ATTACHMENT_LIMITS.pdfBytes, ATTACHMENT_LIMITS.textBytes)

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  // String.fromCharCode takes a bounded number of arguments: 32 KB at a time.
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(out)
}

/** A name main accepts: a pasted image often has none ("image.png" at best), and names carry no path. */
export function attachmentName(file: File): string {
  const raw = file.name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim()
  if (raw) return raw.slice(0, 255)
  const ext = file.type.startsWith('image/') ? `.${file.type.slice(6).replace('jpeg', 'jpg')}` : ''
  return `pasted${ext}`
}

export interface StagedFile {
  ref: AttachmentRef
  /** A data URL of an image's bytes, for its thumbnail in the composer (the CSP allows data: images only). */
  preview: string | null
}

export async function stageFile(file: File): Promise<StagedFile> {
  const name = attachmentName(file)
  if (file.size > LARGEST) throw new Error(`"${name}" is ${formatBytes(file.size)}; Keel attaches files up to ${formatBytes(LARGEST)}. Nothing was sent.`)
  const bytes = new Uint8Array(await file.arrayBuffer())
  let ref: AttachmentRef
  if (bytes.length <= ATTACHMENT_LIMITS.chunkBytes) {
    ref = await call('attachments.stage', { name, mime: file.type || undefined, dataBase64: toBase64(bytes) })
  } else {
    const uploadId = crypto.randomUUID()
    for (let at = 0; at < bytes.length; at += ATTACHMENT_LIMITS.chunkBytes) {
      await call('attachments.upload', { uploadId, dataBase64: toBase64(bytes.subarray(at, at + ATTACHMENT_LIMITS.chunkBytes)) })
    }
    ref = await call('attachments.stage', { name, mime: file.type || undefined, uploadId })
  }
  return { ref, preview: ref.kind === 'image' ? `data:${ref.mime};base64,${toBase64(bytes)}` : null }
}
