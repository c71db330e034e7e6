// Identity edge cases (issue #7, section 7): each way a session could end up on another identity without a word —
// legacy rows bound to a resolved class, a Keep forgotten by a restart, a key rotated behind Keel's back, entry
// prefixes on local servers, a retired id re-added in config.json, a re-bind mid-turn, a loopback OpenAI proxy.
// Real SQLite files, the real keychain, the recording fake provider.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import keytar from 'keytar'
import path from 'node:path'
import { chat, CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()

const chats = () => fake.requests().filter((r) => r.protocol !== 'models')
const lastChat = () => chats().at(-1)!
const row = (dataDir: string, id: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const r = db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id = ?').get(id)
  db.close()
  return r as { entryId: string; model: string; mode: string }
}
/** Writes a session row the way an older version (or another tool) left it. */
const legacyRow = (dataDir: string, id: string, entryId: string, model: string, mode: 'pinned' | 'follow-default') => {
  const db = new Database(path.join(dataDir, 'keel.db'))
  db.prepare('UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = ? WHERE id = ?').run(entryId, model, mode, id)
  db.close()
}
const editConfig = (dataDir: string, edit: (cfg: any) => void) => {
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}
/** sessions.list items, whichever page shape the contract has. */
const listed = async (h: CoreHarness) => {
  const out = (await h.call('sessions.list', {} as never)) as unknown
  return (Array.isArray(out) ? out : (out as { items: unknown[] }).items) as Array<{ id: string; identity: any }>
}

describe('identity edge cases', () => {
  it('a legacy follow-default row bound to "custom" stays unresolved and untouched until the user picks an entry', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'app-default', name: 'App default', kind: 'openai-compatible', baseUrl: `${fake.url}/default/v1`, defaultModel: 'd-1', key: testKey('default') })
    const s = await h.call('sessions.create', {})
    await h.close()
    legacyRow(dataDir, s.id, 'custom', 'mimo-v2.5-pro', 'follow-default')

    h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'not-an-entry' })
    expect(view.session.identity.identity).toBeNull()
    const refused = await h.fail('chat.send', { sessionId: s.id, text: 'where does this go?' })
    expect(refused.kind).toBe('unresolved')
    expect(refused.message).toMatch(/"custom"/)
    expect(fake.requests()).toEqual([])
    expect(row(dataDir, s.id)).toEqual({ entryId: 'custom', model: 'mimo-v2.5-pro', mode: 'follow-default' })
    expect((await h.call('diagnostics.session', { id: s.id })).status).toBe('unresolved')

    // The user picks: from then on it is an ordinary session.
    await h.call('sessions.bind', { id: s.id, entryId: 'app-default', model: 'd-1' })
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ path: '/default/v1/chat/completions', model: 'd-1' })
    await h.close()
  })

  it('"Keep" survives a restart: the next send still goes to the kept runtime, and Apply ends it', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/old/v1`, defaultModel: 'p', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'pin', model: 'p' })
    await chat(h, s.id)
    editConfig(dataDir, (cfg) => (cfg.providers[0].baseUrl = `${fake.url}/new/v1`))
    await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    expect((await h.call('sessions.keepRuntime', { id: s.id })).identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'config-changed', kept: true, differences: [{ field: 'baseUrl', active: `${fake.url}/old/v1`, config: `${fake.url}/new/v1` }] })
    expect(view.session.identity.identity?.baseUrl).toBe(`${fake.url}/old/v1`)
    await chat(h, s.id)
    expect(lastChat().path).toBe('/old/v1/chat/completions')
    // Resuming from the tray re-reads everything but is not Apply: the Keep stays.
    expect((await h.call('sessions.quickResume', { id: s.id })).identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    await chat(h, s.id)
    expect(lastChat().path).toBe('/old/v1/chat/completions')

    // Apply ends the decision, for good: after another restart the session stays on the new config.
    await h.call('sessions.reresolve', { id: s.id })
    await chat(h, s.id)
    expect(lastChat().path).toBe('/new/v1/chat/completions')
    await h.close()
    h = await CoreHarness.open(dataDir, service)
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state.kind).toBe('resolved')
    await chat(h, s.id)
    expect(lastChat().path).toBe('/new/v1/chat/completions')
    await h.close()
  })

  it('a kept runtime that cannot be rebuilt after a restart (header values are never stored) says so and sends nothing', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'hdr', name: 'Hdr', kind: 'openai-compatible', baseUrl: `${fake.url}/h-old/v1`, defaultModel: 'h', auth: 'none', headers: { 'X-Team': 'alpha' } })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'hdr', model: 'h' })
    await chat(h, s.id)
    editConfig(dataDir, (cfg) => {
      cfg.providers[0].baseUrl = `${fake.url}/h-new/v1`
      cfg.providers[0].headers = { 'X-Team': 'beta' }
    })
    await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    await h.call('sessions.keepRuntime', { id: s.id })
    await h.close()

    fake.clear()
    h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'kept-runtime-lost' })
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'hi' })).kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    // The user chooses: Apply sends to the new config from then on.
    await h.call('sessions.reresolve', { id: s.id })
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ path: '/h-new/v1/chat/completions' })
    expect(lastChat().headers['x-team']).toBe('beta')
    await h.close()
    // The decision was stored without header values (they may be credentials).
    const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    expect(JSON.stringify(db.prepare('SELECT * FROM sqlite_master').all())).toContain('kept_runtimes')
    expect(JSON.stringify(db.prepare('SELECT * FROM kept_runtimes').all())).not.toMatch(/alpha|beta/)
    db.close()
  })

  it('a key rotated directly in the keychain gets its own catalog namespace: the old key\'s model list is not served', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const k1 = testKey('cat-k1')
    const k2 = testKey('cat-k2')
    await h.call('providers.create', { id: 'cat', name: 'Cat', kind: 'openai-compatible', baseUrl: `${fake.url}/cat/v1`, defaultModel: 'c', key: k1 })
    fake.script({ protocol: 'models', pathPrefix: '/cat/', key: k1, models: ['only-for-k1'] })
    fake.script({ protocol: 'models', pathPrefix: '/cat/', key: k2, models: ['only-for-k2'] })
    const s = await h.call('sessions.create', {})
    const first = await h.call('providers.models', { entryId: 'cat' })
    expect(first).toMatchObject({ source: 'live', models: ['only-for-k1'] })

    await keytar.setPassword(service, 'provider:cat', k2)
    const second = await h.call('providers.models', { entryId: 'cat' })
    expect(second).toMatchObject({ source: 'live', models: ['only-for-k2'] })
    expect(second.namespace).not.toBe(first.namespace)
    expect(fake.requests().filter((r) => r.protocol === 'models').map((r) => r.bearer)).toEqual([k1, k2])
    // The session's identity names the same namespace as the list it is shown.
    const snap = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(snap.identity?.catalogNamespace).toBe(second.namespace)
    expect(second.namespace).not.toContain(k2)
    await h.close()
  })

  it('an entry-id prefix is stripped on a local server only to reach an id the server lists (lmstudio/qwen/… → qwen/…)', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'lmstudio', name: 'LM Studio', kind: 'lmstudio', baseUrl: `${fake.url}/lms/v1`, defaultModel: 'some-default' })
    fake.script({ protocol: 'models', pathPrefix: '/lms/', models: ['qwen/qwen3.6-27b', 'lmstudio/own-model'] })
    // Bound before anything says what the server lists: the id is kept whole (it might be the server's own)…
    const early = await h.call('sessions.create', {})
    expect((await h.call('sessions.bind', { id: early.id, entryId: 'lmstudio', model: 'lmstudio/qwen/qwen3.6-27b' })).identity.binding?.model).toBe('lmstudio/qwen/qwen3.6-27b')
    // The model picker fetched the list.
    expect((await h.call('providers.models', { entryId: 'lmstudio' })).models).toContain('qwen/qwen3.6-27b')
    // …and once the list is known, the next turn sends the listed id, says so, and the row is corrected.
    await chat(h, early.id)
    expect(lastChat().model).toBe('qwen/qwen3.6-27b')
    expect((await h.waitFor('notice', (n) => n.sessionId === early.id)).text).toMatch(/lmstudio\/qwen\/qwen3\.6-27b" → "qwen\/qwen3\.6-27b/)
    expect(row(dataDir, early.id)).toEqual({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b', mode: 'pinned' })
    const picked = await h.call('sessions.create', {})
    const bound = await h.call('sessions.bind', { id: picked.id, entryId: 'lmstudio', model: 'lmstudio/qwen/qwen3.6-27b' })
    expect(bound.identity.binding).toMatchObject({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' })
    await chat(h, picked.id)
    expect(lastChat().model).toBe('qwen/qwen3.6-27b')
    // A prefix that is part of the server's own id is kept.
    const own = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: own.id, entryId: 'lmstudio', model: 'lmstudio/own-model' })
    await chat(h, own.id)
    expect(lastChat().model).toBe('lmstudio/own-model')
    const legacy = await h.call('sessions.create', {})
    await h.close()

    // A row left by an older version is repaired at startup with what the cached catalog says.
    legacyRow(dataDir, legacy.id, 'lmstudio', 'lmstudio/qwen/qwen3.6-27b', 'pinned')
    h = await CoreHarness.open(dataDir, service)
    expect(row(dataDir, legacy.id)).toEqual({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b', mode: 'pinned' })
    await chat(h, legacy.id)
    expect(lastChat()).toMatchObject({ path: '/lms/v1/chat/completions', model: 'qwen/qwen3.6-27b' })
    await h.close()
  })

  it('config.json re-adding a retired entry id is refused naming the field; the old sessions stay unresolved', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'acme', name: 'Acme', kind: 'openai-compatible', baseUrl: `${fake.url}/acme-old/v1`, defaultModel: 'a', key: testKey('acme-old') })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'acme', model: 'a' })
    await chat(h, s.id)
    await h.call('providers.delete', { id: 'acme' })
    await keytar.setPassword(service, 'provider:acme', testKey('acme-new'))
    fake.clear()

    const stranger = { id: 'acme', name: 'Acme (new server)', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/acme-new/v1` }
    let mark = h.mark()
    editConfig(dataDir, (cfg) => cfg.providers.push(stranger))
    // Either outcome ends the wait: the edit was refused (config-error) or taken (config-changed).
    await h.waitFor('app', (e) => e.reason === 'config-error' || e.reason === 'config-changed', 10_000, mark)
    let state = await h.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].id' })
    expect(state.config.error!.message).toMatch(/deleted entry/)
    expect((await h.call('providers.list', {})).map((p) => p.id)).not.toContain('acme')
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'entry-missing' })
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'hi' })).kind).toBe('unresolved')

    // Removing the id from retiredProviderIds as well does not un-retire it: Keel (and its database) remember the
    // retirement, and the entry under the retired id is still the field refused.
    mark = h.mark()
    editConfig(dataDir, (cfg) => (cfg.retiredProviderIds = []))
    await h.waitFor('app', (e) => e.reason === 'config-error' || e.reason === 'config-changed', 10_000, mark)
    state = await h.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].id' })
    expect(state.config.error!.message).toMatch(/"acme" is the id of a deleted entry/)
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'hi' })).kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    await h.close()
  })

  it('a re-bind while a turn streams: the live snapshot shows the running model, and the new one as what the next turn uses', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'ma', name: 'Model A host', kind: 'openai-compatible', baseUrl: `${fake.url}/ma/v1`, defaultModel: 'model-a', auth: 'none' })
    await h.call('providers.create', { id: 'mb', name: 'Model B host', kind: 'openai-compatible', baseUrl: `${fake.url}/mb/v1`, defaultModel: 'model-b', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'ma', model: 'model-a' })
    fake.script({ hold: 'rebind', times: 1, pathPrefix: '/ma/' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'long answer please' })
    await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)

    const bound = await h.call('sessions.bind', { id: s.id, entryId: 'mb', model: 'model-b' })
    for (const snap of [bound.identity, (await listed(h)).find((x) => x.id === s.id)!.identity]) {
      expect(snap).toMatchObject({ authority: 'live', state: { kind: 'resolved' }, identity: { entryId: 'ma', model: 'model-a' } })
      expect(snap.next).toMatchObject({ binding: { entryId: 'mb', model: 'model-b', mode: 'pinned' }, identity: { entryId: 'mb', model: 'model-b' } })
    }
    expect(chats().map((r) => [r.path, r.model])).toEqual([['/ma/v1/chat/completions', 'model-a']])

    // The turn finishes on model A; from its end on, the snapshot shows model B.
    const mark = h.mark()
    fake.release('rebind')
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'done' })
    const after = await h.waitFor('identity', (e) => e.sessionId === s.id && e.identity?.model === 'model-b', 10_000, mark)
    expect(after).toMatchObject({ authority: 'live', state: { kind: 'resolved' }, identity: { entryId: 'mb' } })
    expect(after.next ?? null).toBeNull()
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.messages.at(-1)).toMatchObject({ role: 'assistant', producedWith: { model: 'model-a' } })
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ path: '/mb/v1/chat/completions', model: 'model-b' })
    await h.close()
  })

  it('an openai-kind entry on a loopback proxy is canonicalized by its kind: openai/gpt-… loses the prefix', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    const key = testKey('litellm')
    await h.call('providers.create', { id: 'litellm', name: 'LiteLLM', kind: 'openai', api: 'openai-chat', baseUrl: `${fake.url}/litellm/v1`, key })
    const legacy = await h.call('sessions.create', {})
    const picked = await h.call('sessions.create', {})
    await h.close()
    legacyRow(dataDir, legacy.id, 'litellm', 'openai/gpt-5.5', 'pinned')

    h = await CoreHarness.open(dataDir, service)
    expect(row(dataDir, legacy.id)).toEqual({ entryId: 'litellm', model: 'gpt-5.5', mode: 'pinned' })
    await chat(h, legacy.id)
    expect(lastChat()).toMatchObject({ path: '/litellm/v1/chat/completions', model: 'gpt-5.5', bearer: key })
    const bound = await h.call('sessions.bind', { id: picked.id, entryId: 'litellm', model: 'openai/gpt-5.5' })
    expect(bound.identity.binding?.model).toBe('gpt-5.5')
    // An app default written that way is canonicalized too: a session following it sends the bare id, quietly.
    await h.call('providers.setDefault', { entryId: 'litellm', model: 'openai/gpt-5.5' })
    const follower = await h.call('sessions.create', {})
    expect(follower.identity.identity?.model).toBe('gpt-5.5')
    await chat(h, follower.id)
    await chat(h, follower.id)
    expect(lastChat().model).toBe('gpt-5.5')
    expect(h.events('notice').filter((n) => n.sessionId === follower.id)).toEqual([])
    await h.close()
  })

  it('migration 003 upgrades a database made by the previous version, after a backup, keeping its sessions', async () => {
    const old = openAtSchema(2)
    const { dataDir, file } = old
    expect(old.schemaVersion).toBe(2)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at, binding_entry_id, binding_model, binding_mode) VALUES ('s-old', 'Old chat', 1, 1, 'pin', 'p', 'pinned')").run()
    old.db.prepare("INSERT INTO messages (id, session_id, seq, role, content, created_at) VALUES ('m-1', 's-old', 1, 'user', 'hello from v2', 1)").run()
    old.db.close()

    const h = await CoreHarness.open(dataDir, service)
    const backups = fs.readdirSync(path.join(dataDir, 'backups')).filter((f) => f.includes('before-v'))
    expect(backups.length).toBe(1)
    const backup = new Database(path.join(dataDir, 'backups', backups[0]!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(2)
    backup.close()
    const view = await h.call('sessions.open', { id: 's-old' })
    expect(view.messages.map((m) => m.content)).toEqual(['hello from v2'])
    const app = await h.call('diagnostics.app', {})
    expect(app.schemaVersion).toBeGreaterThanOrEqual(3)
    expect(app.migrations.some((m) => m.version === 3 && /kept runtimes/.test(m.summary))).toBe(true)
    await h.close()
    const db = new Database(file, { readonly: true })
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'kept_runtimes'").get()).toEqual({ name: 'kept_runtimes' })
    db.close()
  })
})
