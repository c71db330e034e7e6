// "Recent sessions": the tray menu mirrored in the app, a submenu of the App menu. It renders the core's
// TrayMenuModel as is (the same items, labels and order as the native tray). Choosing a session quick-resumes it:
// main re-resolves the session and answers with a `focus` event, which is what opens it.
import { useEffect, useRef, type KeyboardEvent } from 'react'
import type { AppState, TrayItem } from '../../../shared/domain'
import type { TrayMenuState } from '../hooks/useTrayMenu'
import { nextMenuIndex } from '../lib/menuNavigation'
import { TrayActionItem } from './TrayActionItem'
import { TraySessionItem } from './TraySessionItem'

type TrayAction = Extract<TrayItem, { type: 'action' }>['action']

interface RecentSessionsMenuProps {
  id: string
  tray: TrayMenuState
  runtime: AppState['runtime'] | null
  /** Offset from the top of the App menu button's box, so the menu lines up with its item. */
  top: number
  onResume: (sessionId: string) => void
  onNewSession: () => void
  onOpenDiagnostics: () => void
  /** Escape or ArrowLeft: close this menu and go back to its item in the App menu. */
  onBack: () => void
  /** Close both menus (refocus: put focus back on the App menu button). */
  onDismiss: (refocus: boolean) => void
}

const DISABLED_REASON: Partial<Record<TrayAction, Record<AppState['runtime'], string>>> = {
  quit: { host: 'Quit from the terminal running the host', electron: 'Quit from the tray icon or the Keel menu' },
  'toggle-window': { host: '', electron: 'Show or hide Keel from the tray icon' },
}

export function RecentSessionsMenu(props: RecentSessionsMenuProps) {
  const { id, tray, runtime, top, onResume, onNewSession, onOpenDiagnostics, onBack, onDismiss } = props
  const menuRef = useRef<HTMLDivElement>(null)
  const items = tray.model?.items ?? []
  const electron = runtime === 'electron'

  const menuItems = () => Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])

  // Focus the first item when the menu opens, or as soon as the model arrives if it was still loading.
  const hasItems = items.length > 0
  useEffect(() => {
    const menu = menuRef.current
    if (!menu) return
    if (document.activeElement === menu || !menu.contains(document.activeElement)) {
      const first = menuItems()[0]
      ;(first ?? menu).focus()
    }
  }, [hasItems])

  const run = (action: () => void) => () => {
    onDismiss(true)
    action()
  }

  const actionHandler = (action: TrayAction): (() => void) | null => {
    switch (action) {
      case 'new-session':
        return run(onNewSession)
      case 'diagnostics':
        return run(onOpenDiagnostics)
      // Main offers no channel to hide the window or quit: in the browser, Show/Hide only closes the menu.
      case 'toggle-window':
        return electron ? null : run(() => undefined)
      case 'quit':
        return null
    }
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const elements = menuItems()
    const index = elements.findIndex((e) => e === document.activeElement)
    if (event.key === 'Escape' || event.key === 'ArrowLeft') {
      event.preventDefault()
      event.stopPropagation()
      onBack()
      return
    }
    if (event.key === 'Tab') {
      onDismiss(false)
      return
    }
    const next = nextMenuIndex(event, index, elements.map((e) => e.dataset.typeahead ?? e.textContent ?? ''))
    if (next === null) return
    event.preventDefault()
    elements[next]?.focus()
  }

  return (
    <div
      ref={menuRef}
      id={id}
      role="menu"
      aria-label="Recent sessions"
      aria-busy={tray.model ? undefined : true}
      tabIndex={-1}
      className="popup tray-menu"
      style={{ top }}
      onKeyDown={onKeyDown}
    >
      {tray.model === null ? (
        <p role="none" className="tray-menu__status">
          {tray.error ? `Could not load recent sessions: ${tray.error.message}` : 'Loading…'}
        </p>
      ) : null}
      {items.map((item, i) => {
        if (item.type === 'separator') return <div key={`separator-${i}`} role="separator" className="popup__separator" />
        if (item.type === 'session') {
          return <TraySessionItem key={item.sessionId} item={item} onChoose={run(() => onResume(item.sessionId))} />
        }
        const handler = actionHandler(item.action)
        return (
          <TrayActionItem
            key={item.action}
            item={item}
            onChoose={handler}
            disabledReason={DISABLED_REASON[item.action]?.[runtime ?? 'host']}
          />
        )
      })}
    </div>
  )
}
