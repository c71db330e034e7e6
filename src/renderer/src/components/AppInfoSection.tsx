import type { AppState } from '../../../shared/domain'

/** Where Keel keeps its data and whether the keychain works — read-only, as main reports it. */
export function AppInfoSection({ app }: { app: AppState }) {
  return (
    <section className="dialog-section" aria-labelledby="settings-storage">
      <h3 id="settings-storage" className="dialog-section__title">
        Storage and keychain
      </h3>
      <dl className="info-list">
        <dt>Data directory</dt>
        <dd className="mono">{app.dataDir}</dd>
        <dt>Database</dt>
        <dd className="mono">
          {app.databasePath} <span className="muted">(schema {app.schemaVersion})</span>
        </dd>
        <dt>Config file</dt>
        <dd className="mono">
          {app.config.path}
          {app.config.watching ? <span className="muted"> (watched for edits)</span> : null}
        </dd>
        <dt>Keychain</dt>
        <dd>
          {app.keychain.ok ? (
            <span className="status status--ok">Available ({app.keychain.service})</span>
          ) : (
            <span className="status status--error">
              Unavailable
              {app.keychain.error ? (
                <>
                  : {app.keychain.error.message}
                  {app.keychain.error.fix ? <span className="status__fix"> {app.keychain.error.fix}</span> : null}
                </>
              ) : null}
            </span>
          )}
        </dd>
        <dt>Running in</dt>
        <dd>{app.runtime === 'electron' ? 'Desktop app' : 'Browser host'}</dd>
      </dl>
    </section>
  )
}
