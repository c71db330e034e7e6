// The app menu in the sidebar header: Settings, Diagnostics, New session, and Recent sessions (the tray menu,
// mirrored). A real menu (menu button pattern): arrow keys, Home/End and first letters move between items,
// Enter/Space choose, Escape and Tab close it; ArrowRight (or choosing it) opens Recent sessions beside it and
// ArrowLeft or Escape comes back. The native app menu and the tray in Electron send the same actions.
import { Fragment, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import type { AppState } from '../../../shared/domain'
import { useBridgeEvent } from '../hooks/useBridgeEvent'
import { useTrayMenu } from '../hooks/useTrayMenu'
import { nextMenuIndex } from '../lib/menuNavigation'
import { modKey, modLabel } from '../lib/platform'
import { Icon } from './Icon'
import { RecentSessionsMenu } from './RecentSessionsMenu'

export interface AppMenuItem {
  label: string
  /** Shown as a hint next to the label, e.g. "Ctrl+Shift+D". */
  shortcut?: string
  keyshortcuts?: string
  /** Opens Recent sessions instead of running an action. */
  submenu?: boolean
  onSelect: () => void
}

interface AppMenuProps {
  onOpenSettings: () => void
  onOpenDiagnostics: () => void
  onNewSession: () => void
  /** Quick-resume from Recent sessions; the `focus` event main answers with opens the session. */
  onResumeSession: (sessionId: string) => void
  runtime: AppState['runtime'] | null
}

export function AppMenu({ onOpenSettings, onOpenDiagnostics, onNewSession, onResumeSession, runtime }: AppMenuProps) {
  const [open, setOpen] = useState(false)
  /** Which item gets focus when the menu opens: first or last (ArrowUp on the button). */
  const [initialFocus, setInitialFocus] = useState<'first' | 'last'>('first')
  /** Recent sessions, open beside the App menu at this offset from its top (null: closed). */
  const [recentTop, setRecentTop] = useState<number | null>(null)
  const menuId = useId()
  const recentId = useId()
  const buttonRef = useRef<HTMLButtonElement>(null)
  const rootRef = useRef<HTMLDivElement>(null)
  const itemRefs = useRef<Array<HTMLButtonElement | null>>([])
  const tray = useTrayMenu()

  const items: AppMenuItem[] = [
    { label: 'Settings', shortcut: `${modLabel},`, keyshortcuts: `${modKey}+,`, onSelect: onOpenSettings },
    { label: 'Diagnostics', shortcut: `${modLabel}Shift+D`, keyshortcuts: `${modKey}+Shift+D`, onSelect: onOpenDiagnostics },
    { label: 'New session', shortcut: `${modLabel}N`, keyshortcuts: `${modKey}+N`, onSelect: onNewSession },
    { label: 'Recent sessions', submenu: true, onSelect: () => openRecent() },
  ]
  const recentIndex = items.findIndex((item) => item.submenu)

  useEffect(() => {
    if (!open) return
    const target = initialFocus === 'first' ? itemRefs.current[0] : itemRefs.current[items.length - 1]
    target?.focus()
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) {
        setOpen(false)
        setRecentTop(null)
      }
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
    // Focus moves only when the menu opens.
  }, [open])

  // Main asked the window to show something (the native tray, a notification): the menu has done its job.
  useBridgeEvent('focus', () => {
    if (open) close(false)
  })

  const openMenu = (focus: 'first' | 'last') => {
    setInitialFocus(focus)
    setOpen(true)
  }

  const close = (refocus: boolean) => {
    setOpen(false)
    setRecentTop(null)
    if (refocus) buttonRef.current?.focus()
  }

  function openRecent() {
    const item = itemRefs.current[recentIndex]
    const root = rootRef.current
    if (!item || !root) return
    // Line the first entry up with "Recent sessions" (less the menu's own padding and border).
    setRecentTop(item.getBoundingClientRect().top - root.getBoundingClientRect().top - 5)
    tray.refresh()
  }

  const closeRecent = () => {
    setRecentTop(null)
    itemRefs.current[recentIndex]?.focus()
  }

  const choose = (item: AppMenuItem) => {
    if (item.submenu) {
      item.onSelect()
      return
    }
    // Focus the button first, so a dialog the item opens returns focus there when it closes.
    close(true)
    item.onSelect()
  }

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      openMenu(event.key === 'ArrowDown' ? 'first' : 'last')
    }
  }

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const elements = itemRefs.current.filter((e): e is HTMLButtonElement => e !== null)
    const index = elements.findIndex((e) => e === document.activeElement)
    switch (event.key) {
      case 'Escape':
        event.preventDefault()
        event.stopPropagation()
        close(true)
        return
      case 'Tab':
        close(false)
        return
      case 'ArrowRight':
        if (items[index]?.submenu) {
          event.preventDefault()
          openRecent()
        }
        return
    }
    const next = nextMenuIndex(event, index, items.map((item) => item.label))
    if (next === null) return
    event.preventDefault()
    // Moving to another item closes Recent sessions, as native menus do.
    if (next !== recentIndex) setRecentTop(null)
    elements[next]?.focus()
  }

  const recentOpen = recentTop !== null

  return (
    <div ref={rootRef} className="app-menu">
      <button
        ref={buttonRef}
        type="button"
        className="icon-button app-menu__button"
        aria-label="App menu"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title="App menu"
        onClick={() => (open ? close(false) : openMenu('first'))}
        onKeyDown={onButtonKeyDown}
      >
        <Icon name="menu" />
      </button>
      {open ? (
        <div id={menuId} role="menu" aria-label="App menu" className="popup app-menu__menu" onKeyDown={onMenuKeyDown}>
          {items.map((item, i) => (
            <Fragment key={item.label}>
              {item.submenu ? <div role="separator" className="popup__separator" /> : null}
              <button
                ref={(element) => {
                  itemRefs.current[i] = element
                }}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={`popup__item app-menu__item${item.submenu && recentOpen ? ' app-menu__item--expanded' : ''}`}
                aria-keyshortcuts={item.keyshortcuts}
                aria-haspopup={item.submenu ? 'menu' : undefined}
                aria-expanded={item.submenu ? recentOpen : undefined}
                aria-controls={item.submenu && recentOpen ? recentId : undefined}
                onClick={() => choose(item)}
              >
                <span>{item.label}</span>
                {item.submenu ? (
                  <Icon name="chevron" className="app-menu__chevron" />
                ) : (
                  <kbd className="app-menu__shortcut" aria-hidden="true">
                    {item.shortcut}
                  </kbd>
                )}
              </button>
            </Fragment>
          ))}
        </div>
      ) : null}
      {open && recentOpen ? (
        <RecentSessionsMenu
          id={recentId}
          tray={tray}
          runtime={runtime}
          top={recentTop}
          onResume={onResumeSession}
          onNewSession={onNewSession}
          onOpenDiagnostics={onOpenDiagnostics}
          onBack={closeRecent}
          onDismiss={close}
        />
      ) : null}
    </div>
  )
}
