// The composer's attachments: a thumbnail (images) or a chip (files) for each file picked for the next message,
// each removable; a file main refused shows why, in words, and sends nothing.
import { formatBytes } from '../../../../shared/attachments'
import type { StagedItem } from '../../hooks/useStagedAttachments'
import { kindLabel } from './MessageAttachments'

export function StagedAttachments({ items, onRemove }: { items: StagedItem[]; onRemove: (key: string) => void }) {
  if (items.length === 0) return null
  return (
    <ul className="attachments attachments--staged" aria-label="Attachments">
      {items.map((item) => (
        <li key={item.key} className={`attachment attachment--${item.state}`} data-testid="staged-attachment">
          {item.state === 'ready' && item.preview ? <img className="attachment__thumb" src={item.preview} alt={item.name} /> : null}
          <span className="attachment__text">
            <span className="attachment__name">{item.name}</span>
            <span className="attachment__meta">
              {item.state === 'uploading' ? 'attaching…' : item.state === 'ready' ? `${kindLabel(item.ref.kind)} · ${formatBytes(item.ref.size)}` : null}
            </span>
            {item.state === 'refused' ? (
              <span className="attachment__error" role="alert">
                {item.error.message}
              </span>
            ) : null}
          </span>
          <button type="button" className="attachment__remove" aria-label={`Remove ${item.name}`} title={`Remove ${item.name}`} onClick={() => onRemove(item.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  )
}
