// Diagnostics → MCP servers: each server's status in the same words as Settings (one McpStatus component), with a
// failure's message and stderr, as main reports them.
import { useMcpServers } from '../../hooks/useMcpServers'
import { ErrorNote } from '../ErrorNote'
import { McpStatus } from './McpStatus'
import '../../styles/mcp.css'

export function McpDiagnosticsSection({ headingId }: { headingId: string }) {
  const mcp = useMcpServers()
  return (
    <section className="dialog-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="dialog-section__title">
        MCP servers
      </h3>
      {mcp.error ? <ErrorNote error={mcp.error} /> : null}
      {mcp.loaded && mcp.servers.length === 0 ? <p className="muted">No MCP servers configured.</p> : null}
      {mcp.servers.length > 0 ? (
        <ul className="diag-mcp__list" aria-label="MCP server status">
          {mcp.servers.map((s) => (
            <li key={s.entry.id} aria-label={s.entry.name}>
              <span className="diag-mcp__name">{s.entry.name}</span> <span className="mono muted">({s.entry.id})</span>
              <McpStatus status={s.status} name={s.entry.name} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}
