// The verdict on one session (ok / unresolved / drifted / non-canonical / config-changed) in main's words, and
// which snapshot it was read from.
import type { SessionDiagnostics } from '../../../shared/domain'
import { STATUS_TONE } from '../lib/diagnosticsView'

export function DiagnosticsStatus({ diagnostics }: { diagnostics: SessionDiagnostics }) {
  const { status, summary, snapshot, appDefault } = diagnostics
  const binding = snapshot.binding
  return (
    <div className="diag-status">
      <p className="diag-status__line">
        <span className={`badge badge--${STATUS_TONE[status]} diag-status__badge`} data-testid="diagnostics-status">
          {status}
        </span>
        <span className="diag-status__summary">{summary}</span>
      </p>
      <p className="diag-status__meta">
        <span>
          Snapshot revision <span className="mono">{snapshot.revision}</span>
        </span>
        <span
          className={`badge ${snapshot.authority === 'live' ? 'badge--live' : 'badge--persisted'}`}
          title={
            snapshot.authority === 'live'
              ? 'From the running agent in Keel'
              : 'Read from the saved session; replaced by the live identity as soon as the agent reports it'
          }
        >
          {snapshot.authority}
        </span>
        <span>
          {binding === null
            ? 'No binding'
            : binding.mode === 'pinned'
              ? 'Pinned'
              : `Follows app default${appDefault ? ` (${appDefault.entryId} · ${appDefault.model})` : ' (none set)'}`}
        </span>
      </p>
    </div>
  )
}
