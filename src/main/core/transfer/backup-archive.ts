// One backup file holds the whole of Keel: the database (SQLite's online backup of the open database), config.json,
// preferences.json, the attachments and kept tool results, and a manifest naming the keychain items a restore
// needs (account names only: keys never leave the keychain). The file is a zip (fflate) with a `.keelbackup` name.
import { randomBytes, createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { unzipSync, zipSync, type Zippable } from 'fflate'
import { z } from 'zod'
import { BackupKind, type BackupInfo } from '../../../shared/transfer'
import { KeelError } from '../errors'
import type { DataPaths } from '../paths'
import { LATEST_SCHEMA_VERSION } from '../sessions/migrations/index'

export const BACKUP_EXTENSION = '.keelbackup'
export const BACKUP_FORMAT = 'keel-backup'
export const BACKUP_FORMAT_VERSION = 1

/** What a data directory holds that a backup carries, by name inside the data directory (and the archive). */
export const BACKED_UP_FILES = ['keel.db', 'config.json', 'preferences.json'] as const
export const BACKED_UP_DIRS = ['attachments', 'tool-results'] as const

/** A keychain item a restored Keel needs, by account name (provider:<entry id>, mcp:<server id>:<NAME>). */
export interface KeychainItemNeeded {
  account: string
  purpose: string
}

const ManifestFile = z.object({ path: z.string().min(1).max(1000), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })

export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().min(1),
  createdAt: z.number(),
  kind: BackupKind,
  /** The database's schema version (PRAGMA user_version) in this backup. */
  schemaVersion: z.number().int().min(0),
  sessions: z.number().int().min(0).nullable(),
  files: z.array(ManifestFile),
  keychain: z.array(z.object({ account: z.string().min(1).max(400), purpose: z.string().max(400) })),
})
export type BackupManifest = z.infer<typeof BackupManifest>

export interface BackupSource {
  paths: DataPaths
  /** The open database (online backup), or null when Keel is not running on it (a copy of the closed files). */
  db: Database.Database | null
  kind: BackupKind
  keychain: readonly KeychainItemNeeded[]
  now?: number
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** `keel-<kind>-2026-11-25T21-40-31-123Z.keelbackup`: the kind and time are read back from the name when listing. */
export function backupFileName(kind: BackupKind, at: number): string {
  return `keel-${kind}-${new Date(at).toISOString().replace(/[:.]/g, '-')}${BACKUP_EXTENSION}`
}

const NAME_PATTERN = /^keel-(manual|auto|before-restore)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(?:-\d+)?\.keelbackup$/

/** The kind and time a backup's file name records, or null for a file Keel did not name. */
export function parseBackupFileName(name: string): { kind: BackupKind; createdAt: number } | null {
  const m = NAME_PATTERN.exec(name)
  if (!m) return null
  const at = Date.parse(`${m[2]}T${m[3]}:${m[4]}:${m[5]}.${m[6]}Z`)
  return Number.isFinite(at) ? { kind: m[1] as BackupKind, createdAt: at } : null
}

/** The backups in a folder, newest first (files of other names are not Keel's and are left out). */
export function listBackups(backupsDir: string): BackupInfo[] {
  let names: string[]
  try {
    names = fs.readdirSync(backupsDir)
  } catch {
    return []
  }
  const out: BackupInfo[] = []
  for (const name of names) {
    const parsed = parseBackupFileName(name)
    if (!parsed) continue
    const file = path.join(backupsDir, name)
    try {
      out.push({ name, path: file, kind: parsed.kind, size: fs.statSync(file).size, createdAt: parsed.createdAt })
    } catch {
      // Deleted while listing: not a backup any more.
    }
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name))
}

function filesUnder(dir: string, prefix: string, out: Array<{ rel: string; abs: string }>): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    const abs = path.join(dir, e.name)
    const rel = `${prefix}/${e.name}`
    if (e.isDirectory()) filesUnder(abs, rel, out)
    else if (e.isFile()) out.push({ rel, abs })
  }
}

/** Writes a file and flushes it to disk before it is renamed into place (a crash never leaves half a file there). */
export function writeFileDurably(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'w')
  try {
    fs.writeSync(fd, bytes)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * A consistent copy of the database as a rollback-journal file in `dir`: the online backup of the open database,
 * or a copy of the closed files (keel.db with its -wal, which SQLite folds in when the copy is opened). Returns its
 * schema version and session count.
 */
async function databaseCopy(source: BackupSource, dir: string): Promise<{ file: string; schemaVersion: number; sessions: number | null } | null> {
  const file = path.join(dir, 'keel.db')
  if (source.db) {
    await source.db.backup(file)
  } else {
    if (!fs.existsSync(source.paths.database)) return null
    fs.copyFileSync(source.paths.database, file)
    if (fs.existsSync(`${source.paths.database}-wal`)) fs.copyFileSync(`${source.paths.database}-wal`, `${file}-wal`)
  }
  const copy = new Database(file)
  try {
    // One self-contained file: a restore never pairs it with another database's -wal.
    copy.pragma('journal_mode = DELETE')
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number
    let sessions: number | null = null
    try {
      sessions = (copy.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n
    } catch {
      sessions = null
    }
    return { file, schemaVersion, sessions }
  } finally {
    copy.close()
  }
}

/** Writes a backup of the data directory into its backups folder and returns what was written. */
export async function writeBackup(source: BackupSource): Promise<BackupInfo> {
  const now = source.now ?? Date.now()
  const backupsDir = source.paths.backups
  fs.mkdirSync(backupsDir, { recursive: true })
  const work = path.join(backupsDir, `.incoming-${randomBytes(6).toString('hex')}`)
  fs.mkdirSync(work)
  try {
    const entries: Zippable = {}
    const files: BackupManifest['files'] = []
    const add = (rel: string, bytes: Uint8Array, compress: boolean) => {
      entries[rel] = [bytes, { level: compress ? 6 : 0 }]
      files.push({ path: rel, size: bytes.length, sha256: sha256(bytes) })
    }
    const db = await databaseCopy(source, work)
    if (db) add('keel.db', fs.readFileSync(db.file), true)
    for (const name of BACKED_UP_FILES) {
      if (name === 'keel.db') continue
      const file = path.join(source.paths.dataDir, name)
      if (fs.existsSync(file)) add(name, fs.readFileSync(file), true)
    }
    for (const dir of BACKED_UP_DIRS) {
      const found: Array<{ rel: string; abs: string }> = []
      filesUnder(path.join(source.paths.dataDir, dir), dir, found)
      // Attachments are mostly images and PDFs, already compressed; tool results are text.
      for (const f of found) add(f.rel, fs.readFileSync(f.abs), dir !== 'attachments')
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: now,
      kind: source.kind,
      schemaVersion: db?.schemaVersion ?? 0,
      sessions: db?.sessions ?? null,
      files,
      keychain: source.keychain.map((k) => ({ account: k.account, purpose: k.purpose })),
    }
    entries['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest, null, 2))
    const zipped = zipSync(entries)
    let name = backupFileName(source.kind, now)
    for (let n = 2; fs.existsSync(path.join(backupsDir, name)); n++) name = backupFileName(source.kind, now).replace(BACKUP_EXTENSION, `-${n}${BACKUP_EXTENSION}`)
    const tmp = path.join(work, 'backup.partial')
    writeFileDurably(tmp, zipped)
    fs.renameSync(tmp, path.join(backupsDir, name))
    return { name, path: path.join(backupsDir, name), kind: source.kind, size: zipped.length, createdAt: now }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** A path inside the archive that a restore may write: a backed-up file, or a file under a backed-up folder. */
export function isRestorablePath(rel: string): boolean {
  if (rel.includes('\\') || rel.includes('\0') || rel.startsWith('/')) return false
  const parts = rel.split('/')
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return false
  if (parts.length === 1) return (BACKED_UP_FILES as readonly string[]).includes(parts[0]!)
  return (BACKED_UP_DIRS as readonly string[]).includes(parts[0]!)
}

function notABackup(why: string): KeelError {
  return KeelError.of('invalid-input', `This file is not a Keel backup: ${why}`, { fix: 'Pick a .keelbackup file made by Keel (Settings → Data → Back up now, or the backups folder).' })
}

/**
 * Reads and checks a backup: a zip with a valid manifest, made by this Keel or an older one, every file listed and
 * matching its checksum, a database inside. Throws an error naming what is wrong; nothing is written.
 */
export function readBackup(bytes: Uint8Array): { manifest: BackupManifest; files: Map<string, Uint8Array> } {
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(bytes)
  } catch {
    throw notABackup('it is not a zip archive.')
  }
  const manifestBytes = entries['manifest.json']
  if (!manifestBytes) throw notABackup('it has no manifest.json.')
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(manifestBytes))
  } catch {
    throw notABackup('its manifest.json is not JSON.')
  }
  const format = (raw as { format?: unknown } | null)?.format
  if (format !== BACKUP_FORMAT) throw notABackup(`its manifest.json says format ${JSON.stringify(format ?? null)}, not "${BACKUP_FORMAT}".`)
  const formatVersion = (raw as { formatVersion?: unknown }).formatVersion
  if (typeof formatVersion === 'number' && formatVersion > BACKUP_FORMAT_VERSION) {
    throw KeelError.of('invalid-input', `This backup was made by a newer version of Keel (backup format ${formatVersion}; this Keel reads up to ${BACKUP_FORMAT_VERSION}). Nothing was changed.`, { fix: 'Update Keel, then restore it.' })
  }
  const parsed = BackupManifest.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw notABackup(`manifest.json: ${issue.path.join('.') || '(root)'}: ${issue.message}.`)
  }
  const manifest = parsed.data
  if (manifest.schemaVersion > LATEST_SCHEMA_VERSION) {
    throw KeelError.of('invalid-input', `This backup was made by a newer version of Keel (database schema ${manifest.schemaVersion}; this Keel understands up to ${LATEST_SCHEMA_VERSION}). Nothing was changed.`, {
      fix: 'Update Keel to the newest version, then restore it.',
    })
  }
  const files = new Map<string, Uint8Array>()
  for (const f of manifest.files) {
    if (!isRestorablePath(f.path)) throw notABackup(`manifest.json lists "${f.path.slice(0, 200)}", which is not a file a backup holds.`)
    const data = entries[f.path]
    if (!data) throw KeelError.of('invalid-input', `This backup is damaged: ${f.path} is listed but missing.`, { fix: 'Pick another backup.' })
    if (data.length !== f.size || sha256(data) !== f.sha256) throw KeelError.of('invalid-input', `This backup is damaged: ${f.path} does not match its checksum.`, { fix: 'Pick another backup.' })
    files.set(f.path, data)
  }
  if (!files.has('keel.db')) throw notABackup('it holds no database (keel.db).')
  return { manifest, files }
}
