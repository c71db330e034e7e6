// Migration records, newest first: when, which schema version, what changed — details as JSON on request.
import type { AppDiagnostics } from '../../../shared/domain'
import { formatFullTime } from '../lib/diagnosticsView'

export function MigrationList({ migrations }: { migrations: AppDiagnostics['migrations'] }) {
  if (migrations.length === 0) return <p className="muted">No migrations recorded.</p>
  return (
    <ol className="migration-list" aria-label="Migrations">
      {migrations.map((m, index) => (
        <li key={`${m.at}-${m.version}-${index}`} className="migration-list__item">
          <div className="migration-list__head">
            <time className="migration-list__time mono" dateTime={new Date(m.at).toISOString()}>
              {formatFullTime(m.at)}
            </time>
            <span className="badge">v{m.version}</span>
            <span className="migration-list__summary">{m.summary}</span>
          </div>
          {m.details.length > 0 ? (
            <details className="migration-list__details">
              <summary>Details ({m.details.length})</summary>
              <pre className="migration-list__json">{JSON.stringify(m.details, null, 2)}</pre>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  )
}
