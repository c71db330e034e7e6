import { useEffect, useRef } from 'react'
import { isModalOpen } from '../state/modalStack'

interface Shortcuts {
  onNewSession: () => void
  onOpenSettings: () => void
}

/** Ctrl/Cmd+N (or Ctrl/Cmd+Shift+O): new session. Ctrl/Cmd+,: settings. Ignored while a dialog is open. */
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
      if (!newSession && !settings) return
      event.preventDefault()
      if (isModalOpen()) return
      if (newSession) latest.current.onNewSession()
      else latest.current.onOpenSettings()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [])
}
