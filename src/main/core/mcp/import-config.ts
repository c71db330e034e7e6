// Import of MCP servers from another app's config: Claude Desktop's claude_desktop_config.json
// ({"mcpServers": {name: {command, args, env} | {url, headers}}}) and VS Code's .vscode/mcp.json
// ({"servers": {name: {type, command, args, env, url, headers}}, "inputs": [...]}) or settings.json
// ({"mcp": {"servers": ...}}), comments and trailing commas allowed as VS Code allows them.
//
// Those files keep secrets in plaintext (`env`, `headers`). Keel moves EVERY env and header value into the keychain
// (`mcp:<id>:<NAME>`; the entry lists only the names) and never writes one to config.json. A value Keel cannot know
// (`${input:token}`, `${env:HOME}`) is not guessed: the server is imported with that secret missing, so it shows as
// unresolved naming it until the user enters the value. Input that is not such a config is refused as a whole,
// naming what is wrong, and nothing is imported. No error text quotes the input: it may hold the secrets.
import { parse, printParseErrorCode, type ParseError, type ParseErrorCode } from 'jsonc-parser'
import { mcpSecretAccount, McpSecretName, type McpImportResult, type McpServerEntry, type McpTransport } from '../../../shared/mcp'
import type { ConfigService } from '../config/config-service'
import { KeelError } from '../errors'
import type { Keychain } from '../secrets/keychain'
import { allocateServerId, checkedEntry } from './server-entries'
import { isJsonObject } from '../json-object'

export type McpImportSourceName = 'claude-desktop' | 'vscode'

/** One server as the other app's config describes it, before it gets an id. */
export interface ImportedServer {
  name: string
  transport: McpTransport
  /** Every env (stdio) or header (http) value, by name; null when it is a placeholder Keel cannot resolve. */
  secrets: Array<{ name: string; value: string | null }>
  notes: string[]
}

export interface ImportPlan {
  servers: ImportedServer[]
  skipped: Array<{ name: string; reason: string }>
}

function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position)
  const line = before.split('\n').length
  return `line ${line}, column ${position - before.lastIndexOf('\n')}`
}

function malformed(what: string, position: number | null, text: string): KeelError {
  return KeelError.of('invalid-input', `This is not a valid config: ${what}${position !== null ? ` (${lineColumn(text, position)})` : ''}. Nothing was imported.`, {
    field: 'text',
    fix: 'Paste the whole file, or pick the file itself.',
  })
}

/**
 * Parses JSON with comments and trailing commas, as VS Code writes its settings (jsonc-parser, VS Code's own
 * parser). A syntax error names its line and column, never the text around it (it may be a secret).
 */
function parseJsonc(text: string): unknown {
  const bom = text.startsWith('\uFEFF') ? 1 : 0
  const body = text.slice(bom)
  if (body.trim() === '') throw malformed('it is empty', null, text)
  const errors: ParseError[] = []
  const value: unknown = parse(body, errors, { allowTrailingComma: true, disallowComments: false })
  const first = errors[0]
  if (first) {
    const what = printParseErrorCode(first.error) === 'UnexpectedEndOfComment' ? 'a /* comment is never closed' : `it is not valid JSON: ${errorWords(first.error)}`
    throw malformed(what, first.offset + bom, text)
  }
  return value
}

/** jsonc-parser's error code in words: `CommaExpected` → "comma expected". */
function errorWords(code: ParseErrorCode): string {
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
}


/** A value Keel cannot know: VS Code's `${input:…}`, `${env:…}`, `${workspaceFolder}` and the like. */
const PLACEHOLDER = /\$\{[^}]*\}/

/** The servers object of the source's format, or a refusal saying what was expected (and what the text looks like). */
function serversObject(source: McpImportSourceName, raw: unknown, text: string): { servers: Record<string, unknown>; path: string } {
  if (!isJsonObject(raw)) throw malformed('the top level must be a JSON object', null, text)
  if (source === 'claude-desktop') {
    if (isJsonObject(raw.mcpServers)) return { servers: raw.mcpServers, path: 'mcpServers' }
    if ('mcpServers' in raw) throw malformed('"mcpServers" must be an object of servers by name', null, text)
    const hint = isJsonObject(raw.servers) || isJsonObject((raw.mcp as Record<string, unknown> | undefined)?.servers) ? ' (this looks like a VS Code config: import it as one)' : ''
    throw malformed(`it has no "mcpServers" object${hint}`, null, text)
  }
  if (isJsonObject(raw.servers)) return { servers: raw.servers, path: 'servers' }
  if (isJsonObject(raw.mcp) && isJsonObject(raw.mcp.servers)) return { servers: raw.mcp.servers, path: 'mcp.servers' }
  if ('servers' in raw || isJsonObject(raw.mcp)) throw malformed('"servers" must be an object of servers by name', null, text)
  const hint = isJsonObject(raw.mcpServers) ? ' (this looks like a Claude Desktop config: import it as one)' : ''
  throw malformed(`it has neither a "servers" object (mcp.json) nor "mcp": {"servers": …} (settings.json)${hint}`, null, text)
}

/** A string map (env, headers); numbers and booleans are taken as their text, anything else is refused. */
function stringMap(value: unknown, path: string, text: string): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (!isJsonObject(value)) throw malformed(`${path} must be an object of names to values`, null, text)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v)
    else throw malformed(`${path}.${k} must be a string`, null, text)
  }
  return out
}

function optionalString(value: unknown, path: string, text: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw malformed(`${path} must be a string`, null, text)
  return value
}

/** The servers of a Claude Desktop or VS Code config, checked; nothing is stored. */
export function planImport(source: McpImportSourceName, text: string): ImportPlan {
  const { servers, path } = serversObject(source, parseJsonc(text), text)
  const plan: ImportPlan = { servers: [], skipped: [] }
  for (const [key, spec] of Object.entries(servers)) {
    const at = `${path}.${key}`
    if (!isJsonObject(spec)) throw malformed(`${at} must be an object (command and args, or url)`, null, text)
    const name = key.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 80) || 'MCP server'
    const type = optionalString(spec.type, `${at}.type`, text)
    const command = optionalString(spec.command, `${at}.command`, text)
    const url = optionalString(spec.url ?? spec.serverUrl, `${at}.url`, text)
    const cwd = optionalString(spec.cwd, `${at}.cwd`, text)
    if (spec.args !== undefined && (!Array.isArray(spec.args) || spec.args.some((a) => typeof a !== 'string'))) throw malformed(`${at}.args must be an array of strings`, null, text)
    const args = (spec.args as string[] | undefined) ?? []
    const env = stringMap(spec.env, `${at}.env`, text)
    const headers = stringMap(spec.headers, `${at}.headers`, text)
    const notes: string[] = []

    const remote = type === 'http' || type === 'sse' || type === 'streamable-http' || (type === undefined && command === undefined && url !== undefined)
    if (type !== undefined && type !== 'stdio' && !remote) {
      plan.skipped.push({ name, reason: `its type "${type.slice(0, 40)}" is not one Keel runs (stdio, http or sse)` })
      continue
    }
    let transport: McpTransport
    let values: Record<string, string>
    if (remote) {
      if (url === undefined) {
        plan.skipped.push({ name, reason: 'it is a remote server without a url' })
        continue
      }
      if (PLACEHOLDER.test(url)) {
        plan.skipped.push({ name, reason: 'its url holds a ${…} placeholder Keel cannot resolve; add it by hand with the real URL' })
        continue
      }
      transport = { type: 'http', url, headers: {} }
      values = headers
      if (type === 'sse') notes.push('It uses the legacy SSE transport; Keel tries Streamable HTTP first and falls back to SSE.')
    } else {
      if (command === undefined) {
        plan.skipped.push({ name, reason: 'it has neither a command nor a url' })
        continue
      }
      transport = { type: 'stdio', command, args, cwd: cwd ?? null, env: {} }
      values = env
      if (spec.envFile !== undefined) notes.push('Its envFile was not read; add those variables in Settings if the server needs them.')
      const unresolvable = [command, ...args, ...(cwd !== undefined ? [cwd] : [])].filter((s) => PLACEHOLDER.test(s))
      if (unresolvable.length > 0) notes.push('Its command, args or cwd hold ${…} placeholders Keel passes on unchanged; edit them in Settings.')
    }
    const secrets: ImportedServer['secrets'] = []
    for (const [secretName, value] of Object.entries(values)) {
      if (!McpSecretName.safeParse(secretName).success) {
        notes.push(`"${secretName.slice(0, 60)}" was left out: Keel cannot store a secret under that name.`)
        continue
      }
      if (secrets.some((s) => s.name.toLowerCase() === secretName.toLowerCase())) continue
      const placeholder = PLACEHOLDER.test(value) || value === ''
      secrets.push({ name: secretName, value: placeholder ? null : value })
      if (placeholder) notes.push(`${secretName} ${value === '' ? 'is empty' : 'is a ${…} placeholder'} in the imported config: enter its value in Settings (the server stays unresolved until then).`)
    }
    plan.servers.push({ name, transport, secrets, notes })
  }
  if (plan.servers.length === 0 && plan.skipped.length === 0) throw malformed(`${path} lists no servers`, null, text)
  return plan
}

export interface ImportDeps {
  config: ConfigService
  keychain: Pick<Keychain, 'storeSecret' | 'deleteSecret'>
  changed(reason: string, serverId: string | null): void
}

/**
 * Imports the servers of another app's config: checked as a whole first (an error imports nothing), values to the
 * keychain, then one config.json write for all entries. Should that write fail, the values stored are deleted again.
 */
export async function importServers(deps: ImportDeps, source: McpImportSourceName, text: string): Promise<McpImportResult> {
  const plan = planImport(source, text)
  const cfg = deps.config.latest()
  const taken = { ...cfg, mcpServers: [...cfg.mcpServers] }
  const made: Array<{ entry: McpServerEntry; server: ImportedServer }> = []
  for (const server of plan.servers) {
    const id = allocateServerId(taken, server.name)
    let entry: McpServerEntry
    try {
      entry = checkedEntry({ id, name: server.name, transport: server.transport, enabled: true, startWithKeel: false, secrets: server.secrets.map((s) => s.name) })
    } catch (err) {
      // The message names the field (never a value): e.g. a url that is not http(s).
      if (!(err instanceof KeelError)) throw err
      throw malformed(`the server "${server.name}" cannot be imported: ${err.data.message.replace(/^Invalid MCP server: /, '').replace(/\.$/, '')}`, null, text)
    }
    taken.mcpServers.push(entry)
    made.push({ entry, server })
  }

  const stored: string[] = []
  const undo = async () => {
    for (const account of stored) await deps.keychain.deleteSecret(account, 'remove the MCP secret').catch(() => undefined)
  }
  try {
    for (const { entry, server } of made) {
      for (const s of server.secrets) {
        if (s.value === null) continue
        const account = mcpSecretAccount(entry.id, s.name)
        await deps.keychain.storeSecret(account, s.value, 'store the imported MCP secret')
        stored.push(account)
      }
    }
    deps.config.update((now) => {
      for (const { entry } of made) {
        if (now.mcpServers.some((s) => s.id === entry.id) || now.retiredMcpServerIds.includes(entry.id)) {
          throw KeelError.of('conflict', `The MCP server id "${entry.id}" was taken while importing; nothing was imported.`, { fix: 'Import again.' })
        }
      }
      return { ...now, mcpServers: [...now.mcpServers, ...made.map((m) => m.entry)] }
    })
  } catch (err) {
    await undo()
    throw err
  }
  if (made.length > 0) deps.changed('imported', null)
  return {
    imported: made.map(({ entry, server }) => ({
      id: entry.id,
      name: entry.name,
      secrets: entry.secrets,
      ...(server.notes.length > 0 ? { notes: server.notes } : {}),
    })),
    skipped: plan.skipped,
  }
}
