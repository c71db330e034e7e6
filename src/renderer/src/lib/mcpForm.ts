// The MCP server form's text fields, read into an entry's shape: arguments one per line, plain environment as
// KEY=VALUE lines, plain headers as `Name: value` lines. Plain values go to config.json in clear text, so a line
// that looks like a credential is refused here and the form points to the secrets rows (kept in the keychain).
import { parseHeaders } from './headers'
import { McpSecretName } from '../../../shared/mcp'

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; fix: string }

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
/** Names that almost always hold a credential: kept out of config.json. */
const SECRET_LOOKING = /(^|[_-])(API[_-]?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH)([_-]|$)/i

/** One argument per line; empty lines are dropped, spaces inside a line are kept (no shell quoting). */
export function parseArgs(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '')
}

export function parseEnv(text: string): Parsed<Record<string, string>> {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trim() === '') continue
    const eq = line.indexOf('=')
    const name = eq > 0 ? line.slice(0, eq).trim() : ''
    if (!ENV_NAME.test(name)) {
      return { ok: false, message: `Environment, line ${i + 1}: "${line.trim()}" is not NAME=value`, fix: 'Write one variable per line as NAME=value (letters, digits and _ in the name)' }
    }
    if (SECRET_LOOKING.test(name)) {
      return {
        ok: false,
        message: `Environment, line ${i + 1}: ${name} looks like a secret and would be stored in config.json in plain text`,
        fix: 'Add it under Secrets instead; its value is kept in the keychain',
      }
    }
    env[name] = line.slice(eq + 1)
  }
  return { ok: true, value: env }
}

/** Plain headers of an HTTP server: the provider form's rules, with credentials pointed to the secrets rows. */
export function parseMcpHeaders(text: string): Parsed<Record<string, string>> {
  const parsed = parseHeaders(text, 'Add it under Secrets instead; its value is kept in the keychain', (name) => SECRET_LOOKING.test(name))
  return parsed.ok ? { ok: true, value: parsed.headers } : parsed
}

export function formatEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')
}

export function formatMcpHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')
}

/** Why a secret's name cannot be used, or null. */
export function secretNameProblem(name: string): string | null {
  const parsed = McpSecretName.safeParse(name)
  return parsed.success ? null : `Secret name "${name}": ${parsed.error.issues[0]?.message ?? 'not a valid name'}`
}
