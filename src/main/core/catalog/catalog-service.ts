// Model catalogs per entry: live from the entry's models endpoint, else the static list from config. Cached in
// memory by catalog namespace (entry id + base URL + credential reference) so one entry's models never appear
// under another's.
import type { ModelList, ProviderEntry } from '../../../shared/domain'
import { KeelError, toErrorData } from '../errors'
import { catalogNamespaceOf } from '../identity/resolve'
import { anthropicClient, openaiClient } from '../providers/provider-client'
import { classifyProviderError } from '../providers/provider-errors'
import type { Keychain } from '../secrets/keychain'

export const CATALOG_TTL_MS = 10 * 60 * 1000

interface CachedCatalog {
  models: string[]
  fetchedAt: number
}

export class CatalogService {
  private readonly cache = new Map<string, CachedCatalog>()

  constructor(private readonly keychain: Keychain) {}

  /** The one invalidation path: entry edits, key changes and "Clear caches" all come here. */
  invalidate(entryId?: string): void {
    for (const ns of [...this.cache.keys()]) if (entryId === undefined || ns.startsWith(`${entryId}|`)) this.cache.delete(ns)
  }

  async list(entry: ProviderEntry, refresh = false): Promise<ModelList> {
    const ns = catalogNamespaceOf(entry)
    const cached = this.cache.get(ns)
    const staticList = entry.models ?? []
    if (cached && !refresh && Date.now() - cached.fetchedAt < CATALOG_TTL_MS) {
      return { entryId: entry.id, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error: null }
    }
    try {
      const models = await this.fetchLive(entry)
      const fetchedAt = Date.now()
      this.cache.set(ns, { models, fetchedAt })
      return { entryId: entry.id, models, source: 'live', fetchedAt, error: null }
    } catch (err) {
      const error = toErrorData(err)
      if (cached) return { entryId: entry.id, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error }
      if (staticList.length > 0) return { entryId: entry.id, models: staticList, source: 'static', fetchedAt: null, error }
      return { entryId: entry.id, models: [], source: 'none', fetchedAt: null, error }
    }
  }

  private async fetchLive(entry: ProviderEntry): Promise<string[]> {
    const key = await this.keychain.readKey(entry.id)
    try {
      if (entry.api === 'anthropic-messages') {
        const page = await anthropicClient(entry, entry.baseUrl, key).models.list({ limit: 1000 })
        return page.data.map((m) => m.id)
      }
      const page = await openaiClient(entry, entry.baseUrl, key).models.list()
      return page.data.map((m) => m.id).sort()
    } catch (err) {
      const error = classifyProviderError(err, { entryId: entry.id, entryName: entry.name, baseUrl: entry.baseUrl, model: '' }, key)
      if (error.data.kind === 'model-not-found') {
        throw KeelError.of('not-found', `"${entry.name}" offers no models list at ${entry.baseUrl}.`, { entryId: entry.id, fix: 'Type the model id, or add a static "models" list to this entry.' })
      }
      throw error
    }
  }
}
