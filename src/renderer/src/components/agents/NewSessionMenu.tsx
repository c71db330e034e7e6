// The menu beside "New session": start a session as a chosen agent profile (the button itself uses the default).
// Menu button pattern: Enter/Space/ArrowDown open it on the first profile, arrow keys, Home/End and first letters
// move, Enter chooses, Escape and Tab close it.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { useProfiles } from '../../hooks/useProfiles'
import { nextMenuIndex } from '../../lib/menuNavigation'
import { Icon } from '../Icon'
import '../../styles/agents.css'

export function NewSessionMenu({ onNewSession, disabled }: { onNewSession: (profileId: string) => void; disabled: boolean }) {
  const { state } = useProfiles()
  const [open, setOpen] = useState(false)
  const [initial, setInitial] = useState<'first' | 'last'>('first')
  const menuId = useId()
  const rootRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const itemRefs = useRef<Array<HTMLButtonElement | null>>([])
  const profiles = state?.profiles ?? []

  useEffect(() => {
    if (!open) return
    ;(initial === 'first' ? itemRefs.current[0] : itemRefs.current[profiles.length - 1])?.focus()
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
    // Focus moves only when the menu opens.
  }, [open])

  const close = (refocus: boolean) => {
    setOpen(false)
    if (refocus) buttonRef.current?.focus()
  }

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      close(true)
      return
    }
    if (event.key === 'Tab') {
      close(false)
      return
    }
    const index = itemRefs.current.findIndex((e) => e === document.activeElement)
    const next = nextMenuIndex(event, index, profiles.map((p) => p.name))
    if (next === null) return
    event.preventDefault()
    itemRefs.current[next]?.focus()
  }

  return (
    <div ref={rootRef} className="new-session-menu">
      <button
        ref={buttonRef}
        type="button"
        className="button button--primary new-session-split__more"
        aria-label="New session with profile…"
        title="New session with an agent profile"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled || profiles.length === 0}
        onClick={() => {
          setInitial('first')
          setOpen((o) => !o)
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault()
            setInitial(event.key === 'ArrowDown' ? 'first' : 'last')
            setOpen(true)
          }
        }}
      >
        <Icon name="chevron" />
      </button>
      {open ? (
        <div id={menuId} role="menu" aria-label="New session with profile" className="popup new-session-menu__list" onKeyDown={onMenuKeyDown}>
          {profiles.map((p, i) => (
            <button
              key={p.id}
              ref={(el) => {
                itemRefs.current[i] = el
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="popup__item"
              onClick={() => {
                close(true)
                onNewSession(p.id)
              }}
            >
              <span>{p.name}</span>
              {state?.defaultProfileId === p.id ? <span className="badge badge--accent">Default</span> : null}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  )
}
