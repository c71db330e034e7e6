// One MCP server in Settings: its name and what it runs, its status in words, its tools (expandable), and what can
// be done with it. An untrusted server offers "Trust and start…", which shows exactly what will run first.
import { useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { McpServerView, McpToolView } from '../../../../shared/mcp'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { McpCheckDialog } from './McpCheckDialog'
import { McpStatus } from './McpStatus'
import { McpTrustDialog } from './McpTrustDialog'

interface McpServerRowProps {
  server: McpServerView
  onEdit: () => void
  onRemove: () => void
  /** After an action changed the server (its new view is in; the list re-reads on main's `mcp` event too); `done` is said once. */
  onChanged: (server: McpServerView, done: string | null) => void
}

export function McpServerRow({ server, onEdit, onRemove, onChanged }: McpServerRowProps) {
  const { entry, status } = server
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [testing, setTesting] = useState(false)
  const [trusting, setTrusting] = useState(false)

  const act = async (action: () => Promise<McpServerView>, done: string | null) => {
    setBusy(true)
    setError(null)
    try {
      onChanged(await action(), done)
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  const untrusted = status.state === 'untrusted'
  // Restart means something only for a server that can start: enabled, trusted and with its secrets.
  const restartable = entry.enabled && status.state !== 'untrusted' && status.state !== 'unresolved'
  return (
    <li className="provider-row mcp-row" aria-label={entry.name} data-testid="mcp-server">
      <div className="provider-row__info">
        <p className="provider-row__name">
          <span>{entry.name}</span>
          <span className="badge">{entry.transport.type === 'stdio' ? 'stdio' : 'HTTP'}</span>
          {entry.startWithKeel ? <span className="badge">starts with Keel</span> : null}
        </p>
        <p className="provider-row__meta provider-row__url" title={server.launch}>
          {server.launch}
        </p>
        <McpStatus status={status} name={entry.name} />
        {server.secrets.length > 0 ? (
          <p className="provider-row__meta">
            Secrets in the keychain:{' '}
            {server.secrets.map((s, i) => (
              <span key={s.name}>
                {i > 0 ? ', ' : null}
                <code>{s.name}</code> <span className={s.stored ? 'status--ok' : 'status--warning'}>({s.stored ? 'stored' : 'missing'})</span>
              </span>
            ))}
          </p>
        ) : null}
      </div>
      <div className="provider-row__actions mcp-row__actions">
        {untrusted ? (
          <button type="button" className="button button--small button--primary" aria-label={`Trust and start ${entry.name}…`} disabled={busy} onClick={() => setTrusting(true)}>
            Trust and start…
          </button>
        ) : null}
        <button type="button" className="button button--small" aria-label={`Test ${entry.name}`} disabled={busy} onClick={() => setTesting(true)}>
          Test
        </button>
        {restartable ? (
          <button type="button" className="button button--small" aria-label={`Restart ${entry.name}`} disabled={busy} onClick={() => void act(() => call('mcp.restart', { id: entry.id }), null)}>
            {/* No notice: the status says how it went (starting…, then ready or failed). */}
            Restart
          </button>
        ) : null}
        <button
          type="button"
          className="button button--small"
          aria-label={`${entry.enabled ? 'Disable' : 'Enable'} ${entry.name}`}
          disabled={busy}
          onClick={() => void act(() => call('mcp.setEnabled', { id: entry.id, enabled: !entry.enabled }), `${entry.name} ${entry.enabled ? 'disabled' : 'enabled'}`)}
        >
          {entry.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="button button--small" aria-label={`Edit ${entry.name}`} disabled={busy} onClick={onEdit}>
          Edit
        </button>
        <button type="button" className="button button--small button--danger-quiet" aria-label={`Remove ${entry.name}`} disabled={busy} onClick={onRemove}>
          Remove
        </button>
      </div>
      {server.tools.length > 0 ? <ToolList server={server} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      {testing ? <McpCheckDialog server={server} onClose={() => setTesting(false)} /> : null}
      {trusting ? (
        <McpTrustDialog
          server={server}
          onClose={() => setTrusting(false)}
          onTrusted={(view) => {
            setTrusting(false)
            onChanged(view, `Trusted ${entry.name}`)
            // Trusting only records the launch; the server starts now rather than when a session first needs it, so
            // the user sees at once whether it works (starting…, then ready or failed with its phase and stderr).
            if (view.entry.enabled) void act(() => call('mcp.restart', { id: entry.id }), null)
          }}
        />
      ) : null}
    </li>
  )
}

const HINTS: ReadonlyArray<[keyof McpToolView['annotations'], string]> = [
  ['readOnlyHint', 'read-only'],
  ['destructiveHint', 'destructive'],
  ['openWorldHint', 'open world'],
]

/** The server's tools, folded by default (a server may list dozens). */
function ToolList({ server }: { server: McpServerView }) {
  return (
    <details className="mcp-row__tools">
      <summary>
        Tools ({server.tools.length})
      </summary>
      <ul aria-label={`Tools of ${server.entry.name}`}>
        {server.tools.map((t) => (
          <li key={t.name}>
            <code>{t.name}</code>
            {HINTS.filter(([hint]) => t.annotations[hint] === true).map(([hint, label]) => (
              <span key={hint} className={`badge${hint === 'destructiveHint' ? ' badge--warning' : ''}`}>
                {label}
              </span>
            ))}
            {t.description ? (
              <span className="mcp-row__tool-desc" title={t.description}>
                {t.description}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  )
}
