// The only writer of the binding columns (invariant 1). Every write is canonicalized first; a test checks that no
// other module mentions these columns in a write statement.
import type Database from 'better-sqlite3'
import type { Binding, BindingMode, ProviderEntry } from '../../../shared/domain'
import { canonicalizeBinding } from './canonicalize'

export interface StoredBinding {
  entryId: string | null
  model: string | null
  mode: BindingMode
}

export class BindingStore {
  constructor(private readonly db: Database.Database) {}

  read(sessionId: string): StoredBinding | null {
    const row = this.db
      .prepare('SELECT binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id = ?')
      .get(sessionId) as StoredBinding | undefined
    return row ?? null
  }

  /** Canonicalizes and writes; returns what was written and what canonicalization changed. */
  write(sessionId: string, request: { entryId: string; model: string; mode: BindingMode }, providers: readonly ProviderEntry[]): { binding: Binding; changes: string[] } {
    const canonical = canonicalizeBinding(request, providers)
    this.db
      .prepare('UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = ? WHERE id = ?')
      .run(canonical.entryId, canonical.model, request.mode, sessionId)
    return { binding: { entryId: canonical.entryId, model: canonical.model, mode: request.mode }, changes: canonical.changes }
  }

  /** Rows whose stored binding is not what canonicalization would write (legacy rows), for repair and the doctor. */
  nonCanonical(providers: readonly ProviderEntry[]): Array<{ sessionId: string; entryId: string; model: string; mode: BindingMode }> {
    const rows = this.db
      .prepare("SELECT id AS sessionId, binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE binding_entry_id IS NOT NULL AND binding_model IS NOT NULL")
      .all() as Array<{ sessionId: string; entryId: string; model: string; mode: BindingMode }>
    return rows.filter((r) => {
      try {
        const c = canonicalizeBinding(r, providers)
        return c.changes.length > 0
      } catch {
        return true
      }
    })
  }
}
