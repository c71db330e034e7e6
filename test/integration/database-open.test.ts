// Opening keel.db when something is wrong with it or with its directory (issue #13's survivors of database.ts): a
// damaged file, a file Keel cannot open, one written by a newer Keel, a read-only data directory (with or without a
// database, with an older schema, with a damaged file), a full disk at the first start and during a migration, and
// a migration that fails. Each says what happened and what to do, loses nothing and leaves keel.db closed; a
// migration is backed up first under a name that sorts by time. Real SQLite files, a real tmpfs for the full and
// read-only disks (skipped with the reason where it cannot be mounted), the real core in this process.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { backupDatabase, openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS, type Migration } from '../../src/main/core/sessions/migrations/index'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'
import { mountSmallDisk, mountUnavailable, type SmallDisk } from '../support/small-disk'

const service = testKeychainService()
const LATEST = MIGRATIONS.at(-1)!.version
const unavailable = mountUnavailable()

/** This process's open descriptors of `file` (or its -wal/-shm): a refused open must leave none behind. */
function openHandles(file: string): string[] {
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`)
      return target.startsWith(file) ? [target] : []
    } catch {
      return [] // the descriptor readdir itself used, already closed
    }
  })
}

/** What openDatabase threw (a KeelError's data), failing the test if it did not throw. */
function refusal(open: () => unknown): { kind: string; message: string; fix?: string } {
  try {
    open()
  } catch (err) {
    return (err as { data?: { kind: string; message: string; fix?: string } }).data ?? { kind: '(not a KeelError)', message: String(err) }
  }
  throw new Error('the database opened')
}

/** A Keel database at the latest schema with one session, closed (checkpointed: no -wal or -shm left). */
function databaseWithSession(dataDir: string, title = 'Kept chat'): string {
  const file = path.join(dataDir, 'keel.db')
  const { db } = openDatabase(file, path.join(dataDir, 'backups'))
  db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-kept', ?, 1, 1)").run(title)
  db.close()
  return file
}

const DAMAGED_FIX = (file: string) => `Quit Keel and move ${path.basename(file)} aside (a backup may be in the backups folder next to it); Keel then starts with a fresh database.`

describe('opening a database that cannot be used', () => {
  it('a damaged database: the error names the file and says to move it aside, pointing at the backups', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    fs.writeFileSync(file, 'this is not sqlite at all, just some text that is long enough'.repeat(100))
    const bytes = fs.readFileSync(file)
    await expect(CoreHarness.open(dataDir, service)).rejects.toMatchObject({
      data: { kind: 'database', message: `The session database ${file} is damaged and cannot be opened.`, fix: DAMAGED_FIX(file) },
    })
    expect(fs.readFileSync(file).equals(bytes)).toBe(true)
    expect(openHandles(file)).toEqual([])
  })

  it('a keel.db Keel cannot open (a folder in its place) is "could not be opened", not "damaged", with what to check', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    fs.mkdirSync(file)
    await expect(CoreHarness.open(dataDir, service)).rejects.toMatchObject({
      data: {
        kind: 'database',
        message: `The session database ${file} could not be opened.`,
        fix: 'Check that the data directory is writable and that no other program holds the file.',
      },
    })
  })

  it('a database from a newer Keel (in WAL mode, as Keel leaves it) is refused with what to do, and left as it was: nothing added next to it, nothing held open', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    const newer = new Database(file)
    newer.pragma('journal_mode = WAL')
    newer.pragma('user_version = 99')
    newer.close()
    const bytes = fs.readFileSync(file)
    expect(refusal(() => openDatabase(file, path.join(dataDir, 'backups')))).toEqual({
      kind: 'database',
      message: `The session database was written by a newer version of Keel (schema 99; this Keel understands up to ${LATEST}). It was left untouched.`,
      fix: 'Update Keel to the newest version, or run this version with another data directory (--data-dir).',
    })
    expect(openHandles(file)).toEqual([])
    expect(fs.readdirSync(dataDir)).toEqual(['keel.db'])
    expect(fs.readFileSync(file).equals(bytes)).toBe(true)
  })
})

describe('a read-only database (a data directory Keel cannot write, or another Keel writing it)', () => {
  it('an older schema cannot be upgraded there: the error says so and how to fix it, and keel.db is left closed, at its version', () => {
    const old = openAtSchema(LATEST - 1)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old chat', 1, 1)").run()
    old.db.close()
    expect(refusal(() => openDatabase(old.file, old.backups, MIGRATIONS, { readOnly: true }))).toEqual({
      kind: 'read-only',
      message: `The session database ${old.file} needs an upgrade (schema ${LATEST - 1} → ${LATEST}), but its directory is read-only.`,
      fix: `Make ${old.dataDir} writable so Keel can back the database up and upgrade it, then start Keel again.`,
    })
    expect(openHandles(old.file)).toEqual([])
    expect(fs.existsSync(old.backups)).toBe(false)
    const check = new Database(old.file, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST - 1)
    expect(check.prepare("SELECT title FROM sessions WHERE id = 's-old'").get()).toEqual({ title: 'Old chat' })
    check.close()
  })
})

/** What a start on a full disk says, naming the data directory. */
const fullDiskAtStart = (dataDir: string) => ({
  kind: 'disk-full',
  message: `Keel cannot start: the disk holding its data directory (${dataDir}) is full. Nothing was changed.`,
  fix: 'Free some space on that disk, then start Keel again.',
})

describe.skipIf(unavailable !== null)(`full and read-only disks${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let disk: SmallDisk | null = null
  let h: CoreHarness | null = null
  afterEach(async () => {
    // The unmount runs even when closing the core throws: no tmpfs may outlive the test run.
    try {
      await h?.close()
    } finally {
      h = null
      disk?.unmount()
      disk = null
    }
  })

  it('an empty read-only data directory: Keel starts with no sessions, says the directory is read-only, and refuses a new session rather than keeping it in memory', async () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    fs.mkdirSync(dataDir)
    disk.remount('ro')
    h = await CoreHarness.open(dataDir, service)
    const state = await h.call('app.state', {})
    expect(state.storage.writable).toBe(false)
    expect(state.storage.problem?.message).toBe(`Keel's data directory (${dataDir}) was read-only when Keel started: sessions are shown read-only and nothing you change is saved.`)
    expect(await h.call('sessions.list', {})).toMatchObject({ items: [], total: 0 })
    const refused = await h.fail('sessions.create', {})
    expect(refused.kind).toBe('read-only')
    expect(refused.message).toContain(`Keel's data directory (${dataDir}) is read-only`)
    expect(await h.call('sessions.list', {})).toMatchObject({ items: [], total: 0 })
    expect(fs.readdirSync(dataDir)).toEqual([])
  })

  it('a database SQLite cannot read, in a read-only directory: the same "damaged" error and fix as in a writable one — never read as another file format', async () => {
    disk = mountSmallDisk()
    const good = databaseWithSession(tempDataDir())
    const image = fs.readFileSync(good)
    expect([image[18], image[19]]).toEqual([2, 2]) // WAL, as Keel leaves every database
    // Byte 19 is the file format's read version: SQLite writes 1 (rollback journal) or 2 (WAL) and refuses to read
    // a file that says more (a newer format). The read-only fallback reads a copy in memory, where it must undo
    // WAL's marker (2, 2) and nothing else.
    const variants: Record<string, Buffer> = {
      text: Buffer.from('this is not sqlite at all, just some text that is long enough'.repeat(100)),
      'read version 3': Buffer.from(image).fill(3, 19, 20),
      'versions 3 and 3': Buffer.from(image).fill(3, 18, 20),
      // A copy cut short: only the start of the header, or the header alone.
      'cut after 20 bytes': Buffer.from(image.subarray(0, 20)),
      'cut after 100 bytes': Buffer.from(image.subarray(0, 100)),
    }
    for (const [name, bytes] of Object.entries(variants)) {
      // The reference: in a writable directory each is refused as damaged.
      const dir = tempDataDir()
      fs.writeFileSync(path.join(dir, 'keel.db'), bytes)
      expect(refusal(() => openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups'))).message, name).toBe(`The session database ${path.join(dir, 'keel.db')} is damaged and cannot be opened.`)
      fs.writeFileSync(path.join(disk.dir, `${name}.db`), bytes)
    }
    disk.remount('ro')
    for (const [name, bytes] of Object.entries(variants)) {
      const file = path.join(disk.dir, `${name}.db`)
      expect(refusal(() => openDatabase(file, path.join(disk!.dir, 'backups'), MIGRATIONS, { readOnly: true })), name).toEqual({
        kind: 'database',
        message: `The session database ${file} is damaged and cannot be opened.`,
        fix: DAMAGED_FIX(file),
      })
      expect(fs.readFileSync(file).equals(bytes), name).toBe(true)
      expect(openHandles(file), name).toEqual([])
    }
  })

  it('the first start on a full disk is refused as a full disk naming the directory, and keel.db is left closed', () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    fs.mkdirSync(dataDir)
    disk.fill()
    const file = path.join(dataDir, 'keel.db')
    expect(refusal(() => openDatabase(file, path.join(dataDir, 'backups')))).toEqual(fullDiskAtStart(dataDir))
    expect(openHandles(file)).toEqual([])
    disk.free()
    const opened = openDatabase(file, path.join(dataDir, 'backups'))
    expect(opened.schemaVersion).toBe(LATEST)
    opened.db.close()
  })

  it('a backup put in place as keel.db (a rollback-journal file) is switched to WAL at the start; on a full disk, where it cannot be, Keel does not start', () => {
    disk = mountSmallDisk()
    const dataDir = path.join(disk.dir, 'data')
    fs.mkdirSync(dataDir)
    // The backup Keel writes before a migration (VACUUM INTO): a rollback-journal file, here of the latest schema.
    const source = openDatabase(path.join(tempDataDir(), 'keel.db'), path.join(tempDataDir(), 'backups'))
    source.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-backed', 'Backed up chat', 1, 1)").run()
    const copy = backupDatabase(source.db, tempDataDir(), 'manual')
    source.db.close()
    const file = path.join(dataDir, 'keel.db')
    fs.copyFileSync(copy, file)
    disk.fill()
    expect(refusal(() => openDatabase(file, path.join(dataDir, 'backups')))).toEqual(fullDiskAtStart(dataDir))
    expect(openHandles(file)).toEqual([])
    disk.free()
    const opened = openDatabase(file, path.join(dataDir, 'backups'))
    expect(opened.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(opened.db.prepare("SELECT title FROM sessions WHERE id = 's-backed'").get()).toEqual({ title: 'Backed up chat' })
    opened.db.close()
  })

  it('a migration on a full disk is refused as a full disk; the database stays at its version with its sessions, and migrates once space is freed', () => {
    disk = mountSmallDisk()
    const old = openAtSchema(LATEST - 1, path.join(disk.dir, 'data'))
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old chat', 1, 1)").run()
    // Kept open (the -shm already exists), so that the first write the new open attempts is the backup's.
    disk.fill()
    expect(refusal(() => openDatabase(old.file, old.backups))).toEqual({
      kind: 'disk-full',
      message: `Keel cannot start: the disk holding its data directory (${old.dataDir}) is full. Nothing was changed.`,
      fix: 'Free some space on that disk, then start Keel again.',
    })
    expect(old.db.pragma('user_version', { simple: true })).toBe(LATEST - 1)
    expect(old.db.prepare("SELECT title FROM sessions WHERE id = 's-old'").get()).toEqual({ title: 'Old chat' })
    old.db.close()
    expect(openHandles(old.file)).toEqual([])
    disk.free()
    const opened = openDatabase(old.file, old.backups)
    expect(opened.schemaVersion).toBe(LATEST)
    expect(opened.backupPath).not.toBeNull()
    opened.db.close()
  })
})

describe('migrations', () => {
  const extra = (version: number, up: Migration['up']): Migration => ({ version, name: 'extra', up })

  it('backs up before migrating, into backups/keel-before-v<N>-<time>.db: a name that sorts by time and is valid on every system', () => {
    const before = new Date().toISOString()
    const old = openAtSchema(LATEST - 1)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old chat', 1, 1)").run()
    old.db.close()
    const opened = openDatabase(old.file, old.backups)
    opened.db.close()
    const after = new Date().toISOString()
    const names = fs.readdirSync(old.backups)
    expect(names).toHaveLength(1)
    const match = /^keel-before-v(\d+)-(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z\.db$/.exec(names[0]!)
    expect(match, names[0]).not.toBeNull()
    expect(Number(match![1])).toBe(LATEST)
    const stamp = `${match![2]}:${match![3]}:${match![4]}.${match![5]}Z`
    expect(stamp >= before && stamp <= after, `${stamp} within [${before}, ${after}]`).toBe(true)
    const backup = new Database(path.join(old.backups, names[0]!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(LATEST - 1)
    expect(backup.prepare("SELECT title FROM sessions WHERE id = 's-old'").get()).toEqual({ title: 'Old chat' })
    backup.close()
  })

  it('no backup of a database with nothing in it yet (a first start that stopped before its first migration)', () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    // What such a start leaves: the file in WAL mode, schema 0, no tables.
    const empty = new Database(file)
    empty.pragma('journal_mode = WAL')
    empty.close()
    expect(fs.statSync(file).size).toBeGreaterThan(0)
    const opened = openDatabase(file, path.join(dataDir, 'backups'))
    expect(opened.schemaVersion).toBe(LATEST)
    expect(opened.backupPath).toBeNull()
    opened.db.close()
    expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false)
  })

  it('diagnostics list each migration with the details it reported, and none for one that reported none', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    openDatabase(file, path.join(dataDir, 'backups')).db.close()
    const next = [...MIGRATIONS, extra(LATEST + 1, (d) => (d.exec('CREATE TABLE extra (x)'), { summary: 'added extra' }))]
    openDatabase(file, path.join(dataDir, 'backups'), next).db.close()
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT summary, details_json FROM migration_log WHERE version = ?').get(LATEST + 1)).toEqual({ summary: 'extra: added extra', details_json: '[]' })
    db.close()

    const h = await CoreHarness.open(tempDataDir(), service)
    const { migrations } = await h.call('diagnostics.app', {})
    expect(migrations.find((m) => m.version === 1)).toMatchObject({ summary: expect.stringMatching(/^initial/), details: [] })
    expect(migrations.find((m) => m.version === 4)?.details).toEqual([{ messages: 0, sessions: 0 }])
    await h.close()
  })

  it("a migration that fails is reported as its own error (not as a full disk), rolled back, and keel.db is left closed", () => {
    const dataDir = tempDataDir()
    const file = databaseWithSession(dataDir)
    const broken = [...MIGRATIONS, extra(LATEST + 1, (d) => (d.exec('CREATE TABLE half (x)'), d.exec('SELECT * FROM nope'), { summary: '' }))]
    const err = (() => {
      try {
        openDatabase(file, path.join(dataDir, 'backups'), broken)
      } catch (e) {
        return e as Error
      }
      throw new Error('the migration did not fail')
    })()
    expect(err.message).toBe('no such table: nope')
    expect(openHandles(file)).toEqual([])
    const check = new Database(file, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST)
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined()
    expect(check.prepare("SELECT title FROM sessions WHERE id = 's-kept'").get()).toEqual({ title: 'Kept chat' })
    check.close()
  })
})

describe('a database in use', () => {
  it('a reader next to a running Keel (the doctor, a backup tool) never blocks its writes (WAL)', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    const s = await h.call('sessions.create', {})
    // The reader holds a read transaction open, as a long read does, while the user renames the session.
    const reader = new Database(path.join(dataDir, 'keel.db'), { readonly: true, fileMustExist: true })
    reader.prepare('BEGIN').run()
    expect(reader.prepare('SELECT title FROM sessions WHERE id = ?').get(s.id)).toEqual({ title: 'New session' })
    await h.call('sessions.rename', { id: s.id, title: 'Renamed while read' })
    expect((await h.call('sessions.open', { id: s.id })).session.title).toBe('Renamed while read')
    // The reader keeps its snapshot until its transaction ends, then sees the rename.
    expect(reader.prepare('SELECT title FROM sessions WHERE id = ?').get(s.id)).toEqual({ title: 'New session' })
    reader.prepare('COMMIT').run()
    expect(reader.prepare('SELECT title FROM sessions WHERE id = ?').get(s.id)).toEqual({ title: 'Renamed while read' })
    reader.close()
    await h.close()
  })
})
