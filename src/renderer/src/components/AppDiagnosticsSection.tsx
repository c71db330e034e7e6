// The app half of diagnostics: where Keel keeps things, whether config, keychain and database are healthy, and
// what the last migrations changed — read-only, as main reports it.
import type { AppDiagnostics } from '../../../shared/domain'
import { MigrationList } from './MigrationList'

export function AppDiagnosticsSection({ app, headingId }: { app: AppDiagnostics; headingId: string }) {
  const integrityOk = app.integrity.trim().toLowerCase() === 'ok'
  return (
    <section className="dialog-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="dialog-section__title">
        App
      </h3>
      <dl className="info-list">
        <dt>Data directory</dt>
        <dd className="mono">{app.dataDir}</dd>

        <dt>Config file</dt>
        <dd className="mono">{app.configPath}</dd>

        <dt>Config</dt>
        <dd>
          Revision <span className="mono">{app.configRevision}</span> ·{' '}
          {app.watching ? (
            <span className="status--ok">watching</span>
          ) : (
            <span className="status--warning">not watching</span>
          )}
          {app.configError ? (
            <span className="diag-problem status--error">
              {app.configError.message}
              {app.configError.fix ? <span className="status__fix"> {app.configError.fix}</span> : null}
            </span>
          ) : null}
        </dd>

        <dt>Keychain</dt>
        <dd>
          <span className="mono">{app.keychain.service}</span> ·{' '}
          {app.keychain.ok ? (
            <span className="status--ok">ok</span>
          ) : (
            <span className="status--error">
              {app.keychain.error?.message ?? 'unavailable'}
              {app.keychain.error?.fix ? <span className="status__fix"> {app.keychain.error.fix}</span> : null}
            </span>
          )}
        </dd>

        <dt>Key source</dt>
        <dd>{app.keySource}</dd>

        <dt>Database</dt>
        <dd className="mono">{app.databasePath}</dd>

        <dt>Schema version</dt>
        <dd className="mono">{app.schemaVersion}</dd>

        <dt>Integrity check</dt>
        <dd className={integrityOk ? 'status--ok' : 'status--error'}>{app.integrity}</dd>
      </dl>
      <h4 className="dialog-section__subtitle">What the last migrations changed</h4>
      <MigrationList migrations={app.migrations} />
    </section>
  )
}
