// The persisted "Keep" decisions: a pinned session whose entry changed in config and whose user chose to stay on
// the previous runtime. Only the request-deciding fields are stored (kind, api, base URL, flags) — never header
// values, which may be credentials — with the entry revision that runtime had and the one it was kept against.
import type Database from 'better-sqlite3'
import type { ProviderEntry } from '../../../shared/domain'

/** The fields of the kept runtime that can be stored; headers are taken from the current entry when rebuilt. */
export type KeptFields = Pick<ProviderEntry, 'kind' | 'api' | 'baseUrl' | 'local' | 'auth'>

export interface KeptRuntime {
  sessionId: string
  entryId: string
  model: string
  /** The entry revision of the runtime that was kept (where requests go). */
  runtimeRevision: string
  /** The entry revision in config when the user chose Keep: a later change asks again. */
  keptAgainst: string
  runtime: KeptFields
  keptAt: number
}

export class KeptRuntimeStore {
  constructor(private readonly db: Database.Database) {}

  // Read for every session resolved without a live runtime (list pages): prepared once.
  private readStatement: Database.Statement | null = null

  read(sessionId: string): KeptRuntime | null {
    this.readStatement ??= this.db.prepare('SELECT * FROM kept_runtimes WHERE session_id = ?')
    const row = this.readStatement.get(sessionId) as
      | { session_id: string; entry_id: string; model: string; runtime_revision: string; kept_against_revision: string; runtime_json: string; kept_at: number }
      | undefined
    if (!row) return null
    return {
      sessionId: row.session_id,
      entryId: row.entry_id,
      model: row.model,
      runtimeRevision: row.runtime_revision,
      keptAgainst: row.kept_against_revision,
      runtime: JSON.parse(row.runtime_json) as KeptFields,
      keptAt: row.kept_at,
    }
  }

  write(kept: Omit<KeptRuntime, 'keptAt'>): void {
    const { kind, api, baseUrl, local, auth } = kept.runtime
    this.db
      .prepare(
        `INSERT INTO kept_runtimes (session_id, entry_id, model, runtime_revision, kept_against_revision, runtime_json, kept_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(session_id) DO UPDATE SET entry_id = excluded.entry_id, model = excluded.model, runtime_revision = excluded.runtime_revision,
           kept_against_revision = excluded.kept_against_revision, runtime_json = excluded.runtime_json, kept_at = excluded.kept_at`,
      )
      .run(kept.sessionId, kept.entryId, kept.model, kept.runtimeRevision, kept.keptAgainst, JSON.stringify({ kind, api, baseUrl, local, auth }), Date.now())
  }

  clear(sessionId: string): void {
    this.db.prepare('DELETE FROM kept_runtimes WHERE session_id = ?').run(sessionId)
  }
}
