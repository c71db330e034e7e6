// What decides which program (or URL) answers for an MCP server entry, in one place: the trust prompt shows it,
// trust is tied to its hash, and grants of the server's tools are tied to the same hash (sourceConfigHash), so a
// changed command, args, cwd, plain env or URL asks again (invariant 16). Secret values are never part of it:
// rotating a token neither asks for trust again nor reaches the hash.
import type { McpServerEntry } from '../../../shared/mcp'
import { sourceConfigHash } from '../tools/grants'

/** The launch spec: transport fields plus the names (not values) of the secrets it is given. */
export function launchSpec(entry: Pick<McpServerEntry, 'transport' | 'secrets'>): unknown {
  const t = entry.transport
  const secrets = [...entry.secrets].sort()
  return t.type === 'stdio'
    ? { type: 'stdio', command: t.command, args: t.args, cwd: t.cwd, env: t.env, secrets }
    : { type: 'http', url: t.url, headers: t.headers, secrets }
}

/** The hash trust and grants are tied to. */
export function launchHash(entry: Pick<McpServerEntry, 'transport' | 'secrets'>): string {
  return sourceConfigHash(launchSpec(entry))
}

/** Exactly what will run, for the trust prompt: the command line (quoted where needed), cwd and env names, or the URL. */
export function describeLaunch(entry: Pick<McpServerEntry, 'transport' | 'secrets'>): string {
  const t = entry.transport
  const secretNote = entry.secrets.length > 0 ? `; secrets from the keychain: ${entry.secrets.join(', ')}` : ''
  if (t.type === 'http') {
    const headers = Object.keys(t.headers)
    return `${t.url}${headers.length > 0 ? ` (headers: ${headers.join(', ')})` : ''}${secretNote}`
  }
  const line = [t.command, ...t.args].map(shellQuote).join(' ')
  const env = Object.entries(t.env).map(([k, v]) => `${k}=${shellQuote(v)}`)
  return `${line}${t.cwd !== null ? ` (in ${t.cwd})` : ''}${env.length > 0 ? `; env: ${env.join(' ')}` : ''}${secretNote}`
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
