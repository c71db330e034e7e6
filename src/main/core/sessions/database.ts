// Opens keel.db: WAL, foreign keys, a guard against newer schemas, a backup before migrating, then the migrations.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { KeelError } from '../errors'
import { MIGRATIONS, type Migration } from './migrations/index'
import { diskFullAtStartup, storageFaultKind } from '../storage/storage-faults'

export interface OpenedDatabase {
  db: Database.Database
  path: string
  schemaVersion: number
  /** The backup written before this open migrated the file, if any. */
  backupPath: string | null
  /** Opened read-only because its directory cannot be written: reads work, every write fails SQLITE_READONLY. */
  readOnly: boolean
}

function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

function databaseError(file: string, err: unknown): KeelError {
  if (storageFaultKind(err) === 'disk-full') return diskFullAtStartup(path.dirname(file))
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

/** The schema version, read now: a file SQLite cannot read fails here (not at the open), and is closed. */
function versionOrClose(db: Database.Database): number {
  try {
    return schemaVersionOf(db)
  } catch (err) {
    db.close()
    throw err
  }
}

/**
 * Opens the database for reading only, for a data directory Keel cannot write: the user still sees sessions and
 * history, and each write is refused with SQLITE_READONLY (which Keel reports as such). A WAL database cannot be
 * opened in place without creating its -shm file, so the fallback reads a copy of the file into memory, read-only.
 */
function openReadOnly(file: string, latest: number): OpenedDatabase {
  let db: Database.Database
  let version: number
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    version = versionOrClose(db)
  } catch {
    try {
      const image = fs.readFileSync(file)
      // Header bytes 18-19 say "WAL" (2); an in-memory image must say rollback journal (1) or SQLite won't read it.
      if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1
      db = new Database(image, { readonly: true })
      // A file SQLite cannot read fails at the first read, not at the open: read here, so that it gets the same
      // "damaged" error (and fix) as in a writable directory rather than SQLite's bare message.
      version = versionOrClose(db)
    } catch (err) {
      throw databaseError(file, err)
    }
  }
  if (version !== latest) {
    db.close()
    throw KeelError.of('read-only', `The session database ${file} needs an upgrade (schema ${version} → ${latest}), but its directory is read-only.`, {
      fix: `Make ${path.dirname(file)} writable so Keel can back the database up and upgrade it, then start Keel again.`,
    })
  }
  db.pragma('foreign_keys = ON')
  db.pragma('query_only = ON')
  return { db, path: file, schemaVersion: version, backupPath: null, readOnly: true }
}

export function openDatabase(file: string, backupsDir: string, migrations: readonly Migration[] = MIGRATIONS, options: { readOnly?: boolean } = {}): OpenedDatabase {
  const latest = migrations[migrations.length - 1]!.version
  if (options.readOnly) {
    if (fs.existsSync(file)) return openReadOnly(file, latest)
    // Nothing to read and nowhere to write: an empty database in memory, made read-only (query_only) so that
    // writes are refused exactly as they would be on disk, never kept in memory and lost.
    const db = new Database(':memory:')
    for (const migration of migrations) migration.up(db)
    db.pragma(`user_version = ${latest}`)
    db.pragma('query_only = ON')
    return { db, path: file, schemaVersion: latest, backupPath: null, readOnly: true }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const existed = fs.existsSync(file) && fs.statSync(file).size > 0
  let db: Database.Database
  let version: number
  try {
    db = new Database(file)
  } catch (err) {
    throw databaseError(file, err)
  }
  try {
    // A damaged file opens and fails at the first read: closed there, so that it can be moved aside at once.
    version = versionOrClose(db)
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
  try {
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
  } catch (err) {
    // Each migration is one transaction, so a full disk leaves the file as it was (or one whole step further).
    db.close()
    if (storageFaultKind(err) === 'disk-full') throw diskFullAtStartup(path.dirname(file))
    throw err
  }
  return { db, path: file, schemaVersion: schemaVersionOf(db), backupPath, readOnly: false }
}
