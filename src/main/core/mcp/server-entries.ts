// MCP server entries as Settings edits them: config.json holds the entry (with the NAMES of its secrets), the
// keychain holds each secret's value as `mcp:<id>:<NAME>`. Every edit is applied to the file as it is now (an
// outside edit made a moment ago is kept) and goes through the one config write path, so the runtime hears of it
// like of a hand edit. Secret values pass through here once, into the keychain; they are never part of config.json,
// a view, an event or an error's text.
import type { ChannelInput } from '../../../shared/contract'
import { McpServerEntry, mcpSecretAccount, type McpServerStatus, type McpServerView } from '../../../shared/mcp'
import type { ConfigService } from '../config/config-service'
import type { KeelConfig } from '../config/config-schema'
import { KeelError } from '../errors'
import type { Keychain } from '../secrets/keychain'
import { describeLaunch, launchHash } from './launch'
import type { McpRuntime } from './types'

/** Trust of a launch (McpTrustStore in trust-store.ts): a server runs only once the user trusted exactly what runs. */
export interface McpTrust {
  isTrusted(serverId: string, launchHash: string): boolean
  trust(serverId: string, launchHash: string): void
  forget(serverId: string): void
}

/** The form's fields as the contract takes them (defaults are applied when the entry is checked). */
export type McpServerDraftInput = ChannelInput<'mcp.create'>
export type McpServerPatch = ChannelInput<'mcp.update'>['patch']

export interface McpServerEntriesDeps {
  config: ConfigService
  keychain: Pick<Keychain, 'readSecret' | 'storeSecret' | 'deleteSecret'>
  trust: McpTrust
  /** The runtime (status, tools); null where none runs (views then say what would happen at a start). */
  runtime: McpRuntime | null
  /** An entry, its secrets or its trust changed (null: several). */
  changed(reason: string, serverId: string | null): void
}

/** A stable id from a name: its slug, unique against the servers in the file and every retired id. */
export function allocateServerId(cfg: KeelConfig, name: string): string {
  const taken = (id: string) => cfg.mcpServers.some((s) => s.id === id) || cfg.retiredMcpServerIds.includes(id)
  const base =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'server'
  if (!taken(base)) return base
  for (let n = 2; ; n += 1) {
    const id = `${base}-${n}`
    if (!taken(id)) return id
  }
}

export function serverNotFound(id: string): KeelError {
  return KeelError.of('not-found', `There is no MCP server "${id}".`, { field: 'id', fix: 'It may have been removed from config.json; pick a server listed in Settings → MCP servers.' })
}

/** The entry with this id in `cfg` (the config an edit is applied to). */
export function serverIn(cfg: KeelConfig, id: string): McpServerEntry {
  const entry = cfg.mcpServers.find((s) => s.id === id)
  if (!entry) throw serverNotFound(id)
  return entry
}

/**
 * The status a server would have without a runtime, from what Keel knows at rest: disabled, a missing secret,
 * not trusted, else stopped. The runtime's own status wins whenever it says more than "stopped".
 */
export function restingStatus(entry: McpServerEntry, missing: readonly string[], trusted: boolean): McpServerStatus {
  if (!entry.enabled) return { state: 'disabled' }
  if (missing.length > 0) {
    return { state: 'unresolved', missingSecrets: [...missing], message: `The secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in the keychain, so "${entry.name}" is not started.` }
  }
  if (!trusted) return { state: 'untrusted', message: `"${entry.name}" has not been trusted yet: review what it runs and trust it to start it.` }
  return { state: 'stopped' }
}

export class McpServerEntries {
  /** Edits run one at a time: two creates of one name must not both store secrets under the same new id. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: McpServerEntriesDeps) {}

  /** Runs an edit after the ones before it (import-config's writes go through here too). */
  serialized<T>(edit: () => Promise<T>): Promise<T> {
    const run = this.queue.then(edit, edit)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** The current config's servers (the runtime reads these). */
  entries(): readonly McpServerEntry[] {
    return this.deps.config.current().mcpServers
  }

  private require(id: string): McpServerEntry {
    const entry = this.entries().find((s) => s.id === id)
    if (!entry) throw serverNotFound(id)
    return entry
  }

  async list(): Promise<McpServerView[]> {
    return Promise.all(this.entries().map((e) => this.viewOf(e)))
  }

  async view(id: string): Promise<McpServerView> {
    return this.viewOf(this.require(id))
  }

  private async viewOf(entry: McpServerEntry): Promise<McpServerView> {
    // A keychain that cannot be read (locked, no Secret Service) does not hide the list: the server says why.
    let keychainProblem: string | null = null
    const secrets = await Promise.all(
      entry.secrets.map(async (name) => {
        try {
          return { name, stored: (await this.deps.keychain.readSecret(mcpSecretAccount(entry.id, name), 'read the MCP secret')) !== null }
        } catch (err) {
          keychainProblem = err instanceof KeelError ? err.data.message : 'The keychain could not be read.'
          return { name, stored: false }
        }
      }),
    )
    const hash = launchHash(entry)
    const trusted = this.deps.trust.isTrusted(entry.id, hash)
    const missing = secrets.filter((s) => !s.stored).map((s) => s.name)
    let resting = restingStatus(entry, missing, trusted)
    if (keychainProblem !== null && resting.state === 'unresolved') resting = { ...resting, message: keychainProblem }
    const runtime = this.deps.runtime
    const live = runtime ? runtime.status(entry.id) : null
    // At rest (not starting, running or failed) Keel's own reading says more: a missing secret comes before trust.
    const status = live && !['stopped', 'untrusted', 'disabled'].includes(live.state) ? live : resting
    const tools = runtime
      ? runtime.tools(entry.id).map((t) => ({ name: t.name, description: t.description, annotations: t.annotations, schemaHash: t.schemaHash }))
      : []
    return { entry, secrets, status, launch: describeLaunch(entry), launchHash: hash, trusted, tools }
  }

  /** A new entry from the form. Its secrets go to the keychain first: a keychain that refuses leaves no entry behind. */
  async create(draft: McpServerDraftInput): Promise<McpServerView> {
    const values = Object.entries(draft.secretValues ?? {})
    const id = allocateServerId(this.deps.config.latest(), draft.name)
    const entry = checkedEntry({
      id,
      name: draft.name,
      transport: draft.transport,
      enabled: draft.enabled ?? true,
      startWithKeel: draft.startWithKeel ?? false,
      ...(draft.timeoutMs !== undefined ? { timeoutMs: draft.timeoutMs } : {}),
      secrets: values.map(([name]) => name),
    })
    await this.storeAll(id, values)
    try {
      this.deps.config.update((cfg) => {
        // Taken since the id was chosen (an outside edit): refused rather than writing over another server.
        if (cfg.mcpServers.some((s) => s.id === id) || cfg.retiredMcpServerIds.includes(id)) {
          throw KeelError.of('conflict', `The MCP server id "${id}" was taken meanwhile.`, { field: 'name', fix: 'Save again: Keel picks a free id.' })
        }
        return { ...cfg, mcpServers: [...cfg.mcpServers, entry] }
      })
    } catch (err) {
      await this.deleteAll(id, values.map(([name]) => name))
      throw err
    }
    this.deps.changed('created', id)
    return this.view(id)
  }

  /**
   * Patches an entry as the file holds it now. `secretValues`: a value is stored (and the name listed), null
   * removes the name and deletes its keychain item; secrets not named keep their values.
   */
  async update(id: string, patch: McpServerPatch): Promise<McpServerView> {
    const before = serverIn(this.deps.config.latest(), id)
    const changes = Object.entries(patch.secretValues ?? {})
    const stored = changes.filter((c): c is [string, string] => c[1] !== null)
    const removed = changes.filter(([, v]) => v === null).map(([name]) => name)
    const apply = (entry: McpServerEntry): McpServerEntry => {
      const secrets = [...entry.secrets.filter((n) => !removed.includes(n))]
      for (const [name] of stored) if (!secrets.includes(name)) secrets.push(name)
      return checkedEntry({
        ...entry,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.transport !== undefined ? { transport: patch.transport } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.startWithKeel !== undefined ? { startWithKeel: patch.startWithKeel } : {}),
        ...(patch.timeoutMs !== undefined ? { timeoutMs: patch.timeoutMs } : {}),
        secrets,
      })
    }
    apply(before) // refused before the keychain is touched when the result would be invalid
    await this.storeAll(id, stored)
    this.deps.config.update((cfg) => ({ ...cfg, mcpServers: cfg.mcpServers.map((s) => (s.id === id ? apply(s) : s)) }))
    // Deleted only once the entry no longer names them; a failure here leaves an unused item, never a missing one.
    for (const name of removed) await this.deps.keychain.deleteSecret(mcpSecretAccount(id, name), 'remove the MCP secret').catch(() => undefined)
    this.deps.changed('updated', id)
    return this.view(id)
  }

  async setEnabled(id: string, enabled: boolean): Promise<McpServerView> {
    this.deps.config.update((cfg) => {
      serverIn(cfg, id)
      return { ...cfg, mcpServers: cfg.mcpServers.map((s) => (s.id === id ? { ...s, enabled } : s)) }
    })
    this.deps.changed(enabled ? 'enabled' : 'disabled', id)
    return this.view(id)
  }

  /** Removes the entry, retires its id (never reused), stops it, and deletes every keychain item it had. */
  async delete(id: string): Promise<void> {
    let names: string[] = []
    this.deps.config.update((cfg) => {
      names = serverIn(cfg, id).secrets
      return { ...cfg, mcpServers: cfg.mcpServers.filter((s) => s.id !== id), retiredMcpServerIds: [...new Set([...cfg.retiredMcpServerIds, id])] }
    })
    await this.deps.runtime?.stop(id).catch(() => undefined)
    await this.deleteAll(id, names)
    this.deps.trust.forget(id)
    this.deps.changed('deleted', id)
  }

  /** Trusts the launch the user reviewed; refused when the entry changed since (they must review the new one). */
  async trust(id: string, hash: string): Promise<McpServerView> {
    const entry = serverIn(this.deps.config.latest(), id)
    if (launchHash(entry) !== hash) {
      throw KeelError.of('conflict', `The command of "${entry.name}" changed since it was shown to you, so it was not trusted.`, {
        field: 'launchHash',
        fix: 'Review the new command (or URL) and trust it again.',
      })
    }
    this.deps.trust.trust(id, hash)
    this.deps.changed('trusted', id)
    return this.view(id)
  }

  /** Stores several secrets; on a failure the ones stored by this call are deleted again. */
  async storeAll(id: string, values: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const done: string[] = []
    try {
      for (const [name, value] of values) {
        await this.deps.keychain.storeSecret(mcpSecretAccount(id, name), value, 'store the MCP secret')
        done.push(name)
      }
    } catch (err) {
      await this.deleteAll(id, done)
      throw err
    }
  }

  private async deleteAll(id: string, names: readonly string[]): Promise<void> {
    for (const name of names) await this.deps.keychain.deleteSecret(mcpSecretAccount(id, name), 'remove the MCP secret').catch(() => undefined)
  }
}

/** Validates an entry about to be written, naming the field as config.json would (secret values are never in it). */
export function checkedEntry(candidate: unknown): McpServerEntry {
  const parsed = McpServerEntry.safeParse(candidate)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`)).join('').replace(/^\./, '') || '(server)'
    throw KeelError.of('invalid-input', `Invalid MCP server: ${field}: ${issue.message}.`, { field })
  }
  const e = parsed.data
  const plain = e.transport.type === 'stdio' ? Object.keys(e.transport.env) : Object.keys(e.transport.headers).map((h) => h.toLowerCase())
  const clash = e.secrets.find((n) => plain.includes(e.transport.type === 'stdio' ? n : n.toLowerCase()))
  if (clash) {
    const where = e.transport.type === 'stdio' ? 'env' : 'headers'
    throw KeelError.of('invalid-input', `Invalid MCP server: "${clash}" is both a secret and a plain ${where} value; keep it in one place.`, { field: `transport.${where}` })
  }
  return e
}
