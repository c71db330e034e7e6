// The startup repair of legacy binding rows (invariant 5): rows written by older versions or other tools
// (`openai-codex`, `openai-codex/gpt-5.5`, `lmstudio/qwen/qwen3.6-27b` on an LM Studio listing `qwen/qwen3.6-27b`)
// are canonicalized — after a database backup — through the one binding writer, and what changed is recorded in
// migration_log for diagnostics.
// Rows that cannot be canonicalized (a bare resolved class such as "custom" names no entry) are left for the user
// to re-bind: Keel never guesses an entry from a base URL. Rows held by a Keep are left too, as at a turn
// (canonicalizeAtTurn): the Keep names the row's binding, and a rewritten row would end it in silence — the next
// send would go to the new config the user chose not to use.
import type Database from 'better-sqlite3'
import type { ProviderEntry } from '../../../shared/domain'
import { backupDatabase } from '../sessions/database'
import { BindingStore } from './binding-store'
import { KeptRuntimeStore } from './kept-runtime-store'

export interface RepairReport {
  backupPath: string | null
  repaired: Array<{ sessionId: string; from: { entryId: string; model: string }; to: { entryId: string; model: string }; changes: string[] }>
  unrepairable: Array<{ sessionId: string; entryId: string; model: string; reason: string }>
}

export function repairBindings(db: Database.Database, providers: readonly ProviderEntry[], backupsDir: string, schemaVersion: number): RepairReport {
  const store = new BindingStore(db)
  const kept = new KeptRuntimeStore(db)
  const candidates = store.nonCanonical(providers).filter((row) => !kept.read(row.sessionId))
  const report: RepairReport = { backupPath: null, repaired: [], unrepairable: [] }
  const fixable: Array<{ row: (typeof candidates)[number]; to: { entryId: string; model: string }; changes: string[] }> = []
  for (const row of candidates) {
    try {
      const c = store.canonicalize(row, providers)
      fixable.push({ row, to: { entryId: c.entryId, model: c.model }, changes: c.changes })
    } catch (err) {
      report.unrepairable.push({ sessionId: row.sessionId, entryId: row.entryId, model: row.model, reason: err instanceof Error ? err.message : 'invalid binding' })
    }
  }
  if (fixable.length === 0) return report
  report.backupPath = backupDatabase(db, backupsDir, 'before-binding-repair')
  db.transaction(() => {
    for (const f of fixable) {
      store.write(f.row.sessionId, { ...f.to, mode: f.row.mode }, providers)
      report.repaired.push({ sessionId: f.row.sessionId, from: { entryId: f.row.entryId, model: f.row.model }, to: f.to, changes: f.changes })
    }
    db.prepare('INSERT INTO migration_log (at, version, summary, details_json) VALUES (?, ?, ?, ?)').run(
      Date.now(),
      schemaVersion,
      `binding repair: canonicalized ${fixable.length} session binding${fixable.length === 1 ? '' : 's'} (backup ${report.backupPath})`,
      JSON.stringify(report.repaired),
    )
  })()
  return report
}
