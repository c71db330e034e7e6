// Transient notices ("Session deleted", "Now using …"). The region is always in the DOM (live regions must exist
// before they change), lives directly in <body> so an open modal does not hide it, and is shown in the top layer.
// Notices sit bottom-right, just above the composer (useToastClearance), so they never cover the session header.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { createPortal } from 'react-dom'
import { KEEP_VISIBLE, subscribeModalOpened } from '../state/modalStack'
import { NoticeItem, type Notice, type NoticeTone } from './NoticeItem'

export type { NoticeTone }

type Notify = (text: string, tone?: NoticeTone) => void
const NoticeContext = createContext<Notify>(() => undefined)

export function useNotify(): Notify {
  return useContext(NoticeContext)
}

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([])
  const nextId = useRef(1)

  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), [])
  const notify = useCallback<Notify>(
    (text, tone = 'info') => {
      const id = nextId.current++
      setNotices((list) => [...list.slice(-3), { id, text, tone }])
    },
    [],
  )

  return (
    <NoticeContext.Provider value={notify}>
      {children}
      <NoticeRegion notices={notices} onDismiss={dismiss} />
    </NoticeContext.Provider>
  )
}

function NoticeRegion({ notices, onDismiss }: { notices: Notice[]; onDismiss: (id: number) => void }) {
  const host = useMemo(() => {
    const element = document.createElement('div')
    element.setAttribute(KEEP_VISIBLE, '')
    return element
  }, [])
  const region = useRef<HTMLDivElement>(null)

  useEffect(() => {
    document.body.appendChild(host)
    return () => host.remove()
  }, [host])

  // Re-enter the top layer on every change, and whenever a modal opens, so notices stay above every dialog.
  const visible = useRef(false)
  useEffect(() => {
    visible.current = notices.length > 0
    const raise = () => {
      const element = region.current
      if (!element || typeof element.showPopover !== 'function') return
      try {
        if (element.matches(':popover-open')) element.hidePopover()
        if (visible.current) element.showPopover()
      } catch {
        // Popover support is a nicety; the region works without it.
      }
    }
    raise()
    return subscribeModalOpened(raise)
  }, [notices])

  // The live region itself never leaves the accessibility tree; only its inner list enters and leaves the top layer.
  return createPortal(
    <div role="status" aria-live="polite" className="notices-live">
      <div ref={region} className="notices" popover="manual">
        {notices.map((notice) => (
          <NoticeItem key={notice.id} notice={notice} onDismiss={onDismiss} />
        ))}
      </div>
    </div>,
    host,
  )
}
