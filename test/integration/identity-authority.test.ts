// The identity authority under the changes that broke other tools (seeds 000–003): restarts, two entries on one
// URL, legacy rows, renames, deletes, key rotation, config edits, model refresh, rows edited behind Keel's back.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import keytar from 'keytar'
import path from 'node:path'
import { chat, CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

const service = testKeychainService()

const lastChat = () => fake.requests().filter((r) => r.protocol !== 'models').at(-1)!
const row = (dataDir: string, id: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const r = db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id = ?').get(id)
  db.close()
  return r as { entryId: string; model: string; mode: string }
}
const editConfig = (dataDir: string, edit: (cfg: any) => void) => {
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}

describe('identity authority', () => {
  it('a named custom entry survives restart with its key and model, and the row stores the entry id, not a class', async () => {
    const dataDir = tempDataDir()
    const key = testKey('mimo')
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { name: 'mimo-v2.5-pro', kind: 'openai-compatible', baseUrl: `${fake.url}/mimo/v1`, defaultModel: 'mimo-v2.5-pro', key })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'mimo-v2-5-pro', model: 'mimo-v2.5-pro' })
    await chat(h, s.id)
    await h.close()
    expect(row(dataDir, s.id)).toEqual({ entryId: 'mimo-v2-5-pro', model: 'mimo-v2.5-pro', mode: 'pinned' })
    h = await CoreHarness.open(dataDir, service)
    await chat(h, s.id)
    expect(fake.requests().map((r) => [r.path, r.bearer, r.model])).toEqual([
      ['/mimo/v1/chat/completions', key, 'mimo-v2.5-pro'],
      ['/mimo/v1/chat/completions', key, 'mimo-v2.5-pro'],
    ])
    await h.close()
  })

  it('two entries on the same base URL with different keys never swap', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const keyA = testKey('team-a')
    const keyB = testKey('team-b')
    await h.call('providers.create', { id: 'team-a', name: 'Team A', kind: 'openai-compatible', baseUrl: `${fake.url}/shared/v1`, defaultModel: 'm', key: keyA })
    await h.call('providers.create', { id: 'team-b', name: 'Team B', kind: 'openai-compatible', baseUrl: `${fake.url}/shared/v1`, defaultModel: 'm', key: keyB })
    const a = await h.call('sessions.create', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: a.id, entryId: 'team-a', model: 'm' })
    await h.call('sessions.bind', { id: b.id, entryId: 'team-b', model: 'm' })
    for (const [id, key] of [[a.id, keyA], [b.id, keyB], [a.id, keyA], [b.id, keyB]] as const) {
      await chat(h, id)
      expect(lastChat().bearer).toBe(key)
    }
    const models = await h.call('providers.models', { entryId: 'team-a' })
    const modelsB = await h.call('providers.models', { entryId: 'team-b' })
    expect(models.namespace).not.toBe(modelsB.namespace)
    await h.close()
  })

  it('legacy openai-codex/* and custom rows: repaired at startup after a backup, never written back after turns', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'openai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai'), api: 'openai-chat' })
    const legacy = await h.call('sessions.create', {})
    const classy = await h.call('sessions.create', {})
    await h.close()
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare("UPDATE sessions SET binding_entry_id = 'openai-codex', binding_model = 'openai-codex/gpt-5.5', binding_mode = 'pinned' WHERE id = ?").run(legacy.id)
    db.prepare("UPDATE sessions SET binding_entry_id = 'custom', binding_model = 'mimo-v2.5-pro', binding_mode = 'pinned' WHERE id = ?").run(classy.id)
    db.close()

    h = await CoreHarness.open(dataDir, service)
    expect(row(dataDir, legacy.id)).toEqual({ entryId: 'openai', model: 'gpt-5.5', mode: 'pinned' })
    expect(fs.readdirSync(path.join(dataDir, 'backups')).some((f) => f.includes('before-binding-repair'))).toBe(true)
    const app = await h.call('diagnostics.app', {})
    expect(app.migrations[0]!.summary).toMatch(/binding repair: canonicalized 1 session binding/)
    expect(JSON.stringify(app.migrations[0]!.details)).toContain('openai-codex/gpt-5.5')
    await chat(h, legacy.id)
    await chat(h, legacy.id)
    expect(lastChat()).toMatchObject({ path: '/oai/v1/chat/completions', model: 'gpt-5.5' })
    expect(row(dataDir, legacy.id)).toEqual({ entryId: 'openai', model: 'gpt-5.5', mode: 'pinned' })

    // "custom" names no entry: the session is unresolved and nothing is guessed from a URL.
    const c = await h.call('sessions.open', { id: classy.id })
    expect(c.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'not-an-entry' })
    expect((await h.call('diagnostics.session', { id: classy.id })).status).toBe('unresolved')
    await h.call('sessions.bind', { id: classy.id, entryId: 'openai', model: 'gpt-5.5' })
    await chat(h, classy.id)
    expect(row(dataDir, classy.id)).toEqual({ entryId: 'openai', model: 'gpt-5.5', mode: 'pinned' })
    await h.close()
  })

  it('renaming an entry keeps sessions bound and shows the new name at once; deleting it leaves them unresolved', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'acme', name: 'Acme', kind: 'openai-compatible', baseUrl: `${fake.url}/acme/v1`, defaultModel: 'a-1', key: testKey('acme') })
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    await h.call('providers.update', { id: 'acme', patch: { name: 'Acme Corp' } })
    const snap = await h.waitFor('identity', (e) => e.sessionId === s.id && e.identity?.entryName === 'Acme Corp')
    expect(snap.state.kind).toBe('resolved')
    expect((await h.call('sessions.list', {})).items[0]!.identity.identity?.entryName).toBe('Acme Corp')
    await chat(h, s.id)
    expect(lastChat().path).toBe('/acme/v1/chat/completions')

    fake.clear()
    await h.call('providers.delete', { id: 'acme' })
    const removed = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'unresolved')
    expect(removed.state).toMatchObject({ reason: 'entry-missing' })
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'hello?' })).kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    await h.close()
  })

  it('a key rotated in Keel or directly in the keychain is used from the next request, without restart', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const k1 = testKey('k1')
    await h.call('providers.create', { id: 'rot', name: 'Rot', kind: 'openai-compatible', baseUrl: `${fake.url}/rot/v1`, defaultModel: 'r', key: k1 })
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    expect(lastChat().bearer).toBe(k1)
    const k2 = testKey('k2')
    await h.call('providers.setKey', { id: 'rot', key: k2 })
    await chat(h, s.id)
    expect(lastChat().bearer).toBe(k2)
    const k3 = testKey('k3')
    await keytar.setPassword(service, 'provider:rot', k3)
    await chat(h, s.id)
    expect(lastChat().bearer).toBe(k3)
    const diag = await h.call('diagnostics.session', { id: s.id })
    expect(diag.rows.find((r) => r.field === 'credential')!.active).toMatch(/^provider:rot · stored · fp [0-9a-f]{12}$/)
    expect(JSON.stringify(diag)).not.toContain(k3)
    await h.close()
  })

  it('config edited outside Keel: follow-default sessions switch at the next turn with a notice', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'one', name: 'One', kind: 'openai-compatible', baseUrl: `${fake.url}/one/v1`, defaultModel: 'm1', auth: 'none' })
    await h.call('providers.create', { id: 'two', name: 'Two', kind: 'openai-compatible', baseUrl: `${fake.url}/two/v1`, defaultModel: 'm2', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    expect(lastChat().path).toBe('/one/v1/chat/completions')
    const mark = h.mark()
    editConfig(dataDir, (cfg) => (cfg.default = { entryId: 'two', model: 'm2' }))
    await h.waitFor('providers', (e) => e.reason === 'config-changed', 10_000, mark)
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ path: '/two/v1/chat/completions', model: 'm2' })
    const notice = await h.waitFor('notice', (n) => n.sessionId === s.id)
    expect(notice.text).toMatch(/switched from One · m1 to Two · m2/)
    expect(row(dataDir, s.id)).toEqual({ entryId: 'two', model: 'm2', mode: 'follow-default' })
    // New sessions use the new config.
    const fresh = await h.call('sessions.create', {})
    expect(fresh.identity.identity?.entryId).toBe('two')
    await h.close()
  })

  it('config edited outside Keel: a pinned session stays on its previous runtime, shows the difference, and Apply switches', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/old/v1`, defaultModel: 'p', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'pin', model: 'p' })
    await chat(h, s.id)
    editConfig(dataDir, (cfg) => (cfg.providers[0].baseUrl = `${fake.url}/new/v1`))
    const changed = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    expect(changed.state).toMatchObject({ kind: 'config-changed', kept: false, differences: [{ field: 'baseUrl', active: `${fake.url}/old/v1`, config: `${fake.url}/new/v1` }] })
    expect(changed.identity?.baseUrl).toBe(`${fake.url}/old/v1`)
    await chat(h, s.id)
    expect(lastChat().path).toBe('/old/v1/chat/completions')

    // Keep: stays, without asking again for this change.
    const kept = await h.call('sessions.keepRuntime', { id: s.id })
    expect(kept.identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    const diag = await h.call('diagnostics.session', { id: s.id })
    expect(diag.rows.find((r) => r.field === 'baseUrl')!.drift?.columns).toContain('config')

    // Apply: re-resolve against the config.
    const applied = await h.call('sessions.reresolve', { id: s.id })
    expect(applied.identity.state.kind).toBe('resolved')
    await chat(h, s.id)
    expect(lastChat().path).toBe('/new/v1/chat/completions')
    // New sessions use the new config.
    await h.close()
  })

  it('refresh hits only the active session\'s entry, and catalogs never cross namespaces', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'def', name: 'Default', kind: 'openai-compatible', baseUrl: `${fake.url}/def/v1`, defaultModel: 'd', auth: 'none' })
    await h.call('providers.create', { id: 'side', name: 'Side', kind: 'openai-compatible', baseUrl: `${fake.url}/side/v1`, defaultModel: 's', auth: 'none' })
    fake.script({ protocol: 'models', pathPrefix: '/side/', models: ['side-only-1', 'side-only-2'] })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'side', model: 'side-only-1' })
    fake.clear()
    const list = await h.call('sessions.refreshModels', { id: s.id })
    expect(fake.requests().map((r) => r.path)).toEqual(['/side/v1/models'])
    expect(list).toMatchObject({ entryId: 'side', source: 'live', models: ['side-only-1', 'side-only-2'] })
    const def = await h.call('providers.models', { entryId: 'def' })
    expect(def.models).not.toContain('side-only-1')
    expect(def.namespace).toBe(`def|${fake.url}/def/v1|provider:def`)
    // One invalidation path: Clear caches drops both; the next list is live again.
    await h.call('diagnostics.clearCaches', {})
    expect((await h.call('providers.models', { entryId: 'side' })).source).toBe('live')
    await h.close()
  })

  it('the live identity wins over a database row edited behind Keel\'s back', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'real', name: 'Real', kind: 'openai-compatible', baseUrl: `${fake.url}/real/v1`, defaultModel: 'r-1', auth: 'none' })
    await h.call('providers.create', { id: 'gemini', name: 'Gemini', kind: 'openai-compatible', baseUrl: `${fake.url}/gemini/v1`, defaultModel: 'g', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'real', model: 'r-1' })
    await chat(h, s.id)
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare("UPDATE sessions SET binding_entry_id = 'gemini', binding_model = 'g' WHERE id = ?").run(s.id)
    db.close()
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity).toMatchObject({ authority: 'live', identity: { entryId: 'real', entryName: 'Real', model: 'r-1' } })
    await chat(h, s.id)
    expect(lastChat().path).toBe('/real/v1/chat/completions')
    const diag = await h.call('diagnostics.session', { id: s.id })
    const entryRow = diag.rows.find((r) => r.field === 'entryId')!
    expect(entryRow).toMatchObject({ active: 'real', persisted: 'gemini', drift: { columns: expect.arrayContaining(['persisted']) } })
    expect(entryRow.drift!.explanation).toMatch(/changed outside Keel/)
    await h.close()
  })

  it('a window attaching mid-turn gets a persisted snapshot, superseded by a live one', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'slow', name: 'Slow', kind: 'openai-compatible', baseUrl: `${fake.url}/slow/v1`, defaultModel: 's', auth: 'none' })
    fake.script({ hang: true, times: 1 })
    const s = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'go' })
    await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.authority).toBe('persisted')
    await h.call('chat.stop', { sessionId: s.id })
    const live = await h.waitFor('identity', (e) => e.sessionId === s.id && e.authority === 'live' && e.revision > view.session.identity.revision)
    expect(live.identity?.entryId).toBe('slow')
    await h.close()
  })
})
