// The app menu in the sidebar header: Settings, Diagnostics, New session. A real menu (menu button pattern):
// arrow keys, Home/End and first letters move between items, Enter/Space choose, Escape and Tab close it.
// The native app menu in Electron sends the same actions.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { modKey, modLabel } from '../lib/platform'
import { Icon } from './Icon'

export interface AppMenuItem {
  label: string
  /** Shown as a hint next to the label, e.g. "Ctrl+Shift+D". */
  shortcut: string
  keyshortcuts: string
  onSelect: () => void
}

interface AppMenuProps {
  onOpenSettings: () => void
  onOpenDiagnostics: () => void
  onNewSession: () => void
}

export function AppMenu({ onOpenSettings, onOpenDiagnostics, onNewSession }: AppMenuProps) {
  const [open, setOpen] = useState(false)
  /** Which item gets focus when the menu opens: first or last (ArrowUp on the button). */
  const [initialFocus, setInitialFocus] = useState<'first' | 'last'>('first')
  const menuId = useId()
  const buttonRef = useRef<HTMLButtonElement>(null)
  const rootRef = useRef<HTMLDivElement>(null)
  const itemRefs = useRef<Array<HTMLButtonElement | null>>([])

  const items: AppMenuItem[] = [
    { label: 'Settings', shortcut: `${modLabel},`, keyshortcuts: `${modKey}+,`, onSelect: onOpenSettings },
    { label: 'Diagnostics', shortcut: `${modLabel}Shift+D`, keyshortcuts: `${modKey}+Shift+D`, onSelect: onOpenDiagnostics },
    { label: 'New session', shortcut: `${modLabel}N`, keyshortcuts: `${modKey}+N`, onSelect: onNewSession },
  ]

  useEffect(() => {
    if (!open) return
    const target = initialFocus === 'first' ? itemRefs.current[0] : itemRefs.current[items.length - 1]
    target?.focus()
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
    // Focus moves only when the menu opens.
  }, [open])

  const openMenu = (focus: 'first' | 'last') => {
    setInitialFocus(focus)
    setOpen(true)
  }

  const close = (refocus: boolean) => {
    setOpen(false)
    if (refocus) buttonRef.current?.focus()
  }

  const choose = (item: AppMenuItem) => {
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
    const focusAt = (i: number) => elements[(i + elements.length) % elements.length]?.focus()
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault()
        focusAt(index + 1)
        return
      case 'ArrowUp':
        event.preventDefault()
        focusAt(index - 1)
        return
      case 'Home':
        event.preventDefault()
        focusAt(0)
        return
      case 'End':
        event.preventDefault()
        focusAt(elements.length - 1)
        return
      case 'Escape':
        event.preventDefault()
        event.stopPropagation()
        close(true)
        return
      case 'Tab':
        close(false)
        return
      default: {
        if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return
        const letter = event.key.toLowerCase()
        const start = index + 1
        for (let step = 0; step < items.length; step++) {
          const i = (start + step) % items.length
          if (items[i]!.label.toLowerCase().startsWith(letter)) {
            event.preventDefault()
            focusAt(i)
            return
          }
        }
      }
    }
  }

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
        <div id={menuId} role="menu" aria-label="App menu" className="app-menu__menu" onKeyDown={onMenuKeyDown}>
          {items.map((item, i) => (
            <button
              key={item.label}
              ref={(element) => {
                itemRefs.current[i] = element
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="app-menu__item"
              aria-keyshortcuts={item.keyshortcuts}
              onClick={() => choose(item)}
            >
              <span>{item.label}</span>
              <kbd className="app-menu__shortcut" aria-hidden="true">
                {item.shortcut}
              </kbd>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  )
}
