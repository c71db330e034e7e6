// Opens keel.db: WAL, foreign keys, a guard against newer schemas, a backup before migrating, then the migrations.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { KeelError } from '../errors'
import { MIGRATIONS, type Migration } from './migrations/index'

export interface OpenedDatabase {
  db: Database.Database
  path: string
  schemaVersion: number
  /** The backup written before this open migrated the file, if any. */
  backupPath: string | null
}

function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

function databaseError(file: string, err: unknown): KeelError {
  const text = err instanceof Error ? err.message : String(err)
  if (/not a database|malformed|corrupt/i.test(text)) {
    return KeelError.of('database', `The session database ${file} is damaged and cannot be opened.`, {
      fix: `Quit Keel and move ${path.basename(file)} aside (a backup may be in the backups folder next to it); Keel then starts with a fresh database.`,
    })
  }
  return KeelError.of('database', `The session database ${file} could not be opened.`, {
    fix: 'Check that the data directory is writable and that no other program holds the file.',
  })
}

export function backupDatabase(db: Database.Database, backupsDir: string, label: string): string {
  fs.mkdirSync(backupsDir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const target = path.join(backupsDir, `keel-${label}-${stamp}.db`)
  // VACUUM INTO writes a consistent copy even while WAL holds uncheckpointed pages.
  db.prepare('VACUUM INTO ?').run(target)
  return target
}

export function openDatabase(file: string, backupsDir: string, migrations: readonly Migration[] = MIGRATIONS): OpenedDatabase {
  const latest = migrations[migrations.length - 1]!.version
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const existed = fs.existsSync(file) && fs.statSync(file).size > 0
  let db: Database.Database
  let version: number
  try {
    db = new Database(file)
    version = schemaVersionOf(db)
  } catch (err) {
    throw databaseError(file, err)
  }
  if (version > latest) {
    db.close()
    throw KeelError.of(
      'database',
      `The session database was written by a newer version of Keel (schema ${version}; this Keel understands up to ${latest}). It was left untouched.`,
      { fix: 'Update Keel to the newest version, or run this version with another data directory (--data-dir).' },
    )
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL')
  } catch (err) {
    db.close()
    throw databaseError(file, err)
  }

  let backupPath: string | null = null
  const pending = migrations.filter((m) => m.version > version)
  if (pending.length > 0 && existed && version > 0) backupPath = backupDatabase(db, backupsDir, `before-v${pending[pending.length - 1]!.version}`)
  for (const migration of pending) {
    db.transaction(() => {
      const result = migration.up(db)
      db.prepare('INSERT INTO migration_log (at, version, summary, details_json) VALUES (?, ?, ?, ?)').run(
        Date.now(),
        migration.version,
        `${migration.name}: ${result.summary}`,
        JSON.stringify(result.details ?? []),
      )
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
  return { db, path: file, schemaVersion: schemaVersionOf(db), backupPath }
}
