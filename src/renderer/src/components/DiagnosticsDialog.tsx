// Diagnostics: the open session's four views side by side with every disagreement explained, the app's storage,
// config, keychain and migrations, and the actions that repair or report. Everything shown comes from main.
import { useId } from 'react'
import { useDiagnostics } from '../hooks/useDiagnostics'
import { AgentDiagnosticsSection } from './AgentDiagnosticsSection'
import { AppDiagnosticsSection } from './AppDiagnosticsSection'
import { CanonicalizationNote } from './CanonicalizationNote'
import { DiagnosticsActions } from './DiagnosticsActions'
import { DiagnosticsStatus } from './DiagnosticsStatus'
import { ErrorNote } from './ErrorNote'
import { IdentityViewsTable } from './IdentityViewsTable'
import { McpDiagnosticsSection } from './mcp/McpDiagnosticsSection'
import { Modal } from './Modal'

interface DiagnosticsDialogProps {
  /** The open session, or null for the app section only. */
  sessionId: string | null
  onClose: () => void
}

export function DiagnosticsDialog({ sessionId, onClose }: DiagnosticsDialogProps) {
  const diagnostics = useDiagnostics(sessionId)
  const { session, app, sessionError, appError, loading } = diagnostics
  const sessionHeadingId = useId()
  const appHeadingId = useId()
  const mcpHeadingId = useId()

  return (
    <Modal title="Diagnostics" onClose={onClose} className="modal--diagnostics" closeLabel="Close diagnostics">
      <div className="diag" aria-busy={loading ? true : undefined}>
        <DiagnosticsActions
          sessionId={sessionId}
          configChanged={session?.snapshot.state.kind === 'config-changed'}
          onDone={diagnostics.reload}
        />

        <section className="dialog-section" aria-labelledby={sessionHeadingId}>
          <h3 id={sessionHeadingId} className="dialog-section__title">
            Session
            {session ? <span className="dialog-section__name"> · {session.title}</span> : null}
          </h3>
          {sessionId === null ? <p className="muted">No session is open. Open one to see where its identity comes from.</p> : null}
          {sessionError ? <ErrorNote error={sessionError} /> : null}
          {sessionId !== null && !session && !sessionError ? <p className="muted">Loading diagnostics…</p> : null}
          {session ? (
            <>
              <DiagnosticsStatus diagnostics={session} />
              <IdentityViewsTable rows={session.rows} />
              <CanonicalizationNote changes={session.canonicalization} />
              {session.agent ? <AgentDiagnosticsSection agent={session.agent} /> : null}
            </>
          ) : null}
        </section>

        {appError ? <ErrorNote error={appError} /> : null}
        <McpDiagnosticsSection headingId={mcpHeadingId} />
        {app ? <AppDiagnosticsSection app={app} headingId={appHeadingId} /> : null}
      </div>
    </Modal>
  )
}
