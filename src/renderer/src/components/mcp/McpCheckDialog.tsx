// Settings → MCP servers → Test: starts the server apart from the running one (main's mcp.test, the same check as
// `npm run doctor -- --mcp`) and shows each phase with its time, the PATH a command was looked up on and where that
// PATH came from, missing secrets, the tools listed and the last lines of stderr.
import { useEffect, useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { McpCheckReport, McpServerView } from '../../../../shared/mcp'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { mcpPhaseText } from '../../lib/mcpStatus'
import { ErrorNote } from '../ErrorNote'
import { Modal } from '../Modal'

const PATH_SOURCE = { 'login-shell': 'from your login shell', process: 'Keel’s own (the login shell could not be read)' } as const

export function McpCheckDialog({ server, onClose }: { server: McpServerView; onClose: () => void }) {
  const [report, setReport] = useState<McpCheckReport | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [run, setRun] = useState(0)
  const id = server.entry.id

  useEffect(() => {
    let live = true
    setReport(null)
    setError(null)
    call('mcp.test', { id })
      .then((r) => live && setReport(r))
      .catch((e: unknown) => live && setError(toErrorData(e)))
    return () => {
      live = false
    }
  }, [id, run])

  const running = report === null && error === null
  return (
    <Modal title={`Test ${server.entry.name}`} onClose={onClose} className="mcp-check">
      <div aria-live="polite" aria-busy={running}>
        {running ? <p className="muted">Starting {server.entry.name}… (its tools are listed, none is called)</p> : null}
        {error ? <ErrorNote error={error} /> : null}
        {report ? <McpCheckReportView report={report} /> : null}
      </div>
      <div className="button-row button-row--end">
        <button type="button" className="button" disabled={running} onClick={() => setRun((n) => n + 1)}>
          Test again
        </button>
        <button type="button" className="button button--primary" onClick={onClose} data-autofocus>
          Close
        </button>
      </div>
    </Modal>
  )
}

export function McpCheckReportView({ report }: { report: McpCheckReport }) {
  return (
    <div className="mcp-check__report" data-testid="mcp-check-report">
      <p className={report.ok ? 'status--ok mcp-check__verdict' : 'status--error mcp-check__verdict'}>
        {report.ok ? `${report.name} started and listed ${report.tools.length} tool${report.tools.length === 1 ? '' : 's'}` : `${report.name} did not start`}
      </p>
      <table className="mcp-check__phases">
        <caption className="visually-hidden">Phases of the start</caption>
        <thead>
          <tr>
            <th scope="col">Phase</th>
            <th scope="col">Result</th>
            <th scope="col">Time</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {report.phases.map((p) => (
            <tr key={p.phase}>
              <th scope="row">{mcpPhaseText(p.phase)}</th>
              <td className={p.ok ? 'status--ok' : 'status--error'}>{p.ok ? 'ok' : 'failed'}</td>
              <td className="mono">{Math.round(p.ms)} ms</td>
              <td className="mcp-check__detail">{p.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="info-list">
        {report.path !== null ? (
          <>
            <dt>PATH</dt>
            <dd>
              <span className="mono mcp-check__path">{report.path}</span>
              {report.pathSource ? <span className="muted"> ({PATH_SOURCE[report.pathSource]})</span> : null}
            </dd>
          </>
        ) : null}
        {report.missingSecrets.length > 0 ? (
          <>
            <dt>Missing secrets</dt>
            <dd className="status--warning">{report.missingSecrets.join(', ')}</dd>
          </>
        ) : null}
        <dt>Tools</dt>
        <dd>
          {report.tools.length > 0 ? (
            <ul className="mcp-check__tools" aria-label="Tools listed">
              {report.tools.map((t) => (
                <li key={t}>
                  <code>{t}</code>
                </li>
              ))}
            </ul>
          ) : (
            <span className="muted">none listed</span>
          )}
        </dd>
      </dl>
      {report.stderrTail.length > 0 ? (
        <>
          <h4 className="dialog-section__subtitle">Last lines of stderr</h4>
          <pre className="mcp-status__stderr" tabIndex={0} aria-label="Last lines of stderr">
            {report.stderrTail.join('\n')}
          </pre>
        </>
      ) : null}
    </div>
  )
}
