import { useEffect, useRef } from 'react'
import { isModalOpen } from '../state/modalStack'

interface Shortcuts {
  onNewSession: () => void
  onOpenSettings: () => void
  onOpenDiagnostics: () => void
  /** Ctrl/Cmd+B: collapse or expand the sidebar. */
  onToggleSidebar?: () => void
}

/**
 * Ctrl/Cmd+N (or Ctrl/Cmd+Shift+O): new session. Ctrl/Cmd+,: settings. Ctrl/Cmd+Shift+D: diagnostics.
 * Ctrl/Cmd+B: collapse or expand the sidebar.
 * Ignored while a dialog is open.
 */
export function useShortcuts(shortcuts: Shortcuts): void {
  const latest = useRef(shortcuts)
  useEffect(() => {
    latest.current = shortcuts
  })

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.repeat) return
      const key = event.key.toLowerCase()
      const newSession = (key === 'n' && !event.shiftKey) || (key === 'o' && event.shiftKey)
      const settings = key === ',' || event.code === 'Comma'
      const diagnostics = event.shiftKey && (key === 'd' || event.code === 'KeyD')
      const sidebar = !event.shiftKey && (key === 'b' || event.code === 'KeyB')
      if (sidebar && latest.current.onToggleSidebar) {
        event.preventDefault()
        if (!isModalOpen()) latest.current.onToggleSidebar()
        return
      }
      if (!newSession && !settings && !diagnostics) return
      event.preventDefault()
      if (isModalOpen()) return
      if (newSession) latest.current.onNewSession()
      else if (settings) latest.current.onOpenSettings()
      else latest.current.onOpenDiagnostics()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
}
