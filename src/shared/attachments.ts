// Attachments (issue #12): files the user pastes, drops or picks in the composer. The core stages each one
// (content-addressed in the data directory, see docs/attachments.md) and hands back a reference; chat.send names the
// references; the message then carries them for the transcript. Limits are checked before anything is sent.
import { z } from 'zod'

/** How a file goes to the model: as image input, as text (text and code files), or as the text extracted from a PDF. */
export const AttachmentKind = z.enum(['image', 'text', 'pdf'])
export type AttachmentKind = z.infer<typeof AttachmentKind>

/** An attachment's id is the SHA-256 of its bytes (lower-case hex): the same file pasted twice is stored once. */
export const AttachmentId = z.string().regex(/^[0-9a-f]{64}$/, 'is not an attachment id Keel handed out')

/** The image types all three APIs take as image input. */
export const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const

/** Per file, by kind: Anthropic's API refuses images over 5 MB; text over 1 MB would fill most context windows. */
export const ATTACHMENT_LIMITS = {
  imageBytes: 5 * 1024 * 1024,
  textBytes: 1024 * 1024,
  pdfBytes: 10 * 1024 * 1024,
  /** All attachments of one message together. */
  totalBytes: 20 * 1024 * 1024,
  /** Attachments of one message. */
  count: 10,
  /** What one `attachments.upload` call carries (base64 of at most this many bytes), under the host's message cap. */
  chunkBytes: 768 * 1024,
} as const

/** A file name as shown on its chip: one line, no path. */
export const AttachmentName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((s) => !/[\u0000-\u001f\u007f/\\]/.test(s), 'must be a file name without a path or control characters')

/** A staged or sent attachment as the window shows it. `mime` is what Keel found the bytes to be (not what the picker said). */
export const AttachmentRef = z.object({
  id: AttachmentId,
  name: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
  kind: AttachmentKind,
})
export type AttachmentRef = z.infer<typeof AttachmentRef>

/** What chat.send names: a staged attachment and the name it is shown and sent under. */
export const AttachmentChoice = z.object({ id: AttachmentId, name: AttachmentName })
export type AttachmentChoice = z.infer<typeof AttachmentChoice>

/** Human-readable size for chips and errors ("1.2 MB"). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}

/** The per-file cap of a kind. */
export function limitFor(kind: AttachmentKind): number {
  return kind === 'image' ? ATTACHMENT_LIMITS.imageBytes : kind === 'pdf' ? ATTACHMENT_LIMITS.pdfBytes : ATTACHMENT_LIMITS.textBytes
}
