// Restoring a backup replaces the data directory's database, config, preferences, attachments and tool results.
// A running Keel has its database open in every service, so a restore happens in two steps, each crash safe:
//   1. stageRestore (while Keel runs): the backup is checked, written to restore-incoming-<random>/, its database
//      opened and checked, and the folder renamed to restore-staged/ — that rename is the commit. A kill before it
//      leaves a stray folder (removed at the next start) and the data untouched.
//   2. applyPendingRestore (at the next start, after the data-dir lock and before the database opens): the data as
//      it is is backed up first (a before-restore backup), restore-staged/ is renamed to restore-applying/, then each
//      item is moved aside to restore-replaced/ and the restored one moved in. Every move is a rename and each item's
//      state is read from the disk, so a kill anywhere makes the next start finish the same restore; the old data
//      stays in the before-restore backup. Only when every item is in place does restore-applying/ go.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { PendingRestore } from '../../../shared/transfer'
import { KeelError } from '../errors'
import type { DataPaths } from '../paths'
import { LATEST_SCHEMA_VERSION } from '../sessions/migrations/index'
import { BACKED_UP_DIRS, BACKED_UP_FILES, BackupManifest, readBackup, writeBackup, writeFileDurably, type KeychainItemNeeded } from './backup-archive'

/** A test's window into the steps (it kills the process at one); the app passes nothing. */
export type RestoreStep = (step: string) => void | Promise<void>

const STAGED = 'restore-staged'
const APPLYING = 'restore-applying'
const REPLACED = 'restore-replaced'
const LAST_RESTORE = 'last-restore.json'
/** Inside the staged folder: the name of the before-restore backup written for it. */
const BEFORE_RESTORE = 'before-restore-backup.txt'
const STRAY = /^restore-(incoming|discard|done)-[0-9a-f]+$/

/** The items a restore replaces, in the order it moves them: the old database's -wal and -shm go first. */
const ITEMS = ['keel.db-wal', 'keel.db-shm', ...BACKED_UP_FILES, ...BACKED_UP_DIRS]

interface StagedInfo {
  from: string
  stagedAt: number
}

function readManifest(dir: string): (BackupManifest & { staged?: StagedInfo }) | null {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>
    const parsed = BackupManifest.safeParse(raw)
    if (!parsed.success) return null
    const staged = raw.staged as StagedInfo | undefined
    return { ...parsed.data, ...(staged && typeof staged.from === 'string' ? { staged } : {}) }
  } catch {
    return null
  }
}

/**
 * Checks a backup and stages it for the next start. Returns what will be restored. Throws (writing nothing that
 * stays) when the file is not a Keel backup, is damaged, or comes from a newer Keel.
 */
export async function stageRestore(paths: DataPaths, bytes: Uint8Array, from: string, keychainPresent: (needs: readonly KeychainItemNeeded[]) => Promise<Array<boolean | null>>, step?: RestoreStep): Promise<PendingRestore> {
  const { manifest, files } = readBackup(bytes)
  const incoming = path.join(paths.dataDir, `restore-incoming-${randomBytes(6).toString('hex')}`)
  fs.mkdirSync(incoming)
  try {
    for (const [rel, data] of files) {
      const target = path.join(incoming, ...rel.split('/'))
      fs.mkdirSync(path.dirname(target), { recursive: true })
      writeFileDurably(target, data)
      await step?.(`wrote ${rel}`)
    }
    checkDatabase(path.join(incoming, 'keel.db'), manifest.schemaVersion)
    const stagedAt = Date.now()
    writeFileDurably(path.join(incoming, 'manifest.json'), new TextEncoder().encode(JSON.stringify({ ...manifest, staged: { from, stagedAt } }, null, 2)))
    await step?.('staged files')
    // An earlier pending restore is replaced by this one (renamed away first: the commit below is one rename).
    const staged = path.join(paths.dataDir, STAGED)
    if (fs.existsSync(staged)) {
      const discard = path.join(paths.dataDir, `restore-discard-${randomBytes(6).toString('hex')}`)
      fs.renameSync(staged, discard)
      fs.rmSync(discard, { recursive: true, force: true })
    }
    fs.renameSync(incoming, staged)
  } catch (err) {
    fs.rmSync(incoming, { recursive: true, force: true })
    throw err
  }
  const present = await keychainPresent(manifest.keychain)
  return {
    from,
    createdAt: manifest.createdAt,
    schemaVersion: manifest.schemaVersion,
    sessions: manifest.sessions,
    keychain: manifest.keychain.map((k, i) => ({ ...k, present: present[i] ?? null })),
  }
}

/** The restored database opens, says the schema its manifest says, and passes SQLite's quick check. */
function checkDatabase(file: string, schemaVersion: number): void {
  let db: Database.Database
  try {
    db = new Database(file, { fileMustExist: true })
  } catch {
    throw KeelError.of('invalid-input', 'This backup is damaged: its database cannot be opened.', { fix: 'Pick another backup.' })
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > LATEST_SCHEMA_VERSION) throw KeelError.of('invalid-input', `This backup was made by a newer version of Keel (database schema ${version}; this Keel understands up to ${LATEST_SCHEMA_VERSION}). Nothing was changed.`, { fix: 'Update Keel, then restore it.' })
    if (version !== schemaVersion) throw KeelError.of('invalid-input', `This backup is damaged: its database is schema ${version}, its manifest says ${schemaVersion}.`, { fix: 'Pick another backup.' })
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw KeelError.of('invalid-input', 'This backup is damaged: its database fails SQLite\'s integrity check.', { fix: 'Pick another backup.' })
    db.pragma('journal_mode = DELETE')
  } catch (err) {
    if (err instanceof KeelError) throw err
    throw KeelError.of('invalid-input', 'This backup is damaged: its database cannot be read.', { fix: 'Pick another backup.' })
  } finally {
    db.close()
  }
}

/** The restore waiting for the next start, if any (read from restore-staged/manifest.json). */
export function pendingRestore(paths: DataPaths): PendingRestore | null {
  const m = readManifest(path.join(paths.dataDir, STAGED))
  if (!m) return null
  return { from: m.staged?.from ?? 'a backup', createdAt: m.createdAt, schemaVersion: m.schemaVersion, sessions: m.sessions, keychain: m.keychain.map((k) => ({ ...k, present: null })) }
}

/** Drops the restore waiting for the next start (Settings → Data → Cancel restore). */
export function cancelPendingRestore(paths: DataPaths): boolean {
  const staged = path.join(paths.dataDir, STAGED)
  if (!fs.existsSync(staged)) return false
  const discard = path.join(paths.dataDir, `restore-discard-${randomBytes(6).toString('hex')}`)
  fs.renameSync(staged, discard)
  fs.rmSync(discard, { recursive: true, force: true })
  return true
}

export interface AppliedRestore {
  at: number
  from: string
  beforeRestoreBackup: string | null
}

/** What the last restore applied at start did, for Settings → Data. */
export function lastRestore(paths: DataPaths): AppliedRestore | null {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(paths.dataDir, LAST_RESTORE), 'utf8')) as AppliedRestore
    return typeof raw.at === 'number' && typeof raw.from === 'string' ? { at: raw.at, from: raw.from, beforeRestoreBackup: typeof raw.beforeRestoreBackup === 'string' ? raw.beforeRestoreBackup : null } : null
  } catch {
    return null
  }
}

function moveAside(paths: DataPaths, item: string): void {
  const current = path.join(paths.dataDir, item)
  if (!fs.existsSync(current)) return
  const replaced = path.join(paths.dataDir, REPLACED)
  fs.mkdirSync(replaced, { recursive: true })
  fs.rmSync(path.join(replaced, item), { recursive: true, force: true })
  fs.renameSync(current, path.join(replaced, item))
}

/**
 * At start, before the database opens: finishes a staged or half-applied restore, and removes what a killed
 * staging left. Returns what it applied (null: nothing was pending). Must run with the data-dir lock held.
 */
export async function applyPendingRestore(paths: DataPaths, keychain: readonly KeychainItemNeeded[], step?: RestoreStep): Promise<AppliedRestore | null> {
  try {
    return await applySteps(paths, keychain, step)
  } catch (err) {
    if (err instanceof KeelError) throw err
    const code = (err as NodeJS.ErrnoException).code ?? 'an error'
    // Every step is a rename read back from the disk: the next start continues where this one stopped.
    throw KeelError.of('database', `Keel could not finish restoring a backup into ${paths.dataDir} (${code}); nothing was lost and the data is as the last completed step left it.`, {
      fix: code === 'ENOSPC' ? 'Free some disk space, then start Keel again: the restore continues where it stopped.' : 'Check that the data directory is writable, then start Keel again: the restore continues where it stopped.',
    })
  }
}

async function applySteps(paths: DataPaths, keychain: readonly KeychainItemNeeded[], step?: RestoreStep): Promise<AppliedRestore | null> {
  for (const name of safeReaddir(paths.dataDir)) if (STRAY.test(name)) fs.rmSync(path.join(paths.dataDir, name), { recursive: true, force: true })
  const staged = path.join(paths.dataDir, STAGED)
  const applying = path.join(paths.dataDir, APPLYING)
  if (fs.existsSync(staged) && !fs.existsSync(applying)) {
    if (!readManifest(staged)) {
      // Not a finished staging (it is renamed into place only when complete): nothing to apply.
      fs.rmSync(staged, { recursive: true, force: true })
      return null
    }
    // The data as it is now, before anything is replaced (a copy of the closed files: Keel is not running on them).
    const written = await writeBackup({ paths, db: null, kind: 'before-restore', keychain })
    writeFileDurably(path.join(staged, BEFORE_RESTORE), new TextEncoder().encode(written.name))
    await step?.('before-restore backup written')
    fs.renameSync(staged, applying)
    await step?.('applying')
  }
  if (!fs.existsSync(applying)) return null
  const manifest = readManifest(applying)
  const included = new Set((manifest?.files ?? []).map((f) => f.path.split('/')[0]!))
  for (const item of ITEMS) {
    const restored = path.join(applying, item)
    if (fs.existsSync(restored)) {
      moveAside(paths, item)
      fs.renameSync(restored, path.join(paths.dataDir, item))
    } else if (!included.has(item)) {
      // Not in the backup: the restored Keel has none (moved aside, like every replaced item).
      moveAside(paths, item)
    }
    await step?.(`moved ${item}`)
  }
  let beforeRestoreBackup: string | null = null
  try {
    beforeRestoreBackup = fs.readFileSync(path.join(applying, BEFORE_RESTORE), 'utf8')
  } catch {
    beforeRestoreBackup = null
  }
  const applied: AppliedRestore = { at: Date.now(), from: manifest?.staged?.from ?? 'a backup', beforeRestoreBackup }
  const tmp = path.join(paths.dataDir, `${LAST_RESTORE}.tmp`)
  writeFileDurably(tmp, new TextEncoder().encode(JSON.stringify(applied)))
  fs.renameSync(tmp, path.join(paths.dataDir, LAST_RESTORE))
  const done = path.join(paths.dataDir, `restore-done-${randomBytes(6).toString('hex')}`)
  fs.renameSync(applying, done)
  fs.rmSync(done, { recursive: true, force: true })
  fs.rmSync(path.join(paths.dataDir, REPLACED), { recursive: true, force: true })
  return applied
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
