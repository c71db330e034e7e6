// Which errors are storage faults of Keel's own data directory, and what the user is told for each.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { KeelError } from '../../src/main/core/errors'
import { asStorageFault, probeDataDir, storageFaultKind } from '../../src/main/core/storage/storage-faults'

const dataDir = path.join(os.tmpdir(), 'keel-data-x')
const fsError = (code: string, file: string) => Object.assign(new Error(`${code}: something, open '${file}'`), { code, path: file })

describe('storage faults', () => {
  it('classifies SQLite and fs codes for a full or read-only disk', () => {
    expect(storageFaultKind(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe('disk-full')
    expect(storageFaultKind(fsError('ENOSPC', path.join(dataDir, 'config.json')), dataDir)).toBe('disk-full')
    expect(storageFaultKind(fsError('EDQUOT', path.join(dataDir, 'config.json')), dataDir)).toBe('disk-full')
    expect(storageFaultKind(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }))).toBe('read-only')
    expect(storageFaultKind(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }))).toBe('read-only')
    expect(storageFaultKind(fsError('EROFS', path.join(dataDir, 'keel.db')), dataDir)).toBe('read-only')
    expect(storageFaultKind(fsError('EACCES', path.join(dataDir, 'preferences.json')), dataDir)).toBe('read-only')
  })

  it('is not fooled by other errors: Keel errors, other codes, or fs errors about files outside the data directory', () => {
    expect(storageFaultKind(KeelError.of('not-found', 'database or disk is full'))).toBeNull()
    expect(storageFaultKind(new Error('network down'))).toBeNull()
    expect(storageFaultKind(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' }))).toBeNull()
    expect(storageFaultKind(fsError('EACCES', '/home/someone/workspace/secret.txt'), dataDir)).toBeNull()
    expect(storageFaultKind(fsError('ENOSPC', path.join(dataDir, '..', 'elsewhere', 'x')), dataDir)).toBeNull()
    expect(storageFaultKind('a string')).toBeNull()
  })

  it('names the directory and what was not saved', () => {
    const full = asStorageFault(Object.assign(new Error(''), { code: 'SQLITE_FULL' }), dataDir, 'the new title')!
    expect(full.data).toMatchObject({ kind: 'disk-full', message: `The disk holding Keel's data directory (${dataDir}) is full: the new title was not saved.` })
    const ro = asStorageFault(Object.assign(new Error(''), { code: 'SQLITE_READONLY' }), dataDir, 'the draft')!
    expect(ro.data.kind).toBe('read-only')
    expect(ro.data.message).toBe(`Keel's data directory (${dataDir}) is read-only (Keel cannot write there): the draft was not saved.`)
    expect(ro.data.fix).toContain(dataDir)
    expect(asStorageFault(new Error('other'), dataDir, 'x')).toBeNull()
  })

  it('a real SQLITE_READONLY from a query-only database is recognized', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE t (x)')
    db.pragma('query_only = ON')
    let caught: unknown
    try {
      db.exec('INSERT INTO t VALUES (1)')
    } catch (err) {
      caught = err
    }
    db.close()
    expect(storageFaultKind(caught)).toBe('read-only')
  })

  it('the write probe passes on a writable directory and leaves nothing behind; a path that is a file is not writable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-probe-'))
    expect(probeDataDir(dir)).toBeNull()
    expect(fs.readdirSync(dir)).toEqual([])
    const file = path.join(dir, 'not-a-dir')
    fs.writeFileSync(file, '')
    expect(probeDataDir(file)).toBe('read-only')
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
