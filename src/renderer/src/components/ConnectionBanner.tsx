import { useConnection } from '../hooks/useConnection'

/** Shown while the browser host's connection is down. Pending requests have already failed with a clear error. */
export function ConnectionBanner() {
  const connection = useConnection()
  if (connection.status === 'open' || !connection.everOpened) return null
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
