// A database as an older Keel made it: the real migrations up to and including one version, opened through
// openDatabase the way that version opened it. Migration tests start from here and then open the data dir with
// the current Keel, so that every schema change is tested on a database made by the previous schema.
import type Database from 'better-sqlite3'
import path from 'node:path'
import { expect } from 'vitest'
import { openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { tempDataDir } from './core-harness'

export interface DatabaseAtSchema {
  dataDir: string
  /** The database file, `fileName` in `dataDir`. */
  file: string
  /** Where openDatabase writes its backups (`dataDir`/backups), as Keel's own open does. */
  backups: string
  db: Database.Database
  /** What openDatabase reported; always `version`. */
  schemaVersion: number
}

/** Opens (creating) `fileName` in `dataDir` with the real migrations up to and including `version`. */
export function openAtSchema(version: number, dataDir = tempDataDir(), fileName = 'keel.db'): DatabaseAtSchema {
  const file = path.join(dataDir, fileName)
  const backups = path.join(dataDir, 'backups')
  const migrations = MIGRATIONS.filter((m) => m.version <= version)
  // A version with no migration of its own would silently give an older schema.
  expect(migrations.at(-1)?.version).toBe(version)
  const opened = openDatabase(file, backups, migrations)
  expect(opened.schemaVersion).toBe(version)
  expect(opened.db.pragma('user_version', { simple: true })).toBe(version)
  return { dataDir, file, backups, db: opened.db, schemaVersion: opened.schemaVersion }
}
