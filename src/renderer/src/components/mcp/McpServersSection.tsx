// Settings → MCP servers: every server with its status in words and its tools, Add / Import, and per server Trust,
// Test, Restart, Enable/Disable, Edit and Remove. The form takes the place of the list while open, as the provider
// and profile forms do. Removing asks first and says that the server's keychain items go with it.
import { useState } from 'react'
import type { McpServerView } from '../../../../shared/mcp'
import { call } from '../../bridge'
import type { McpServersState } from '../../hooks/useMcpServers'
import { ConfirmDialog } from '../ConfirmDialog'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'
import { McpImportDialog } from './McpImportDialog'
import { McpServerForm } from './McpServerForm'
import { McpServerRow } from './McpServerRow'
import '../../styles/mcp.css'

type View = { kind: 'list' } | { kind: 'add' } | { kind: 'edit'; id: string }

interface McpServersSectionProps {
  mcp: McpServersState
  /** The form is open: the dialog hides its other sections meanwhile. */
  onEditingChange?: (editing: boolean) => void
}

export function McpServersSection({ mcp, onEditingChange }: McpServersSectionProps) {
  const [view, setViewState] = useState<View>({ kind: 'list' })
  const [removing, setRemoving] = useState<McpServerView | null>(null)
  const [importing, setImporting] = useState(false)
  const notify = useNotify()
  const setView = (v: View) => {
    setViewState(v)
    onEditingChange?.(v.kind !== 'list')
  }

  const editing = view.kind === 'edit' ? (mcp.servers.find((s) => s.entry.id === view.id) ?? null) : null
  // A server removed while its form was open (for example by an edit of config.json): back to the list.
  const shown: View = view.kind === 'edit' && !editing ? { kind: 'list' } : view

  return (
    <section className="dialog-section" aria-labelledby="settings-mcp">
      <div className="dialog-section__head">
        <h3 id="settings-mcp" className="dialog-section__title">
          MCP servers
        </h3>
        <div className="button-row">
          <button type="button" className="button" onClick={() => setImporting(true)} disabled={shown.kind !== 'list'}>
            Import…
          </button>
          <button type="button" className="button button--primary" onClick={() => setView({ kind: 'add' })} aria-expanded={shown.kind === 'add'}>
            Add MCP server
          </button>
        </div>
      </div>
      {mcp.error ? <ErrorNote error={mcp.error} /> : null}
      {shown.kind === 'list' ? (
        <>
          {mcp.loaded && mcp.servers.length === 0 ? (
            <p className="muted">No MCP servers yet. Add one, or import the servers you use in Claude Desktop or VS Code.</p>
          ) : null}
          <ul className="provider-list" aria-label="MCP servers">
            {mcp.servers.map((server) => (
              <McpServerRow
                key={server.entry.id}
                server={server}
                onEdit={() => setView({ kind: 'edit', id: server.entry.id })}
                onRemove={() => setRemoving(server)}
                onChanged={(_, done) => {
                  mcp.refetch()
                  if (done) notify(done, 'success')
                }}
              />
            ))}
          </ul>
        </>
      ) : (
        <McpServerForm
          key={shown.kind === 'edit' ? shown.id : 'add'}
          server={editing}
          onCancel={() => setView({ kind: 'list' })}
          onSaved={(saved, created) => {
            mcp.refetch()
            notify(created ? `Added ${saved.entry.name}` : `Saved ${saved.entry.name}`, 'success')
            setView({ kind: 'list' })
          }}
        />
      )}
      {importing ? (
        <McpImportDialog
          onClose={() => setImporting(false)}
          onImported={(result) => {
            mcp.refetch()
            if (result.imported.length > 0) notify(`Imported ${result.imported.length} MCP server${result.imported.length === 1 ? '' : 's'}`, 'success')
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title="Remove MCP server?"
          confirmLabel="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await call('mcp.delete', { id: removing.entry.id })
            mcp.refetch()
            notify(`Removed ${removing.entry.name}`, 'success')
          }}
        >
          <p>
            “{removing.entry.name}” will be stopped and removed from Keel's config.
            {removing.secrets.length > 0
              ? ` Its keychain items (${removing.secrets.map((s) => s.name).join(', ')}) are deleted too.`
              : ' It has no keychain items.'}{' '}
            Agent profiles that use it lose its tools.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}
