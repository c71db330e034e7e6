import { useConnection } from '../hooks/useConnection'

/** Shown while the browser host's connection is down. Pending requests have already failed with a clear error. */
export function ConnectionBanner() {
  const connection = useConnection()
  if (connection.status === 'open' || !connection.everOpened) return null
  if (connection.stale) {
    // Reloading cannot help (the tab keeps the old token); only the new URL can.
    return (
      <div role="alert" className="banner banner--error banner--top">
        <p>{connection.detail}</p>
      </div>
    )
  }
  return (
    <div role="alert" className="banner banner--error banner--top">
      <p>
        Disconnected from Keel — reload
        {connection.detail ? <span className="banner__fix"> {connection.detail}</span> : null}
        {connection.status === 'connecting' ? <span className="banner__fix"> Reconnecting…</span> : null}
      </p>
      <button type="button" className="button button--small" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  )
}

/**
 * The main area of a page that is not connected to Keel: it says why instead of an empty list or a welcome screen,
 * which would read as if the sessions were gone. They are not; they are in the data folder, untouched.
 */
export function NotConnected() {
  const connection = useConnection()
  return (
    <section className="empty-state" aria-label="Not connected">
      <p className="empty-state__title">{connection.stale ? 'This page is from an earlier run of Keel' : 'Not connected to Keel'}</p>
      <p className="muted">
        {connection.stale
          ? 'The Keel host was restarted and gave this launch a new address. Open the new URL printed in the terminal; your sessions are there.'
          : connection.detail ?? 'Waiting for the Keel host to answer. Your sessions are not shown until it does.'}
      </p>
    </section>
  )
}
