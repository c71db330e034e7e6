// Sessions metadata, append-only messages, drafts, and the database's own guards.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

const service = testKeychainService()

async function sessionWithMessages() {
  const h = await CoreHarness.open(tempDataDir(), service)
  await h.call('providers.create', { name: 'P', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm', key: testKey('p') })
  const s = await h.call('sessions.create', {})
  for (const text of ['one', 'two']) {
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text })
    await h.turnEnded(turnId)
  }
  return { h, s }
}

describe('sessions', () => {
  it('rename, pin, archive and binding changes never rewrite messages', async () => {
    const { h, s } = await sessionWithMessages()
    const before = (await h.call('sessions.open', { id: s.id })).messages
    expect(before).toHaveLength(4)
    await h.call('sessions.rename', { id: s.id, title: 'Renamed' })
    await h.call('sessions.pin', { id: s.id, pinned: true })
    await h.call('sessions.archive', { id: s.id, archived: true })
    await h.call('sessions.bind', { id: s.id, entryId: 'p', model: 'other-model' })
    const after = await h.call('sessions.open', { id: s.id })
    expect(after.messages).toEqual(before)
    expect(after.session).toMatchObject({ title: 'Renamed', pinned: true, archived: true })
    await h.close()
  })

  it('the database refuses to update or delete a message outside its session', async () => {
    const { h, s } = await sessionWithMessages()
    const db = new Database(path.join(h.dataDir, 'keel.db'))
    expect(() => db.prepare("UPDATE messages SET content = 'x'").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM messages').run()).toThrow(/only with their session/)
    db.close()
    await h.call('sessions.delete', { id: s.id })
    expect((await h.fail('sessions.open', { id: s.id })).kind).toBe('not-found')
    const check = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    expect((check.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(0)
    check.close()
    await h.close()
  })

  it('deleting one session leaves the others and their messages alone', async () => {
    const { h, s } = await sessionWithMessages()
    const other = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: other.id, text: 'keep me' })
    await h.turnEnded(turnId)
    await h.call('sessions.delete', { id: s.id })
    expect((await h.call('sessions.open', { id: other.id })).messages.map((m) => m.content)).toEqual(['keep me', 'Echo [m]: keep me'])
    await h.close()
  })

  it('drafts are per session, survive a restart, and sending clears only the sender\'s draft', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'P', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm', key: testKey('p') })
    const a = await h.call('sessions.create', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.saveDraft', { id: a.id, text: 'draft for A' })
    await h.call('sessions.saveDraft', { id: b.id, text: 'draft for B' })
    await h.close()
    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('sessions.open', { id: a.id })).draft).toBe('draft for A')
    const { turnId } = await h.call('chat.send', { sessionId: a.id, text: 'draft for A' })
    await h.turnEnded(turnId)
    expect((await h.call('sessions.open', { id: a.id })).draft).toBe('')
    expect((await h.call('sessions.open', { id: b.id })).draft).toBe('draft for B')
    await h.close()
  })

  it('search matches titles and message text; pinned sessions come first', async () => {
    const { h, s } = await sessionWithMessages()
    const other = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: other.id, title: 'Quarterly plan' })
    await h.call('sessions.pin', { id: s.id, pinned: true })
    expect((await h.call('sessions.list', {})).items[0]!.id).toBe(s.id)
    const found = async (query: string) => (await h.call('sessions.search', { query })).hits.map((x) => x.session.id)
    expect(await found('quarterly')).toEqual([other.id])
    expect(await found('Echo [m]: two')).toEqual([s.id])
    expect(await found('100%_')).toEqual([])
    await h.close()
  })

  it('a new session is titled after the first line of its first message, cut to 57 characters and "…" when longer than 60', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { name: 'P', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm', key: testKey('p') })
    const first = 'Please summarise the minutes of the harbour committee meeting of last Tuesday' // 77 characters
    const long = await h.call('sessions.create', {})
    const sent = await h.call('chat.send', { sessionId: long.id, text: `  ${first}  \nand list the decisions.` })
    await h.turnEnded(sent.turnId)
    // Exactly 60 characters: kept whole.
    const sixty = 'Tell me which of the harbour cranes were repaired last week?'
    expect(sixty).toHaveLength(60)
    const exact = await h.call('sessions.create', {})
    await h.turnEnded((await h.call('chat.send', { sessionId: exact.id, text: sixty })).turnId)
    const titles = new Map((await h.call('sessions.list', {})).items.map((x) => [x.id, x.title]))
    expect(titles.get(long.id)).toBe('Please summarise the minutes of the harbour committee mee…')
    expect(titles.get(long.id)).toBe(`${first.slice(0, 57)}…`)
    expect(titles.get(exact.id)).toBe(sixty)
    expect((await h.call('sessions.open', { id: long.id })).session.title).toBe('Please summarise the minutes of the harbour committee mee…')
    await h.close()
  })
})

describe('database migrations', () => {
  it('refuses a database written by a newer Keel, with a clear message, and leaves it untouched', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    const bytes = fs.readFileSync(file)
    await expect(CoreHarness.open(dataDir, service)).rejects.toMatchObject({ data: { kind: 'database', message: expect.stringMatching(/newer version of Keel \(schema 99; this Keel understands up to \d+\)/) } })
    expect(fs.readFileSync(file).equals(bytes)).toBe(true)
  })

  it('backs up an existing database before migrating it, one transaction per migration', () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'keel.db')
    const backups = path.join(dataDir, 'backups')
    openDatabase(file, backups).db.close()
    const next = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'test', up: (d: Database.Database) => (d.exec('CREATE TABLE extra (x)'), { summary: 'added extra' }) }]
    const opened = openDatabase(file, backups, next)
    expect(opened.schemaVersion).toBe(MIGRATIONS.length + 1)
    expect(opened.backupPath).not.toBeNull()
    const backup = new Database(opened.backupPath!, { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    backup.close()
    expect(opened.db.prepare('SELECT summary FROM migration_log ORDER BY id DESC LIMIT 1').get()).toEqual({ summary: 'test: added extra' })
    opened.db.close()

    // A failing migration rolls back completely: version and schema stay as they were.
    const broken = [...next, { version: next.length + 1, name: 'broken', up: (d: Database.Database) => (d.exec('CREATE TABLE half (x)'), d.exec('SELECT * FROM nope'), { summary: '' }) }]
    expect(() => openDatabase(file, backups, broken)).toThrow()
    const check = new Database(file, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(next.length)
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined()
    check.close()
  })

  it('a damaged database file is a clear error, not a crash', async () => {
    const dataDir = tempDataDir()
    fs.writeFileSync(path.join(dataDir, 'keel.db'), 'this is not sqlite at all, just some text that is long enough'.repeat(100))
    await expect(CoreHarness.open(dataDir, service)).rejects.toMatchObject({ data: { kind: 'database', message: expect.stringContaining('damaged') } })
  })
})
