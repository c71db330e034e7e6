// Model catalogs per entry: live from the entry's models endpoint, else the static list from config. Cached in
// SQLite by catalog namespace (entry id + base URL + credential reference) with fetched-at, so one entry's
// models never appear under another's, and `invalidate` is the one way a cache is dropped (invariant 7).
import type Database from 'better-sqlite3'
import type { ModelList, ProviderEntry } from '../../../shared/domain'
import { KeelError, toErrorData } from '../errors'
import { catalogNamespaceOf, credentialRefOf } from '../identity/resolve'
import { anthropicClient, openaiClient } from '../providers/provider-client'
import { classifyProviderError, providerSecrets, redact } from '../providers/provider-errors'
import { RequestDeadline } from '../providers/request-deadline'
import { keyFingerprint, type Keychain } from '../secrets/keychain'
import { openRouterPrices } from '../usage/prices'
import type { ModelPrice } from '../../../shared/usage'

export const CATALOG_TTL_MS = 10 * 60 * 1000

export interface CachedCatalog {
  namespace: string
  models: string[]
  fetchedAt: number
  /** The listed models the list said take no image input; null when it said nothing about input types. */
  textOnly: string[] | null
}

/**
 * Every model id an entry's cached catalogs list at its current base URL (any credential): what the provider is
 * known to offer, which canonicalization uses to tell an entry prefix from part of the provider's own id. Reads
 * only; a database made before catalogs existed knows none.
 */
export function cachedModelIds(db: Database.Database, entry: Pick<ProviderEntry, 'id' | 'baseUrl'>): string[] {
  let rows: Array<{ models_json: string }>
  try {
    rows = db.prepare('SELECT models_json FROM model_catalogs WHERE entry_id = ? AND base_url = ?').all(entry.id, entry.baseUrl) as Array<{ models_json: string }>
  } catch {
    return []
  }
  return [...new Set(rows.flatMap((r) => JSON.parse(r.models_json) as string[]))]
}

export class CatalogService {
  constructor(
    private readonly db: Database.Database,
    private readonly keychain: Keychain,
    /** A live list that carried prices (OpenRouter's `pricing`): the caller prefills the price table with them. */
    private readonly onPrices?: (entry: ProviderEntry, prices: Record<string, ModelPrice>) => void,
  ) {}

  /** The one invalidation path: entry edits, key changes and "Clear caches" all come here. */
  invalidate(entryId?: string): void {
    if (entryId === undefined) this.db.prepare('DELETE FROM model_catalogs').run()
    else this.db.prepare('DELETE FROM model_catalogs WHERE entry_id = ?').run(entryId)
  }

  cached(namespace: string): CachedCatalog | null {
    const row = this.db.prepare('SELECT namespace, models_json, fetched_at, text_only_json FROM model_catalogs WHERE namespace = ?').get(namespace) as
      | { namespace: string; models_json: string; fetched_at: number; text_only_json: string | null }
      | undefined
    return row
      ? { namespace: row.namespace, models: JSON.parse(row.models_json) as string[], fetchedAt: row.fetched_at, textOnly: row.text_only_json === null ? null : (JSON.parse(row.text_only_json) as string[]) }
      : null
  }

  private store(entry: ProviderEntry, fingerprint: string | null, models: string[], fetchedAt: number, textOnly: string[] | null): void {
    this.db
      .prepare(
        `INSERT INTO model_catalogs (namespace, entry_id, base_url, credential_ref, models_json, fetched_at, text_only_json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(namespace) DO UPDATE SET models_json = excluded.models_json, fetched_at = excluded.fetched_at, text_only_json = excluded.text_only_json`,
      )
      .run(catalogNamespaceOf(entry, fingerprint), entry.id, entry.baseUrl, credentialRefOf(entry.id, fingerprint), JSON.stringify(models), fetchedAt, textOnly === null ? null : JSON.stringify(textOnly))
  }

  /**
   * Whether the entry's model list says `model` takes image input: false when the list reports input types and this
   * model's lack images, null when the list says nothing (then only the provider's error can tell). Uses the cached
   * list while it is fresh, else fetches it (a models request, never a completion).
   */
  async acceptsImages(entry: ProviderEntry, model: string): Promise<boolean | null> {
    const list = await this.list(entry)
    const textOnly = this.cached(list.namespace)?.textOnly ?? null
    if (textOnly === null) return null
    return !textOnly.includes(model)
  }

  /**
   * The entry's models: a fresh cache, else live (refresh forces live), else the stale cache or the static list.
   * The namespace follows the key in the keychain now (by fingerprint), so a key rotated outside Keel is a new
   * namespace and its list is fetched with that key, never served from the old key's cache.
   */
  async list(entry: ProviderEntry, refresh = false): Promise<ModelList> {
    let key: string | null = null
    let keyError: KeelError | null = null
    try {
      key = await this.keychain.readKey(entry.id)
    } catch (err) {
      keyError = err instanceof KeelError ? err : KeelError.of('keychain-unavailable', 'The OS keychain could not be used.')
    }
    const namespace = catalogNamespaceOf(entry, key === null ? null : keyFingerprint(key))
    const cached = this.cached(namespace)
    const base = { entryId: entry.id, namespace }
    if (cached && !refresh && Date.now() - cached.fetchedAt < CATALOG_TTL_MS) {
      return { ...base, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error: null }
    }
    try {
      // Without the keychain the credential is unknown: nothing is fetched with a guessed (absent) key.
      if (keyError) throw keyError
      const { models, textOnly } = await this.fetchLive(entry, key)
      const fetchedAt = Date.now()
      this.store(entry, key === null ? null : keyFingerprint(key), models, fetchedAt, textOnly)
      return { ...base, models, source: 'live', fetchedAt, error: null }
    } catch (err) {
      const error = toErrorData(err)
      if (cached) return { ...base, models: cached.models, source: 'cache', fetchedAt: cached.fetchedAt, error }
      if (entry.models && entry.models.length > 0) return { ...base, models: entry.models, source: 'static', fetchedAt: null, error }
      return { ...base, models: [], source: 'none', fetchedAt: null, error }
    }
  }

  private async fetchLive(entry: ProviderEntry, key: string | null): Promise<{ models: string[]; textOnly: string[] | null }> {
    // A listing is provider text too: an id that echoes a secret is dropped, never cached or shown.
    // One secrets list for the whole listing, so its patterns are compiled once, not once per id.
    const secrets = providerSecrets(entry, key)
    const withoutSecrets = (ids: string[]) => ids.filter((id) => redact(id, secrets) === id)
    // The entry's first-byte timeout bounds the request (the SDK's own timeout, 10 s later, is only a backstop).
    const deadline = new RequestDeadline(entry, 'its model list')
    const transport = { fetch: deadline.fetch, timeoutMs: deadline.ms + 10_000 }
    try {
      if (entry.api === 'anthropic-messages') {
        const page = await anthropicClient(entry, entry.baseUrl, key, transport).models.list({ limit: 1000 }, { signal: deadline.signal })
        return { models: withoutSecrets(page.data.map((m) => m.id)), textOnly: null }
      }
      const page = await openaiClient(entry, entry.baseUrl, key, transport).models.list({ signal: deadline.signal })
      const ids = withoutSecrets(page.data.map((m) => m.id).sort())
      // Only a list that states prices prefills them (OpenRouter's does); nothing is ever guessed for the others.
      const prices = openRouterPrices({ data: page.data.filter((m) => ids.includes(m.id)) })
      if (Object.keys(prices).length > 0) this.onPrices?.(entry, prices)
      return { models: ids, textOnly: textOnlyModels(page.data.filter((m) => ids.includes(m.id))) }
    } catch (err) {
      if (deadline.problem) throw deadline.problem
      const error = classifyProviderError(err, { entryId: entry.id, entryName: entry.name, baseUrl: entry.baseUrl, model: '' }, providerSecrets(entry, key))
      if (error.data.kind === 'model-not-found') {
        throw KeelError.of('not-found', `"${entry.name}" offers no models list at ${entry.baseUrl}.`, { entryId: entry.id, fix: 'Type the model id, or add a static "models" list to this entry.' })
      }
      throw error
    } finally {
      deadline.dispose()
    }
  }
}

/**
 * The models a list says take no image input, from OpenRouter's `architecture.input_modalities` (["text", "image",
 * …]); null when no model of the list states its input types (most providers' lists do not).
 */
export function textOnlyModels(data: readonly unknown[]): string[] | null {
  let stated = false
  const out: string[] = []
  for (const m of data) {
    const { id, architecture } = m as { id?: unknown; architecture?: { input_modalities?: unknown } }
    const inputs = architecture?.input_modalities
    if (typeof id !== 'string' || !Array.isArray(inputs)) continue
    stated = true
    if (!inputs.includes('image')) out.push(id)
  }
  return stated ? out : null
}
