// Model catalogs per entry: live from the entry's models endpoint, else the static list from config. Cached in
// SQLite by catalog namespace (entry id + base URL + credential reference) with fetched-at, so one entry's
// models never appear under another's, and `invalidate` is the one way a cache is dropped (invariant 7).
import type Database from 'better-sqlite3'
import type { ModelList, ProviderEntry } from '../../../shared/domain'
import { KeelError, toErrorData } from '../errors'
import { catalogNamespaceOf } from '../identity/resolve'
import { anthropicClient, openaiClient } from '../providers/provider-client'
import { classifyProviderError, providerSecrets, redact } from '../providers/provider-errors'
import { keychainAccount, type Keychain } from '../secrets/keychain'

export const CATALOG_TTL_MS = 10 * 60 * 1000

export interface CachedCatalog {
  namespace: string
  models: string[]
  fetchedAt: number
}

export class CatalogService {
  constructor(
    private readonly db: Database.Database,
    private readonly keychain: Keychain,
  ) {}

  /** The one invalidation path: entry edits, key changes and "Clear caches" all come here. */
  invalidate(entryId?: string): void {
    if (entryId === undefined) this.db.prepare('DELETE FROM model_catalogs').run()
    else this.db.prepare('DELETE FROM model_catalogs WHERE entry_id = ?').run(entryId)
  }

  cached(namespace: string): CachedCatalog | null {
    const row = this.db.prepare('SELECT namespace, models_json, fetched_at FROM model_catalogs WHERE namespace = ?').get(namespace) as
      | { namespace: string; models_json: string; fetched_at: number }
      | undefined
    return row ? { namespace: row.namespace, models: JSON.parse(row.models_json) as string[], fetchedAt: row.fetched_at } : null
  }

  private store(entry: ProviderEntry, models: string[], fetchedAt: number): void {
    this.db
      .prepare(
        `INSERT INTO model_catalogs (namespace, entry_id, base_url, credential_ref, models_json, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(namespace) DO UPDATE SET models_json = excluded.models_json, fetched_at = excluded.fetched_at`,
      )
      .run(catalogNamespaceOf(entry), entry.id, entry.baseUrl, keychainAccount(entry.id), JSON.stringify(models), fetchedAt)
  }

  /** The entry's models: a fresh cache, else live (refresh forces live), else the stale cache or the static list. */
  async list(entry: ProviderEntry, refresh = false): Promise<ModelList> {
    const namespace = catalogNamespaceOf(entry)
    const cached = this.cached(namespace)
    const base = { entryId: entry.id, namespace }
    if (cached && !refresh && Date.now() - cached.fetchedAt < CATALOG_TTL_MS) {
      return { ...base, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error: null }
    }
    try {
      const models = await this.fetchLive(entry)
      const fetchedAt = Date.now()
      this.store(entry, models, fetchedAt)
      return { ...base, models, source: 'live', fetchedAt, error: null }
    } catch (err) {
      const error = toErrorData(err)
      if (cached) return { ...base, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error }
      if (entry.models && entry.models.length > 0) return { ...base, models: entry.models, source: 'static', fetchedAt: null, error }
      return { ...base, models: [], source: 'none', fetchedAt: null, error }
    }
  }

  private async fetchLive(entry: ProviderEntry): Promise<string[]> {
    const key = await this.keychain.readKey(entry.id)
    // A listing is provider text too: an id that echoes a secret is dropped, never cached or shown.
    const withoutSecrets = (ids: string[]) => ids.filter((id) => redact(id, providerSecrets(entry, key)) === id)
    try {
      if (entry.api === 'anthropic-messages') {
        const page = await anthropicClient(entry, entry.baseUrl, key).models.list({ limit: 1000 })
        return withoutSecrets(page.data.map((m) => m.id))
      }
      const page = await openaiClient(entry, entry.baseUrl, key).models.list()
      return withoutSecrets(page.data.map((m) => m.id).sort())
    } catch (err) {
      const error = classifyProviderError(err, { entryId: entry.id, entryName: entry.name, baseUrl: entry.baseUrl, model: '' }, providerSecrets(entry, key))
      if (error.data.kind === 'model-not-found') {
        throw KeelError.of('not-found', `"${entry.name}" offers no models list at ${entry.baseUrl}.`, { entryId: entry.id, fix: 'Type the model id, or add a static "models" list to this entry.' })
      }
      throw error
    }
  }
}
