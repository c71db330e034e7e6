// The only writer of the binding columns (invariant 1). Every write is canonicalized first; a test checks that no
// other module mentions these columns in a write statement.
import type Database from 'better-sqlite3'
import type { Binding, BindingMode, ProviderEntry } from '../../../shared/domain'
import { cachedModelIds } from '../catalog/catalog-service'
import { canonicalizeBinding, type BindingRequest, type CanonicalizeResult, type KnownModels } from './canonicalize'

export interface StoredBinding {
  entryId: string | null
  model: string | null
  mode: BindingMode
}

export class BindingStore {
  /** The models each entry is known to offer (its cached catalogs), for the canonicalize step. */
  readonly known: KnownModels

  constructor(private readonly db: Database.Database) {
    this.known = (entry) => cachedModelIds(this.db, entry)
  }

  /** The one canonicalize step, with what the database knows of each entry's models. */
  canonicalize(request: BindingRequest, providers: readonly ProviderEntry[]): CanonicalizeResult {
    return canonicalizeBinding(request, providers, this.known)
  }

  /** What canonicalization makes of a stored binding (what the startup repair writes); as is when it cannot. */
  canonicalOrAsIs(stored: StoredBinding, providers: readonly ProviderEntry[]): StoredBinding {
    if (!stored.entryId || !stored.model) return stored
    try {
      const c = this.canonicalize({ entryId: stored.entryId, model: stored.model }, providers)
      return { ...stored, entryId: c.entryId, model: c.model }
    } catch {
      return stored
    }
  }

  private readStatement: Database.Statement | null = null
  private readManyStatement: Database.Statement | null = null

  read(sessionId: string): StoredBinding | null {
    this.readStatement ??= this.db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id = ?')
    const row = this.readStatement.get(sessionId) as StoredBinding | undefined
    return row ?? null
  }

  /** The stored bindings of a page of sessions in one query (absent ids are left out). */
  readMany(sessionIds: readonly string[]): Map<string, StoredBinding> {
    if (sessionIds.length === 0) return new Map()
    this.readManyStatement ??= this.db.prepare(
      'SELECT id, binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id IN (SELECT value FROM json_each(?))',
    )
    const rows = this.readManyStatement.all(JSON.stringify(sessionIds)) as Array<StoredBinding & { id: string }>
    return new Map(rows.map(({ id, ...b }) => [id, b]))
  }

  /** Canonicalizes and writes; returns what was written and what canonicalization changed. */
  write(sessionId: string, request: { entryId: string; model: string; mode: BindingMode }, providers: readonly ProviderEntry[]): { binding: Binding; changes: string[] } {
    const canonical = this.canonicalize(request, providers)
    this.db
      .prepare('UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = ? WHERE id = ?')
      .run(canonical.entryId, canonical.model, request.mode, sessionId)
    return { binding: { entryId: canonical.entryId, model: canonical.model, mode: request.mode }, changes: canonical.changes }
  }

  /**
   * Bound to nothing, and not following the default either: an imported session keeps the models that wrote its
   * history, but runs on nothing until the user picks an entry (never guessed from a name or a URL, invariant 2).
   */
  unbind(sessionId: string): void {
    this.db.prepare("UPDATE sessions SET binding_entry_id = NULL, binding_model = NULL, binding_mode = 'pinned' WHERE id = ?").run(sessionId)
  }

  /** Rows whose stored binding is not what canonicalization would write (legacy rows), for repair and the doctor. */
  nonCanonical(providers: readonly ProviderEntry[]): Array<{ sessionId: string; entryId: string; model: string; mode: BindingMode }> {
    // Sessions share a handful of (entry, model) pairs: each distinct pair is judged once (read through the
    // sessions_by_binding index), and only the rows of pairs that need repair are read. Startup stays fast with
    // tens of thousands of sessions.
    const pairs = this.db
      .prepare('SELECT DISTINCT binding_entry_id AS entryId, binding_model AS model FROM sessions WHERE binding_entry_id IS NOT NULL AND binding_model IS NOT NULL')
      .all() as Array<{ entryId: string; model: string }>
    const repairable = pairs.filter((p) => {
      try {
        const c = this.canonicalize(p, providers)
        return c.changes.length > 0
      } catch {
        return true
      }
    })
    if (repairable.length === 0) return []
    const rowsOf = this.db.prepare('SELECT id AS sessionId, binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE binding_entry_id = ? AND binding_model = ?')
    return repairable.flatMap((p) => rowsOf.all(p.entryId, p.model) as Array<{ sessionId: string; entryId: string; model: string; mode: BindingMode }>)
  }
}
