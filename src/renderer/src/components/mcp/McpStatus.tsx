// One MCP server's status as Keel says it everywhere (Settings → MCP servers, diagnostics): the words from
// lib/mcpStatus, then for a failure its message, whether Keel retries, and the last lines the server wrote to stderr.
import type { McpServerStatus } from '../../../../shared/mcp'
import { mcpRestartText, mcpStatusText, mcpStatusTone } from '../../lib/mcpStatus'

interface McpStatusProps {
  status: McpServerStatus
  /** The server's name, for the stderr block's accessible name. */
  name: string
  /** Show the failure's message and stderr (default); the one-line form omits them. */
  details?: boolean
}

export function McpStatus({ status, name, details = true }: McpStatusProps) {
  return (
    <div className="mcp-status">
      <p className={`mcp-status__line status--${mcpStatusTone(status)}`} data-testid="mcp-status">
        {mcpStatusText(status)}
      </p>
      {details && status.state === 'failed' ? (
        <>
          <p className="mcp-status__message">{status.message}</p>
          <p className="mcp-status__retry muted">{mcpRestartText(status)}</p>
          {status.stderrTail.length > 0 ? (
            <pre className="mcp-status__stderr" aria-label={`Last lines of stderr from ${name}`} tabIndex={0}>
              {status.stderrTail.join('\n')}
            </pre>
          ) : null}
        </>
      ) : null}
      {details && (status.state === 'unresolved' || status.state === 'untrusted') && status.message ? (
        <p className="mcp-status__message muted">{status.message}</p>
      ) : null}
    </div>
  )
}
