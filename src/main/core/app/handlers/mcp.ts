// The MCP channels (Settings → MCP servers): entries with their secrets (server-entries.ts), trust, restart, the
// Test button (the runtime's check) and import from other apps' configs. Like the other slices, a plain table the
// composition root merges; its dependencies come in as values so the slice holds no state of its own.
import type { McpCheckReport, McpImportResult, McpServerView } from '../../../../shared/mcp'
import { KeelError } from '../../errors'
import type { McpServerDraftInput, McpServerEntries, McpServerPatch } from '../../mcp/server-entries'
import type { McpRuntime } from '../../mcp/types'

export interface McpHandlerDeps {
  entries: McpServerEntries
  /** The runtime that starts servers; null where none runs (restart and Test then say so). */
  runtime: McpRuntime | null
  /** Imports another app's config (import-config.ts): secrets to the keychain, entries to config.json. */
  importServers(source: 'claude-desktop' | 'vscode', text: string): Promise<McpImportResult>
}

type Ok = { ok: true }
/** This slice of the contract's handler table. */
export interface McpHandlers {
  'mcp.list': (input: Record<string, never>) => Promise<McpServerView[]>
  'mcp.create': (input: McpServerDraftInput) => Promise<McpServerView>
  'mcp.update': (input: { id: string; patch: McpServerPatch }) => Promise<McpServerView>
  'mcp.delete': (input: { id: string }) => Promise<Ok>
  'mcp.setEnabled': (input: { id: string; enabled: boolean }) => Promise<McpServerView>
  'mcp.restart': (input: { id: string }) => Promise<McpServerView>
  'mcp.trust': (input: { id: string; launchHash: string }) => Promise<McpServerView>
  'mcp.test': (input: { id: string }) => Promise<McpCheckReport>
  'mcp.import': (input: { source: 'claude-desktop' | 'vscode'; text: string }) => Promise<McpImportResult>
}

function runtimeMissing(): KeelError {
  return KeelError.of('conflict', 'MCP servers cannot be started in this Keel: its MCP runtime is not available.', {
    fix: 'Entries, secrets and trust can still be edited; update Keel to run the servers.',
  })
}

export function mcpHandlers(deps: McpHandlerDeps): McpHandlers {
  const runtime = (): McpRuntime => {
    if (!deps.runtime) throw runtimeMissing()
    return deps.runtime
  }
  return {
    'mcp.list': () => deps.entries.list(),
    'mcp.create': (draft) => deps.entries.serialized(() => deps.entries.create(draft)),
    'mcp.update': ({ id, patch }) => deps.entries.serialized(() => deps.entries.update(id, patch)),
    'mcp.delete': async ({ id }) => {
      await deps.entries.serialized(() => deps.entries.delete(id))
      return { ok: true as const }
    },
    'mcp.setEnabled': ({ id, enabled }) => deps.entries.serialized(() => deps.entries.setEnabled(id, enabled)),
    'mcp.restart': async ({ id }) => {
      await deps.entries.view(id) // not-found first
      // A restart that fails is shown in the status (failed, with its phase), not as an error of the button.
      await runtime()
        .restart(id)
        .catch((err: unknown) => {
          if (!(err instanceof KeelError)) throw err
        })
      return deps.entries.view(id)
    },
    'mcp.trust': ({ id, launchHash }) => deps.entries.serialized(() => deps.entries.trust(id, launchHash)),
    'mcp.test': async ({ id }) => {
      await deps.entries.view(id)
      return runtime().check(id)
    },
    'mcp.import': ({ source, text }) => deps.entries.serialized(() => deps.importServers(source, text)),
  }
}
