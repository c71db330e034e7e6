import type { KeelErrorData } from '../../../shared/domain'
import type { McpServerView } from '../../../shared/mcp'
import { useLiveQuery } from './useLiveQuery'

export interface McpServersState {
  servers: McpServerView[]
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

const NONE: McpServerView[] = []

/** MCP servers with their status and tools, kept current: main's `mcp` event says a status, tool list or entry changed. */
export function useMcpServers(): McpServersState {
  const { data, loaded, error, refetch } = useLiveQuery('mcp.list', {}, { refreshOn: ['mcp', 'app'] })
  return { servers: data ?? NONE, loaded, error, refetch }
}
