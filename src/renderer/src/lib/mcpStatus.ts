// An MCP server's status in words: the one wording Settings → MCP servers and the diagnostics panel both show
// (through components/mcp/McpStatus), so the two never disagree.
import type { McpPhase, McpServerStatus } from '../../../shared/mcp'

export type McpStatusTone = 'ok' | 'warning' | 'error' | 'muted'

const PHASE_TEXT: Record<McpPhase, string> = {
  resolve: 'finding the command',
  spawn: 'spawn',
  connect: 'connect',
  initialize: 'initialize',
  'list-tools': 'list tools',
  running: 'run time',
}

export function mcpPhaseText(phase: McpPhase): string {
  return PHASE_TEXT[phase]
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

/** One line: "ready (3 tools)", "failed at initialize (exit code 1)", "unresolved: missing secret API_KEY", … */
export function mcpStatusText(status: McpServerStatus): string {
  switch (status.state) {
    case 'disabled':
      return 'disabled'
    case 'stopped':
      return 'stopped'
    case 'starting':
      return 'starting…'
    case 'ready':
      return `ready (${plural(status.tools, 'tool')})`
    case 'untrusted':
      return 'untrusted: not started until you trust it'
    case 'unresolved':
      return status.missingSecrets.length > 0
        ? `unresolved: missing ${status.missingSecrets.length === 1 ? 'secret' : 'secrets'} ${status.missingSecrets.join(', ')}`
        : `unresolved: ${status.message}`
    case 'failed':
      return `failed at ${PHASE_TEXT[status.phase]}${status.exitCode !== null ? ` (exit code ${status.exitCode})` : ''}`
  }
}

export function mcpStatusTone(status: McpServerStatus): McpStatusTone {
  switch (status.state) {
    case 'ready':
      return 'ok'
    case 'failed':
      return 'error'
    case 'unresolved':
    case 'untrusted':
    case 'starting':
      return 'warning'
    case 'disabled':
    case 'stopped':
      return 'muted'
  }
}

/** When Keel retries a crashed server on its own, e.g. "Keel restarts it at 14:02:31 (attempt 2)". */
export function mcpRestartText(status: Extract<McpServerStatus, { state: 'failed' }>): string {
  if (status.restartAt === null) return status.attempts > 1 ? `Gave up after ${status.attempts} attempts; use Restart.` : 'Keel does not retry on its own; use Restart.'
  return `Keel restarts it at ${new Date(status.restartAt).toLocaleTimeString()} (attempt ${status.attempts + 1}).`
}
