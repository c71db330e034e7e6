// The database's memory of retired provider entry ids (migration 005): the config service consults it, so a
// retirement survives an edit of config.json made while Keel was closed.
import type Database from 'better-sqlite3'
import type { RetiredIdLedger } from '../config/config-service'

export type RetirementSource = 'deleted' | 'config'

export class RetiredEntries implements RetiredIdLedger {
  /** What this run knows: the table's rows plus whatever a read-only database could not take. */
  private readonly known = new Set<string>()

  constructor(private readonly db: Database.Database) {
    for (const row of db.prepare('SELECT entry_id FROM retired_entries').all() as Array<{ entry_id: string }>) this.known.add(row.entry_id)
  }

  ids(): readonly string[] {
    return [...this.known]
  }

  has(id: string): boolean {
    return this.known.has(id)
  }

  /**
   * Remembers ids as retired. A deletion in Keel is recorded as such even when the config's list (read back a
   * moment earlier) recorded the id first. The ids are known to this run even if the write fails (a full or
   * read-only disk); the config's list records them again at the next start.
   */
  record(ids: readonly string[], source: RetirementSource = 'config'): void {
    const fresh = source === 'deleted' ? ids : ids.filter((id) => !this.known.has(id))
    for (const id of ids) this.known.add(id)
    if (fresh.length === 0) return
    const insert = this.db.prepare(
      `INSERT INTO retired_entries (entry_id, retired_at, source) VALUES (?, ?, ?)
       ON CONFLICT(entry_id) DO UPDATE SET source = excluded.source WHERE excluded.source = 'deleted'`,
    )
    const at = Date.now()
    this.db.transaction(() => {
      for (const id of fresh) insert.run(id, at, source)
    })()
  }
}
