// The seam between the MCP runtime (servers, processes, the SDK client) and its users: the agent loop (tools),
// the MCP handlers (Settings), diagnostics and the doctor. The runtime implements McpRuntime; the others only see this.
import type { McpCheckReport, McpServerStatus, McpToolAnnotations } from '../../../shared/mcp'
import type { JsonSchema } from '../tools/tool-definition'

/** A tool a ready server listed. */
export interface McpTool {
  serverId: string
  name: string
  description: string
  inputSchema: JsonSchema
  /** sha256 of the canonical input schema (schemaHash in tool-definition.ts). */
  schemaHash: string
  annotations: McpToolAnnotations
}

/** One content block of a tool result, as the MCP spec names them (resources are given as text or a link). */
export type McpContent =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'audio'; data: string; mimeType: string }
  | { type: 'resource'; uri: string; mimeType: string | null; text: string | null }

export type McpCallResult =
  | { ok: true; isError: boolean; content: McpContent[] }
  /** Timed out, cancelled (Stop), or the server failed or exited mid-call; `message` is what the model reads. */
  | { ok: false; outcome: 'timed-out' | 'cancelled' | 'failed'; message: string }

export interface McpCallOptions {
  signal: AbortSignal
  /** Per-call timeout; each progress notification from the server restarts it. */
  timeoutMs: number
}

export interface McpRuntime {
  /** Starts the server if it is enabled, trusted and resolved (and not yet running); resolves with its tools. Throws a KeelError naming the phase otherwise. */
  ensureReady(serverId: string): Promise<readonly McpTool[]>
  /** The tools of a ready server (empty when not ready). */
  tools(serverId: string): readonly McpTool[]
  status(serverId: string): McpServerStatus
  /** Never throws: every failure is a value. */
  callTool(serverId: string, name: string, args: Record<string, unknown>, opts: McpCallOptions): Promise<McpCallResult>
  restart(serverId: string): Promise<void>
  stop(serverId: string): Promise<void>
  /** Starts the server apart from the running one, reports each phase, stops it again (Settings → Test, doctor --mcp). */
  check(serverId: string): Promise<McpCheckReport>
  /** Status or tool list changes (a list_changed notification included). */
  onChange(listener: (serverId: string) => void): () => void
  /** On quit: every server stopped, stdio process groups killed. */
  stopAll(): Promise<void>
}
