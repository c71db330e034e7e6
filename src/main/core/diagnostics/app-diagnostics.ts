// The app half of diagnostics: where things live and whether they are healthy.
import type Database from 'better-sqlite3'
import type { AppDiagnostics } from '../../../shared/domain'

export function databaseIntegrity(db: Database.Database): string {
  try {
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>
    return rows.map((r) => r.quick_check).join('; ')
  } catch (err) {
    return err instanceof Error ? `check failed: ${err.message}` : 'check failed'
  }
}

export function migrationRecords(db: Database.Database, limit = 20): AppDiagnostics['migrations'] {
  const rows = db.prepare('SELECT at, version, summary, details_json FROM migration_log ORDER BY id DESC LIMIT ?').all(limit) as Array<{ at: number; version: number; summary: string; details_json: string }>
  return rows.map((r) => ({ at: r.at, version: r.version, summary: r.summary, details: JSON.parse(r.details_json) as unknown[] }))
}

/** Keel reads keys from the OS keychain only; this sentence is shown in diagnostics and the README. */
export const KEY_SOURCE_ORDER = 'OS keychain only (service/account provider:<entry id>); environment variables are never consulted'
