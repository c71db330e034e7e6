// Backup and restore of the whole of Keel (issue #12): one file with the database (online backup), config,
// preferences and attachments, the keychain accounts a restore needs and never a key; restore staged and applied at
// the next start, after a backup of the data it replaces; a SIGKILL in the middle of either step loses nothing.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { CHILD_PROCESS_TIMEOUT_MS } from '../support/crash'
import { killRestoreAt } from '../support/restore-crash'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** A data dir with one provider (key in the keychain), one MCP server secret, one chat and one attachment file. */
async function populated(label: string) {
  const dataDir = tempDataDir(`keel-backup-${label}`)
  const key = testKey(`backup-${label}`)
  const mcpToken = testKey(`mcp-${label}`)
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { name: 'Work gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, defaultModel: 'gpt-work', key })
  await h.call('mcp.create', { name: 'Search', transport: { type: 'http', url: 'https://mcp.example.test/mcp' }, secretValues: { Authorization: mcpToken } })
  await h.call('preferences.set', { theme: 'dark' })
  const a = await h.call('sessions.create', {})
  await h.call('sessions.rename', { id: a.id, title: 'Kept in the backup' })
  const { turnId } = await h.call('chat.send', { sessionId: a.id, text: 'remember the lighthouse' })
  await h.turnEnded(turnId)
  const image = Buffer.from('\x89PNG\r\n\x1a\n fake image bytes for the backup test')
  const sha = createHash('sha256').update(image).digest('hex')
  fs.mkdirSync(path.join(dataDir, 'attachments'), { recursive: true })
  fs.writeFileSync(path.join(dataDir, 'attachments', sha), image)
  return { dataDir, key, mcpToken, h, a, sha }
}

function titles(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true })
  try {
    return (db.prepare('SELECT title FROM sessions ORDER BY title').all() as Array<{ title: string }>).map((r) => r.title)
  } finally {
    db.close()
  }
}

/** The titles in a backup file's database. */
function titlesInBackup(file: string): string[] {
  const entries = unzipSync(fs.readFileSync(file))
  const tmp = path.join(tempDataDir('keel-backup-read'), 'keel.db')
  fs.writeFileSync(tmp, entries['keel.db']!)
  return titles(tmp)
}

async function listedTitles(h: CoreHarness): Promise<string[]> {
  return (await h.call('sessions.list', {})).items.map((s) => s.title).sort()
}

const strays = (dataDir: string) => fs.readdirSync(dataDir).filter((n) => n.startsWith('restore-'))

describe('backup of the whole of Keel', () => {
  it('holds the database, config, preferences and attachments, names the keychain accounts, and holds no key', async () => {
    const { dataDir, key, mcpToken, h, sha } = await populated('contents')
    const info = await h.call('data.backupNow', {})
    expect(info.kind).toBe('manual')
    expect(path.dirname(info.path)).toBe(path.join(dataDir, 'backups'))
    const bytes = fs.readFileSync(info.path)
    const entries = unzipSync(bytes)
    expect(Object.keys(entries).sort()).toEqual(['attachments/' + sha, 'config.json', 'keel.db', 'manifest.json', 'preferences.json'].sort())
    const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8'))
    expect(manifest).toMatchObject({ format: 'keel-backup', formatVersion: 1, kind: 'manual', sessions: 1 })
    expect(manifest.keychain.map((k: { account: string }) => k.account).sort()).toEqual(['mcp:search:Authorization', 'provider:work-gateway'])
    // The database is a consistent, self-contained copy with the conversation in it.
    const copy = path.join(tempDataDir('keel-backup-db'), 'keel.db')
    fs.writeFileSync(copy, entries['keel.db']!)
    expect(titles(copy)).toEqual(['Kept in the backup'])
    expect(JSON.parse(Buffer.from(entries['preferences.json']!).toString('utf8')).theme).toBe('dark')
    // No key anywhere: not in the file's bytes, not in any entry once decompressed.
    for (const secret of [key, mcpToken]) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false)
      for (const [name, data] of Object.entries(entries)) expect(Buffer.from(data).includes(Buffer.from(secret)), `${name} holds a key`).toBe(false)
    }
    // The download channel returns the same bytes.
    const read = await h.call('data.readBackup', { name: info.name })
    expect(Buffer.from(read.base64, 'base64').equals(bytes)).toBe(true)
    await h.close()
  })
})

describe('restore', () => {
  it('is staged, applied at the next start after a backup of the data it replaces, and says which keys it needs', async () => {
    const { dataDir, h } = await populated('roundtrip')
    const backup = await h.call('data.backupNow', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: b.id, title: 'Made after the backup' })
    await h.call('preferences.set', { theme: 'light' })

    const pending = await h.call('data.restore', { name: backup.name })
    expect(pending).toMatchObject({ from: backup.name, sessions: 1 })
    expect(pending.keychain).toEqual(
      expect.arrayContaining([expect.objectContaining({ account: 'provider:work-gateway', present: true }), expect.objectContaining({ account: 'mcp:search:Authorization', present: true })]),
    )
    // Nothing is replaced while Keel runs on it.
    expect(await listedTitles(h)).toEqual(['Kept in the backup', 'Made after the backup'])
    expect((await h.call('data.status', {})).pendingRestore?.from).toBe(backup.name)
    await h.close()

    const after = await CoreHarness.open(dataDir, service)
    expect(await listedTitles(after)).toEqual(['Kept in the backup'])
    expect((await after.call('preferences.get', {})).theme).toBe('dark')
    const status = await after.call('data.status', {})
    expect(status.pendingRestore).toBeNull()
    expect(status.lastRestore?.from).toBe(backup.name)
    // The replaced data is in a before-restore backup, whole.
    const before = status.backups.find((x) => x.name === status.lastRestore!.beforeRestoreBackup)
    expect(before?.kind).toBe('before-restore')
    expect(titlesInBackup(before!.path)).toEqual(['Kept in the backup', 'Made after the backup'])
    expect(strays(dataDir)).toEqual([])
    // The restored session still talks to its entry (its key was never in the backup; it is still in the keychain).
    const restored = (await after.call('sessions.list', {})).items[0]!
    const { turnId } = await after.call('chat.send', { sessionId: restored.id, text: 'still there?' })
    expect(await after.turnEnded(turnId)).toMatchObject({ status: 'done' })
    await after.close()
  })

  it('refuses a file that is not a Keel backup, or one from a newer Keel, and stages nothing', async () => {
    const dataDir = tempDataDir('keel-restore-refused')
    const h = await CoreHarness.open(dataDir, service)
    const upload = async (bytes: Uint8Array) => (await h.call('data.upload', { chunk: Buffer.from(bytes).toString('base64') })).uploadId

    const notZip = await h.fail('data.restore', { uploadId: await upload(strToU8('{"format":"keel-session"}')) })
    expect(notZip.message).toBe('This file is not a Keel backup: it is not a zip archive.')
    const noManifest = await h.fail('data.restore', { uploadId: await upload(zipSync({ 'keel.db': strToU8('x') })) })
    expect(noManifest.message).toBe('This file is not a Keel backup: it has no manifest.json.')

    // A real backup whose manifest says a newer schema.
    const real = await h.call('data.backupNow', {})
    const entries = unzipSync(fs.readFileSync(real.path))
    const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8'))
    const newer = zipSync({ ...entries, 'manifest.json': strToU8(JSON.stringify({ ...manifest, schemaVersion: 999 })) })
    const refused = await h.fail('data.restore', { uploadId: await upload(newer) })
    expect(refused.message).toMatch(/^This backup was made by a newer version of Keel \(database schema 999; this Keel understands up to \d+\)\. Nothing was changed\.$/)
    // A damaged file: the database bytes do not match the manifest's checksum.
    const damaged = zipSync({ ...entries, 'keel.db': strToU8('not the database') })
    expect((await h.fail('data.restore', { uploadId: await upload(damaged) })).message).toBe('This backup is damaged: keel.db does not match its checksum.')

    // A manifest naming a path outside what a backup holds (a zip-slip) is refused before anything is written.
    const escaping = zipSync({ ...entries, '../outside.txt': strToU8('x'), 'manifest.json': strToU8(JSON.stringify({ ...manifest, files: [...manifest.files, { path: '../outside.txt', size: 1, sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' }] })) })
    expect((await h.fail('data.restore', { uploadId: await upload(escaping) })).message).toBe('This file is not a Keel backup: manifest.json lists "../outside.txt", which is not a file a backup holds.')
    expect(fs.existsSync(path.join(dataDir, '..', 'outside.txt'))).toBe(false)

    expect((await h.call('data.status', {})).pendingRestore).toBeNull()
    expect(strays(dataDir)).toEqual([])
    await h.close()
  })

  it('killed with SIGKILL while staging: the old data is intact and nothing is pending', { timeout: CHILD_PROCESS_TIMEOUT_MS }, async () => {
    const { dataDir, h } = await populated('kill-stage')
    const backup = await h.call('data.backupNow', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: b.id, title: 'Made after the backup' })
    await h.close()

    const killed = await killRestoreAt(dataDir, service, 'staged files', backup.name)
    expect(killed.signal).toBe('SIGKILL')
    expect(() => process.kill(killed.pid, 0)).toThrow()
    // Killed mid-way: the staging folder is there, half-done, never committed.
    expect(strays(dataDir).some((n) => n.startsWith('restore-incoming-'))).toBe(true)
    expect(strays(dataDir)).not.toContain('restore-staged')

    const after = await CoreHarness.open(dataDir, service)
    expect(await listedTitles(after)).toEqual(['Kept in the backup', 'Made after the backup'])
    expect((await after.call('data.status', {})).pendingRestore).toBeNull()
    expect(strays(dataDir)).toEqual([])
    await after.close()
  })

  it('killed with SIGKILL while applying at start: the next start finishes it, and the old data is in its backup', { timeout: CHILD_PROCESS_TIMEOUT_MS }, async () => {
    const { dataDir, h } = await populated('kill-apply')
    const backup = await h.call('data.backupNow', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: b.id, title: 'Made after the backup' })
    await h.call('preferences.set', { theme: 'light' })
    await h.call('data.restore', { name: backup.name })
    await h.close()

    // Killed after the database was swapped and before preferences.json was: half of each state on disk.
    const killed = await killRestoreAt(dataDir, service, 'moved keel.db')
    expect(killed.signal).toBe('SIGKILL')
    expect(() => process.kill(killed.pid, 0)).toThrow()
    expect(strays(dataDir)).toContain('restore-applying')
    expect(titles(path.join(dataDir, 'keel.db'))).toEqual(['Kept in the backup'])
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'preferences.json'), 'utf8')).theme).toBe('light')

    const after = await CoreHarness.open(dataDir, service)
    expect(await listedTitles(after)).toEqual(['Kept in the backup'])
    expect((await after.call('preferences.get', {})).theme).toBe('dark')
    const status = await after.call('data.status', {})
    const before = status.backups.find((x) => x.name === status.lastRestore?.beforeRestoreBackup)
    expect(before?.kind).toBe('before-restore')
    expect(titlesInBackup(before!.path)).toEqual(['Kept in the backup', 'Made after the backup'])
    expect(strays(dataDir)).toEqual([])
    await after.close()
  })
})
