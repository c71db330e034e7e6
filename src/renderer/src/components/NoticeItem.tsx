// One toast. It dismisses itself after a while (longer for warnings and errors), but not while the pointer is on
// it or focus is inside it, so it can always be read and closed.
import { useEffect, useState } from 'react'

export type NoticeTone = 'info' | 'success' | 'warning' | 'error'

export interface Notice {
  id: number
  text: string
  tone: NoticeTone
}

const DISMISS_AFTER_MS: Record<NoticeTone, number> = {
  info: 5000,
  success: 5000,
  warning: 10_000,
  error: 10_000,
}

export function NoticeItem({ notice, onDismiss }: { notice: Notice; onDismiss: (id: number) => void }) {
  const [hovered, setHovered] = useState(false)
  const [focused, setFocused] = useState(false)
  const paused = hovered || focused

  useEffect(() => {
    if (paused) return
    const timer = setTimeout(() => onDismiss(notice.id), DISMISS_AFTER_MS[notice.tone])
    return () => clearTimeout(timer)
  }, [paused, notice.id, notice.tone, onDismiss])

  return (
    <div
      className={`notice notice--${notice.tone}`}
      onPointerEnter={() => setHovered(true)}
      onPointerLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocused(false)
      }}
    >
      <span>{notice.text}</span>
      <button type="button" className="icon-button" aria-label="Dismiss notice" onClick={() => onDismiss(notice.id)}>
        ×
      </button>
    </div>
  )
}
