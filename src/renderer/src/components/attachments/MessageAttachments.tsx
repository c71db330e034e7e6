// A sent message's attachments in the transcript: images as thumbnails (their bytes asked of main by content
// address and shown as a data: URL, the only image source the CSP allows), other files as chips.
import { useEffect, useState } from 'react'
import { formatBytes, type AttachmentKind, type AttachmentRef } from '../../../../shared/attachments'
import { call } from '../../bridge'
import '../../styles/attachments.css'

export function kindLabel(kind: AttachmentKind): string {
  return kind === 'image' ? 'image' : kind === 'pdf' ? 'PDF' : 'text'
}

/** Thumbnails already fetched, by content address (the same image in several messages is asked for once). */
const thumbnails = new Map<string, Promise<string>>()

function thumbnailOf(id: string): Promise<string> {
  let p = thumbnails.get(id)
  if (!p) {
    p = call('attachments.image', { id }).then(({ mime, dataBase64 }) => `data:${mime};base64,${dataBase64}`)
    p.catch(() => thumbnails.delete(id))
    thumbnails.set(id, p)
  }
  return p
}

function Thumbnail({ attachment }: { attachment: AttachmentRef }) {
  const [src, setSrc] = useState<string | null>(null)
  const [missing, setMissing] = useState(false)
  useEffect(() => {
    let live = true
    thumbnailOf(attachment.id).then(
      (url) => live && setSrc(url),
      () => live && setMissing(true),
    )
    return () => {
      live = false
    }
  }, [attachment.id])
  if (missing) return <span className="attachment__meta">(image missing)</span>
  return src ? <img className="attachment__thumb" src={src} alt={attachment.name} /> : <span className="attachment__thumb attachment__thumb--loading" aria-hidden="true" />
}

export function MessageAttachments({ attachments }: { attachments: readonly AttachmentRef[] | undefined }) {
  if (!attachments || attachments.length === 0) return null
  return (
    <ul className="attachments" aria-label="Attached files">
      {attachments.map((a, i) => (
        <li key={`${i}-${a.id}`} className={`attachment attachment--sent attachment--${a.kind}`} data-testid="message-attachment" title={`${a.name} · ${a.mime} · ${formatBytes(a.size)}`}>
          {a.kind === 'image' ? <Thumbnail attachment={a} /> : null}
          <span className="attachment__text">
            <span className="attachment__name">{a.name}</span>
            <span className="attachment__meta">
              {kindLabel(a.kind)} · {formatBytes(a.size)}
            </span>
          </span>
        </li>
      ))}
    </ul>
  )
}
