const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

/** No session is open. (No button here: "New session" lives in the sidebar, once.) */
export function EmptyState() {
  return (
    <section className="empty-state" aria-label="No session open">
      <p className="empty-state__title">No session open</p>
      <p className="muted">
        Choose a session on the left, or start one with New session ({isMac ? '⌘N' : 'Ctrl+N'}).
      </p>
    </section>
  )
}
