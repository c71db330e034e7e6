// The trust prompt: a new MCP server, or one whose command, arguments, folder or URL changed since it was trusted,
// does not start until the user has seen exactly what will run and trusts it. The hash of what was shown goes back
// with mcp.trust, so an edit of config.json in between is refused and asks again instead of trusting unseen text.
import { useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { McpServerView } from '../../../../shared/mcp'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { Modal } from '../Modal'

interface McpTrustDialogProps {
  /** The server as listed now (its launch may change while the dialog is open). */
  server: McpServerView
  onClose: () => void
  /** Trusted (the caller starts it: the prompt does not wait for a start, which may take a while). */
  onTrusted: (server: McpServerView) => void
}

export function McpTrustDialog({ server, onClose, onTrusted }: McpTrustDialogProps) {
  // What the user is shown is what they trust: captured when the dialog opens.
  const [shown] = useState(() => ({ launch: server.launch, launchHash: server.launchHash }))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const changed = server.launchHash !== shown.launchHash
  const stdio = server.entry.transport.type === 'stdio'

  const trust = async () => {
    setBusy(true)
    setError(null)
    try {
      onTrusted(await call('mcp.trust', { id: server.entry.id, launchHash: shown.launchHash }))
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  return (
    <Modal title={`Trust ${server.entry.name}?`} onClose={onClose} className="mcp-trust">
      <p>
        {stdio
          ? 'Keel will run this command on your computer, with your permissions, whenever a session needs this server:'
          : 'Keel will connect to this address and send it the requests of the sessions that use this server:'}
      </p>
      <pre className="mcp-trust__launch" aria-label={stdio ? 'Command that will run' : 'Address Keel will connect to'} tabIndex={0} data-testid="mcp-trust-launch">
        {shown.launch}
      </pre>
      <p className="muted">
        Trust only servers you know. If the {stdio ? 'command, its arguments or its folder' : 'URL'} changes later, Keel asks again.
      </p>
      {changed ? (
        <p role="status" className="status--warning">
          This server’s entry changed while this was open: close and look again before trusting it.
        </p>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
      <div className="button-row button-row--end">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--primary" onClick={() => void trust()} disabled={busy || changed}>
          Trust and start
        </button>
      </div>
    </Modal>
  )
}
