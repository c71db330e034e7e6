// One writer per data directory. Two processes writing the same keel.db would each take the other's live turn for
// a crashed one (marking it interrupted and sending a duplicate continuation) and both accept chat.send for one
// session. So whoever opens a data directory for writing holds an exclusive lock on it for its whole life.
//
// The lock is a small SQLite file, keel.lock, in EXCLUSIVE locking mode after one write: SQLite takes an OS file
// lock (fcntl on POSIX, LockFileEx on Windows) that the OS drops when the process dies, so a crash or SIGKILL never
// leaves a stale lock behind, and no native dependency beyond better-sqlite3 is needed. A second process gets
// SQLITE_BUSY at once (busy timeout 0). The holder's pid, runtime and start time go to a sidecar, keel.lock.json,
// so a refusal can name the process; the sidecar is only a label: whether the directory is held is decided by the
// OS lock alone.
//
// POSIX locks belong to a process, not to a connection, and closing ANY descriptor of keel.lock in the holding
// process drops them. So within one process the lock is tracked here too (a second open is refused without touching
// the file), and nothing else in Keel may open keel.lock.
import fs from 'node:fs'
import os from 'node:os'
import Database from 'better-sqlite3'
import { KeelError } from './errors'
import { dataPaths } from './paths'
import { diskFullAtStartup, storageFaultKind } from './storage/storage-faults'

/** Who opened a data directory for writing. */
export type DataDirRuntime = 'electron' | 'host' | 'doctor'

export interface DataDirHolder {
  pid: number
  runtime: DataDirRuntime
  /** ISO time the holder took the lock. */
  startedAt: string
  hostname: string
}

export interface DataDirLock {
  readonly dataDir: string
  readonly holder: DataDirHolder
  /**
   * False when this process cannot write the directory at all (it then opens the database read-only, and a reader
   * needs no lock: it cannot be the second writer).
   */
  readonly held: boolean
  /** Releases the lock (idempotent). The OS releases it anyway when the process ends. */
  release(): void
}

/** The refusal: another live process (or this one) already writes this data directory. */
export class DataDirInUseError extends KeelError {
  constructor(
    readonly dataDir: string,
    /** Null when the holder has not recorded itself (yet) or its record could not be read. */
    readonly holder: DataDirHolder | null,
    readonly sameProcess: boolean,
  ) {
    const who = sameProcess ? 'this process' : holder ? describeHolder(holder) : 'another Keel process'
    super({
      kind: 'conflict',
      message: `Keel's data directory ${dataDir} is already in use by ${who}. Only one Keel may write a data directory at a time.`,
      fix: sameProcess
        ? 'Close the core that has this data directory open before opening it again.'
        : `Quit that Keel first${holder ? ` (pid ${holder.pid})` : ''} and start this one again, or give this one another data directory (--data-dir or KEEL_DATA_DIR).`,
    })
    this.name = 'DataDirInUseError'
  }
}

const RUNTIME_NAMES: Record<DataDirRuntime, string> = {
  electron: 'the Keel app',
  host: 'the Keel browser host',
  doctor: 'keel doctor --fix',
}

/** "the Keel browser host (pid 4242, started 2026-11-25T15:38:39.000Z)" — plus the host name if it is another machine. */
export function describeHolder(holder: DataDirHolder): string {
  const elsewhere = holder.hostname !== os.hostname() ? ` on ${holder.hostname}` : ''
  return `${RUNTIME_NAMES[holder.runtime] ?? 'a Keel process'} (pid ${holder.pid}${elsewhere}, started ${holder.startedAt})`
}

/** Data directories this process holds, by real path (two spellings of one folder are one folder). */
const heldHere = new Map<string, DataDirLock>()

/**
 * Takes the data directory's lock or throws DataDirInUseError naming the holder. Call it before anything reads the
 * database for writing: migrations, binding repair and crash recovery all assume they are the only writer.
 */
export function acquireDataDirLock(dataDir: string, runtime: DataDirRuntime): DataDirLock {
  const paths = dataPaths(dataDir)
  const holder: DataDirHolder = { pid: process.pid, runtime, startedAt: new Date().toISOString(), hostname: os.hostname() }
  try {
    fs.mkdirSync(paths.dataDir, { recursive: true })
  } catch (err) {
    if (isNotWritable(err)) return unheld(paths.dataDir, holder)
    if (storageFaultKind(err) === 'disk-full') throw diskFullAtStartup(paths.dataDir)
    throw cannotLock(paths.dataDir)
  }
  const key = fs.realpathSync(paths.dataDir)
  const mine = heldHere.get(key)
  if (mine) throw new DataDirInUseError(paths.dataDir, mine.holder, true)

  let db: Database.Database | null = null
  try {
    db = new Database(paths.lock, { timeout: 0 })
    db.pragma('locking_mode = EXCLUSIVE')
    // One write takes the exclusive lock, and EXCLUSIVE locking mode keeps it after the commit until close.
    db.exec('BEGIN EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, runtime TEXT NOT NULL, started_at TEXT NOT NULL, hostname TEXT NOT NULL)')
    db.exec('DELETE FROM holder')
    db.prepare('INSERT INTO holder (pid, runtime, started_at, hostname) VALUES (?, ?, ?, ?)').run(holder.pid, holder.runtime, holder.startedAt, holder.hostname)
    db.exec('COMMIT')
    writeHolder(paths.lockHolder, holder)
    const lockDb = db
    let released = false
    const lock: DataDirLock = {
      dataDir: paths.dataDir,
      holder,
      held: true,
      release() {
        if (released) return
        released = true
        heldHere.delete(key)
        // The label goes first, while the lock is still held: afterwards it could be the next holder's.
        fs.rmSync(paths.lockHolder, { force: true })
        lockDb.close()
      },
    }
    heldHere.set(key, lock)
    return lock
  } catch (err) {
    try {
      db?.close()
    } catch {
      // closing a connection that never locked anything cannot fail in a way that matters here
    }
    if (isBusy(err)) throw new DataDirInUseError(paths.dataDir, recordedHolder(paths.dataDir), false)
    if (isNotWritable(err)) return unheld(paths.dataDir, holder)
    if (storageFaultKind(err) === 'disk-full') throw diskFullAtStartup(paths.dataDir)
    throw cannotLock(paths.dataDir)
  }
}

function unheld(dataDir: string, holder: DataDirHolder): DataDirLock {
  return { dataDir, holder, held: false, release() {} }
}

function cannotLock(dataDir: string): KeelError {
  return KeelError.of('database', `Keel could not lock its data directory ${dataDir}.`, {
    fix: 'Check that the path is a directory you can write, and not a file.',
  })
}

/**
 * The recorded holder if that process is still alive on this machine, else null. A label only, for messages and
 * the read-only doctor: it does not touch the lock, so reading it never gets in the way of a Keel starting up.
 */
export function recordedHolder(dataDir: string): DataDirHolder | null {
  const file = dataPaths(dataDir).lockHolder
  let holder: DataDirHolder
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DataDirHolder>
    if (!Number.isInteger(parsed.pid) || typeof parsed.runtime !== 'string' || typeof parsed.startedAt !== 'string' || typeof parsed.hostname !== 'string') return null
    holder = parsed as DataDirHolder
  } catch {
    return null
  }
  // A holder on another machine (a shared folder) cannot be checked from here; report it as recorded.
  if (holder.hostname !== os.hostname()) return holder
  return isAlive(holder.pid) ? holder : null
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function writeHolder(file: string, holder: DataDirHolder): void {
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(holder, null, 2)}\n`)
  fs.renameSync(tmp, file)
}

/** The directory (or keel.lock in it) cannot be written by this process: permissions, a read-only mount. */
function isNotWritable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return ['EACCES', 'EPERM', 'EROFS', 'SQLITE_CANTOPEN'].includes(code) || code.startsWith('SQLITE_READONLY')
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'))
}
