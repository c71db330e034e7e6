// A deleted entry's id stays retired across restarts (migration 005, retired_entries): config.json edited while Keel
// is closed — the id dropped from retiredProviderIds and an entry under it added again — is refused naming the
// entry's id field, and the old sessions stay unresolved, nothing sent. Real SQLite files, a real config file, the
// real keychain and the recording fake provider; the core is closed and opened again as a restart does.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import keytar from 'keytar'
import path from 'node:path'
import { runDoctor } from '../../src/main/core/diagnostics/doctor'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()

const editConfig = (dataDir: string, edit: (cfg: any) => void) => {
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}
const retiredRows = (dataDir: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const rows = db.prepare('SELECT entry_id AS id, source FROM retired_entries ORDER BY entry_id').all()
  db.close()
  return rows
}
const chats = () => fake.requests().filter((r) => r.protocol !== 'models')

/** What a user sees of a session bound to a retired id after the restart: unresolved, and a send goes nowhere. */
async function expectStaysUnresolved(h: CoreHarness, sessionId: string) {
  expect((await h.call('sessions.open', { id: sessionId })).session.identity.state).toMatchObject({ kind: 'unresolved' })
  expect((await h.fail('chat.send', { sessionId, text: 'still there?' })).kind).toBe('unresolved')
  expect(chats()).toEqual([])
}

describe('retired entry ids across restarts', () => {
  it('an entry deleted in Keel, then re-added in config.json (and dropped from retiredProviderIds) while Keel was closed, is refused at the next start', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'acme', name: 'Acme', kind: 'openai-compatible', baseUrl: `${fake.url}/acme-old/v1`, defaultModel: 'a', key: testKey('acme-old') })
    await h.call('providers.create', { id: 'other', name: 'Other', kind: 'openai-compatible', baseUrl: `${fake.url}/other/v1`, defaultModel: 'o', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'acme', model: 'a' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hi' })
    await h.turnEnded(turnId)
    await h.call('providers.delete', { id: 'acme' })
    await h.close()
    // The database remembers the deletion as such.
    expect(retiredRows(dataDir)).toEqual([{ id: 'acme', source: 'deleted' }])

    // While Keel is closed: a stranger's server under the old id, with a key stored for it, and no trace of the
    // retirement left in the file.
    await keytar.setPassword(service, 'provider:acme', testKey('acme-new'))
    editConfig(dataDir, (cfg) => {
      cfg.retiredProviderIds = []
      cfg.providers.unshift({ id: 'acme', name: 'Acme (new server)', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/acme-new/v1` })
    })
    const edited = fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')
    fake.clear()

    // The doctor, reading from outside, judges the file the same way.
    const report = await runDoctor({ dataDir, keychainService: service })
    expect(report.configError).toMatchObject({ kind: 'config-invalid', field: 'providers[0].id' })
    expect(report.sessions.find((x) => x.sessionId === s.id)!.status).toBe('unresolved')

    h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    const state = await h.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].id' })
    expect(state.config.error!.message).toMatch(/"acme" is the id of a deleted entry/)
    expect((await h.call('providers.list', {})).map((p) => p.id)).not.toContain('acme')
    await expectStaysUnresolved(h, s.id)
    // The file the user is fixing is not overwritten.
    expect(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')).toBe(edited)

    // Giving the new entry a new id (and the old one back to retiredProviderIds) is accepted; the old session
    // still does not move to the new entry.
    const mark = h.mark()
    editConfig(dataDir, (cfg) => {
      cfg.providers[0].id = 'acme-2'
      cfg.retiredProviderIds = ['acme']
    })
    await h.waitFor('app', (e) => e.reason === 'config-changed' || e.reason === 'config-error', 10_000, mark)
    expect((await h.call('app.state', {})).config.error).toBeNull()
    expect((await h.call('providers.list', {})).map((p) => p.id).sort()).toEqual(['acme-2', 'other'])
    await expectStaysUnresolved(h, s.id)
    await h.close()
  })

  it('dropping a retired id from retiredProviderIds alone, while Keel was closed, is refused naming that field', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'gone', name: 'Gone', kind: 'openai-compatible', baseUrl: `${fake.url}/gone/v1`, defaultModel: 'g', auth: 'none' })
    await h.call('providers.delete', { id: 'gone' })
    await h.close()
    editConfig(dataDir, (cfg) => (cfg.retiredProviderIds = []))

    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).config.error).toMatchObject({ kind: 'config-invalid', field: 'retiredProviderIds' })
    // Nor can Keel itself hand the id out again.
    expect((await h.fail('providers.create', { id: 'gone', name: 'Gone again', kind: 'openai-compatible', baseUrl: `${fake.url}/gone/v1`, auth: 'none' })).kind).toBe('config-invalid')
    await h.close()
  })

  it('a database made by the previous version (schema 4) is backed up, migrated, and learns the retirements config.json lists', async () => {
    // The previous version: schema 4, a session pinned to an entry it deleted (so config.json lists the id).
    const old = openAtSchema(4)
    const { dataDir, file, backups } = old
    expect(old.schemaVersion).toBe(4)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at, binding_entry_id, binding_model, binding_mode) VALUES ('s-old', 'Old chat', 1, 1, 'old', 'o-1', 'pinned')").run()
    old.db.close()
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ version: 1, providers: [{ id: 'kept', name: 'Kept', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/kept/v1`, auth: 'none' }], default: null, retiredProviderIds: ['old'] }),
    )

    let h = await CoreHarness.open(dataDir, service)
    const app = await h.call('diagnostics.app', {})
    expect(app.schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    expect(app.migrations.some((m) => m.version === 5 && /retired entries/.test(m.summary))).toBe(true)
    expect(app.configError).toBeNull()
    await h.close()
    // Backed up first: the backup is the previous version's file, with its session.
    const backupFiles = fs.readdirSync(backups).filter((f) => f.includes('before-v'))
    expect(backupFiles).toHaveLength(1)
    const backup = new Database(path.join(backups, backupFiles[0]!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(4)
    expect(backup.prepare("SELECT title FROM sessions WHERE id = 's-old'").get()).toEqual({ title: 'Old chat' })
    backup.close()
    expect(retiredRows(dataDir)).toEqual([{ id: 'old', source: 'config' }])

    // Now the restart scenario on the upgraded database: the retirement is gone from the file, the id is back.
    await keytar.setPassword(service, 'provider:old', testKey('old-new'))
    editConfig(dataDir, (cfg) => {
      cfg.retiredProviderIds = []
      cfg.providers.push({ id: 'old', name: 'Old (new server)', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/old-new/v1` })
    })
    fake.clear()
    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[1].id' })
    await expectStaysUnresolved(h, 's-old')
    expect((await h.call('sessions.open', { id: 's-old' })).session.title).toBe('Old chat')
    await h.close()
  })
})
