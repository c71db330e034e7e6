// The configuration in force: the last good config.json, its revision, and the watcher that notices edits made
// outside Keel. In-app edits take the same path (write → reload → change event), so there is one way config
// changes reach sessions (invariant 6).
import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import type { ProviderEntry } from '../../../shared/domain'
import type { KeelErrorData } from '../../../shared/domain'
import { KeelError } from '../errors'
import type { ConfigBackend } from './config-backend'
import { EMPTY_CONFIG, KeelConfig, parseConfigText } from './config-schema'
import { retiredIdReused } from './retired-ids'

export type ConfigListener = (next: KeelConfig, prev: KeelConfig) => void
export type ConfigErrorListener = (error: KeelErrorData | null) => void

/**
 * Where retired entry ids are remembered beyond config.json (Keel's database): a file edited while Keel was closed
 * cannot bring a deleted entry's id back by dropping it from retiredProviderIds.
 */
export interface RetiredIdLedger {
  ids(): readonly string[]
  record(ids: readonly string[]): void
}

/** The fields that decide where and how requests for an entry go. A rename is not among them. */
// Hashed once per entry object: entries are values (a config revision brings new objects, and code that derives
// an entry copies it before changing it), and listing a page of sessions would otherwise hash per session.
const revisions = new WeakMap<ProviderEntry, string>()

export function entryRevision(entry: ProviderEntry): string {
  const known = revisions.get(entry)
  if (known !== undefined) return known
  const relevant = { kind: entry.kind, api: entry.api, baseUrl: entry.baseUrl, headers: entry.headers ?? {}, local: entry.local ?? null }
  const revision = createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 12)
  revisions.set(entry, revision)
  return revision
}

export class ConfigService {
  private config: KeelConfig = EMPTY_CONFIG
  private contentHash = ''
  private rev = 0
  private error: KeelErrorData | null = null
  private watcher: fs.FSWatcher | null = null
  private reloadTimer: NodeJS.Timeout | null = null
  /** Every entry id retired: remembered by the ledger, or seen retired in a config in force. Never accepted back. */
  private readonly retired = new Set<string>()
  /** Every MCP server id seen retired by this run: a hand edit cannot hand a deleted server's id (its grants) to another. */
  private readonly retiredMcp = new Set<string>()
  private readonly listeners = new Set<ConfigListener>()
  private readonly errorListeners = new Set<ConfigErrorListener>()

  readonly filePath: string

  constructor(
    private readonly backend: ConfigBackend,
    private readonly ledger: RetiredIdLedger | null = null,
  ) {
    this.filePath = backend.path
    for (const id of ledger?.ids() ?? []) this.retired.add(id)
    this.reload()
  }

  current(): KeelConfig {
    return this.config
  }
  get revision(): number {
    return this.rev
  }
  get lastError(): KeelErrorData | null {
    return this.error
  }
  get watching(): boolean {
    return this.watcher !== null
  }
  /** The config as the file holds it now (re-read, not waiting for the watcher); the last good one while invalid. */
  latest(): KeelConfig {
    this.reload()
    return this.config
  }
  entry(id: string): ProviderEntry | undefined {
    return this.config.providers.find((p) => p.id === id)
  }

  onChange(listener: ConfigListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  onError(listener: ConfigErrorListener): () => void {
    this.errorListeners.add(listener)
    return () => this.errorListeners.delete(listener)
  }

  /** Re-reads the file. A valid new content becomes the config in force; an invalid one is reported and ignored. */
  reload(): void {
    let text: string
    try {
      text = fs.existsSync(this.filePath) ? fs.readFileSync(this.filePath, 'utf8') : ''
    } catch {
      this.setError(KeelError.of('config-invalid', `config.json could not be read.`, { field: '(file)', fix: `Check the permissions of ${this.filePath}.` }).data)
      return
    }
    const hash = createHash('sha256').update(text).digest('hex')
    if (hash === this.contentHash) {
      // Same content as the config in force (e.g. an invalid edit was undone): nothing changes but the error.
      if (this.error) this.setError(null)
      return
    }
    let next: KeelConfig
    try {
      next = parseConfigText(text, this.filePath)
    } catch (err) {
      this.setError((err as KeelError).data)
      return
    }
    // An entry under a retired id is refused first: that is the change that would move sessions to a stranger.
    const reused = retiredIdReused(next, this.retired, this.filePath)
    if (reused) {
      this.setError(reused.data)
      return
    }
    // Un-retiring is refused too: the ids this Keel has seen retired stay retired, whatever the file says now.
    const unretired = [...this.retired].filter((id) => !next.retiredProviderIds.includes(id))
    if (unretired.length > 0) {
      this.setError(
        KeelError.of('config-invalid', `config.json: retiredProviderIds: "${unretired[0]}" was removed, but the id of a deleted entry stays retired.`, {
          field: 'retiredProviderIds',
          fix: `Put "${unretired[0]}" back into retiredProviderIds in ${this.filePath} (and give any new entry a new id); Keel keeps using the last good configuration until then.`,
        }).data,
      )
      return
    }
    const mcpRefusal = this.retiredMcpServerRefusal(next)
    if (mcpRefusal) {
      this.setError(mcpRefusal.data)
      return
    }
    for (const id of next.retiredMcpServerIds) this.retiredMcp.add(id)
    const newlyRetired = next.retiredProviderIds.filter((id) => !this.retired.has(id))
    for (const id of newlyRetired) this.retired.add(id)
    // The database learns the file's retirements (at the first start with this ledger, those listed before it
    // existed). A write that fails (a full disk) loses nothing: the file lists them, and the next start records them.
    if (newlyRetired.length > 0) {
      try {
        this.ledger?.record(newlyRetired)
      } catch {
        // Known to this run (this.retired) either way.
      }
    }
    const prev = this.config
    this.config = next
    this.contentHash = hash
    this.rev += 1
    if (this.error) this.setError(null)
    for (const l of this.listeners) l(next, prev)
  }

  /**
   * Applies an in-app edit: reads the file as it is now, applies `mutate` to that content (never to a copy the
   * watcher has not caught up with yet, so an outside edit made a moment ago is kept), validates, writes through
   * the backend (atomically: temp file + rename), then reloads like any other edit. Refused while the file on
   * disk is invalid, so Keel never overwrites a file the user is in the middle of fixing. `mutate` may throw a
   * KeelError (e.g. the entry it edits is gone from the file).
   */
  update(mutate: (cfg: KeelConfig) => KeelConfig): KeelConfig {
    for (let attempt = 0; ; attempt += 1) {
      this.reload()
      if (this.error) {
        throw KeelError.of('config-invalid', `config.json is invalid, so Keel will not overwrite it: ${this.error.message}`, {
          field: this.error.field,
          fix: this.error.fix,
        })
      }
      const basis = this.contentHash
      const next = KeelConfig.safeParse(mutate(structuredClone(this.config)))
      if (!next.success) {
        const issue = next.error.issues[0]!
        const what = issue.path[0] === 'mcpServers' ? 'MCP server settings' : 'provider settings'
        throw KeelError.of('invalid-input', `Invalid ${what}: ${issue.path.join('.')}: ${issue.message}.`, { field: issue.path.join('.') })
      }
      // The file changed between the read and now: apply the edit again to what it holds (a few tries only).
      if (this.diskHash() !== basis && attempt < 3) continue
      fs.mkdirSync(path.dirname(this.filePath), { recursive: true })
      this.backend.write(next.data as unknown as Record<string, unknown>)
      this.reload()
      return this.config
    }
  }

  /** An MCP server under an id this run saw retired, or a retired id dropped from the list: refused, naming the field. */
  private retiredMcpServerRefusal(next: KeelConfig): KeelError | null {
    const i = next.mcpServers.findIndex((s) => this.retiredMcp.has(s.id))
    if (i >= 0) {
      const id = next.mcpServers[i]!.id
      return KeelError.of('config-invalid', `config.json: mcpServers[${i}].id: "${id}" is the id of a deleted MCP server and ids are never reused; give this server a new id.`, {
        field: `mcpServers[${i}].id`,
        fix: `Give the server "${id}" in ${this.filePath} a new id (and keep "${id}" in retiredMcpServerIds); Keel keeps using the last good configuration until then.`,
      })
    }
    const unretired = [...this.retiredMcp].find((id) => !next.retiredMcpServerIds.includes(id))
    if (unretired === undefined) return null
    return KeelError.of('config-invalid', `config.json: retiredMcpServerIds: "${unretired}" was removed, but the id of a deleted MCP server stays retired.`, {
      field: 'retiredMcpServerIds',
      fix: `Put "${unretired}" back into retiredMcpServerIds in ${this.filePath}; Keel keeps using the last good configuration until then.`,
    })
  }

  private diskHash(): string | null {
    try {
      const text = fs.existsSync(this.filePath) ? fs.readFileSync(this.filePath, 'utf8') : ''
      return createHash('sha256').update(text).digest('hex')
    } catch {
      return null
    }
  }

  /** Watches the directory (editors replace files, which a file watch would lose) and reloads on change. */
  watch(): void {
    if (this.watcher) return
    fs.mkdirSync(path.dirname(this.filePath), { recursive: true })
    const name = path.basename(this.filePath)
    this.watcher = fs.watch(path.dirname(this.filePath), (_event, filename) => {
      if (filename !== null && filename !== name) return
      // Coalesce the burst of events one save produces (truncate + write, or rename + create).
      if (this.reloadTimer) clearTimeout(this.reloadTimer)
      this.reloadTimer = setTimeout(() => {
        this.reloadTimer = null
        this.reload()
      }, 40)
    })
    this.watcher.on('error', () => this.unwatch())
  }

  unwatch(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer)
    this.reloadTimer = null
    this.watcher?.close()
    this.watcher = null
  }

  private setError(error: KeelErrorData | null): void {
    const changed = this.error?.message !== error?.message
    this.error = error
    if (changed) for (const l of this.errorListeners) l(error)
  }
}
