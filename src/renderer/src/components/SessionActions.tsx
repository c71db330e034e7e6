// A session's actions behind a "More" button (a disclosure, not a menu: its items are ordinary buttons).
// Kept out of the page until opened so that the only button in a list item named after the session is the one
// that opens it — `Rename session <title>` and friends contain the title too.
import { useEffect, useId, useRef, useState } from 'react'
import { Icon } from './Icon'
import { SessionExportItems } from './data/SessionExportItems'

interface SessionActionsProps {
  title: string
  /** With it: Export as Markdown / JSON (issue #12). */
  sessionId?: string
  pinned: boolean
  /** Absent: no Archive action (the list's own rows always have one). */
  archived?: boolean
  onRename: () => void
  onTogglePin: () => void
  onToggleArchive?: () => void
  onDelete: () => void
}

export function SessionActions({ title, sessionId, pinned, archived, onRename, onTogglePin, onToggleArchive, onDelete }: SessionActionsProps) {
  const [open, setOpen] = useState(false)
  const panelId = useId()
  const root = useRef<HTMLDivElement>(null)
  const toggle = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (!open) return
    const onPointerDown = (event: PointerEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [open])

  const run = (action: () => void) => () => {
    setOpen(false)
    action()
  }

  return (
    <div
      ref={root}
      className="session-actions"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation()
          setOpen(false)
          toggle.current?.focus()
        }
      }}
    >
      <button
        ref={toggle}
        type="button"
        className="icon-button session-actions__toggle"
        aria-label="More"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        title="More actions"
        onClick={() => setOpen((value) => !value)}
      >
        <Icon name="more" />
      </button>
      {open ? (
        <div id={panelId} className="popup session-actions__panel">
          <button type="button" className="popup__item session-actions__item" aria-label={`Rename session ${title}`} onClick={run(onRename)} autoFocus>
            <Icon name="pencil" />
            Rename
          </button>
          <button
            type="button"
            className="popup__item session-actions__item"
            aria-label={`${pinned ? 'Unpin' : 'Pin'} session ${title}`}
            onClick={run(onTogglePin)}
          >
            <Icon name="pin" />
            {pinned ? 'Unpin' : 'Pin'}
          </button>
          {onToggleArchive ? (
            <button
              type="button"
              className="popup__item session-actions__item"
              aria-label={`${archived ? 'Unarchive' : 'Archive'} session ${title}`}
              onClick={run(onToggleArchive)}
            >
              <Icon name="archive" />
              {archived ? 'Unarchive' : 'Archive'}
            </button>
          ) : null}
          {sessionId ? <SessionExportItems sessionId={sessionId} title={title} onDone={() => setOpen(false)} /> : null}
          <button
            type="button"
            className="popup__item session-actions__item session-actions__item--danger"
            aria-label={`Delete session ${title}`}
            onClick={run(onDelete)}
          >
            <Icon name="trash" />
            Delete
          </button>
        </div>
      ) : null}
    </div>
  )
}
