// Attachments in a provider request, for the three APIs. Images go as image input (Chat Completions `image_url`
// parts with a data URL, Responses `input_image`, Anthropic `image` blocks with a base64 source); text and code
// files, and the text extracted from a PDF, go as text delimited by the file's name. A user message's attachments
// come before its typed text (Anthropic recommends images before the question; the other two APIs do not mind).
// Anthropic's own API also takes a PDF whole, as a `document` block (it reads the pages, figures included); there the
// PDF goes as a document instead of its extracted text.

export type WireAttachment =
  | { kind: 'image'; name: string; mime: string; data: string }
  | { kind: 'text'; name: string; mime: string; text: string; extractedFromPdf?: boolean; pdfData?: string }

/** A text attachment as the model reads it: the file's name and type on the opening tag, the text whole. */
export function attachmentText(a: Extract<WireAttachment, { kind: 'text' }>): string {
  const name = a.name.replace(/"/g, "'")
  const note = a.extractedFromPdf ? ' note="text extracted from the PDF"' : ''
  return `<attachment name="${name}" type="${a.mime}"${note}>\n${a.text}\n</attachment>`
}

export function hasImages(messages: ReadonlyArray<{ attachments?: readonly WireAttachment[] }>): boolean {
  return messages.some((m) => m.attachments?.some((a) => a.kind === 'image') ?? false)
}

const textOrNothing = (text: string) => (text.trim() === '' ? [] : [text])

/** Chat Completions `content`: the string as before without attachments, else parts. */
export function chatUserContent(text: string, attachments: readonly WireAttachment[] | undefined): unknown {
  if (!attachments || attachments.length === 0) return text
  return [
    ...attachments.map((a) => (a.kind === 'image' ? { type: 'image_url', image_url: { url: `data:${a.mime};base64,${a.data}` } } : { type: 'text', text: attachmentText(a) })),
    ...textOrNothing(text).map((t) => ({ type: 'text', text: t })),
  ]
}

/** Responses `content` of a user input message. */
export function responsesUserContent(text: string, attachments: readonly WireAttachment[] | undefined): unknown {
  if (!attachments || attachments.length === 0) return text
  return [
    ...attachments.map((a) => (a.kind === 'image' ? { type: 'input_image', image_url: `data:${a.mime};base64,${a.data}`, detail: 'auto' } : { type: 'input_text', text: attachmentText(a) })),
    ...textOrNothing(text).map((t) => ({ type: 'input_text', text: t })),
  ]
}

/**
 * Anthropic content blocks of a user message (the caller keeps a plain string when there are no attachments).
 * `pdfDocuments`: PDFs go as `document` blocks (Anthropic's own API), else as their extracted text.
 */
export function anthropicUserBlocks(text: string, attachments: readonly WireAttachment[] | undefined, pdfDocuments = false): unknown[] {
  return [
    ...(attachments ?? []).map((a) =>
      a.kind === 'image'
        ? { type: 'image', source: { type: 'base64', media_type: a.mime, data: a.data } }
        : pdfDocuments && a.pdfData
          ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: a.pdfData }, title: a.name }
          : { type: 'text', text: attachmentText(a) },
    ),
    ...textOrNothing(text).map((t) => ({ type: 'text', text: t })),
  ]
}
