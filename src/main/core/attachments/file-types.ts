// What a file is, from its bytes (never from the picker's or the clipboard's type, which a renamed file or a
// browser can get wrong): an image type all three APIs take, a PDF, or UTF-8 text (text and code files).
import type { AttachmentKind } from '../../../shared/attachments'

export type FileType = { ok: true; kind: AttachmentKind; mime: string } | { ok: false; message: string }

const startsWith = (b: Buffer, sig: readonly number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x)
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

/** Image types by their magic numbers. */
function imageMime(b: Buffer): string | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'image/gif'
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'image/webp'
  return null
}

/** Images the APIs do not take, named so the refusal can say what the file is. */
function otherImage(b: Buffer): string | null {
  // "BM" alone would catch text ("BMW…"): a BMP also has a DIB header of one of the known sizes at offset 14.
  if (startsWith(b, ascii('BM')) && b.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(b.readUInt32LE(14))) return 'a BMP image'
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image'
  if (startsWith(b, ascii('ftypheic'), 4) || startsWith(b, ascii('ftypheix'), 4) || startsWith(b, ascii('ftypmif1'), 4)) return 'a HEIC image'
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return 'an ICO image'
  return null
}

const TEXT_MIME_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  json: 'application/json',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  js: 'text/javascript',
  mjs: 'text/javascript',
  ts: 'text/x-typescript',
  tsx: 'text/x-typescript',
  py: 'text/x-python',
  css: 'text/css',
  yaml: 'application/yaml',
  yml: 'application/yaml',
}

export function classifyBytes(name: string, bytes: Buffer): FileType {
  const image = imageMime(bytes)
  if (image) return { ok: true, kind: 'image', mime: image }
  if (startsWith(bytes, ascii('%PDF-'))) return { ok: true, kind: 'pdf', mime: 'application/pdf' }
  const other = otherImage(bytes)
  if (other) return { ok: false, message: `"${name}" is ${other}, which the model APIs do not take. Nothing was kept.` }
  if (!bytes.includes(0)) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes)
      const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? ''
      return { ok: true, kind: 'text', mime: TEXT_MIME_BY_EXTENSION[ext] ?? 'text/plain' }
    } catch {
      // not UTF-8: falls through to the refusal
    }
  }
  return { ok: false, message: `"${name}" is not a file Keel can attach: it is neither an image (PNG, JPEG, GIF, WebP), a PDF, nor UTF-8 text. Nothing was kept.` }
}
