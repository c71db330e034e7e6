// What the identity authority tells the user in detail: the named differences of a pinned session whose entry
// changed (api, headers by name only, local), how long a list may show a key that was removed behind Keel's back,
// a Keep on an entry that is not the first one surviving a restart, and the error of a session deleted while it was
// being re-resolved. Written for the identity group's mutation survivors at 62b79dc (docs/mutation.md).
// Real SQLite files, the real keychain, the recording fake provider.
import { afterEach, describe, expect, it, vi } from 'vitest'
import fs from 'node:fs'
import keytar from 'keytar'
import path from 'node:path'
import { chat, CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { DISPLAY_KEYS_MS } from '../../src/main/core/identity/identity-service'

const fake = fakeProviderForFile()
const service = testKeychainService()

const editConfig = (dataDir: string, edit: (cfg: any) => void) => {
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}
const listedState = async (h: CoreHarness, id: string) => (await h.call('sessions.list', { limit: 50 })).items.find((s) => s.id === id)!.identity.state

afterEach(() => {
  vi.useRealTimers()
})

describe('identity details the user sees', () => {
  it('a pinned session names each changed field of its entry: api, local, and headers by name only (sorted; added, changed, removed), never their values', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    // Insertion order Zeta, Keep, Alpha: the difference lists names sorted, not in the order the file has them.
    await h.call('providers.create', {
      id: 'gw',
      name: 'Gateway',
      kind: 'openai-compatible',
      baseUrl: `${fake.url}/gw/v1`,
      api: 'openai-chat',
      defaultModel: 'g',
      auth: 'none',
      headers: { 'X-Zeta': 'zeta-secret-1', 'X-Keep': 'keep-value', 'X-Alpha': 'alpha-secret-1' },
    })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'gw', model: 'g' })
    await chat(h, s.id)
    editConfig(dataDir, (cfg) => {
      cfg.providers[0].api = 'openai-responses'
      cfg.providers[0].local = true
      cfg.providers[0].headers = { 'X-Zeta': 'zeta-secret-2', 'X-Keep': 'keep-value', 'X-New': 'new-secret-1' }
    })
    const changed = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    const state = changed.state as Extract<typeof changed.state, { kind: 'config-changed' }>
    expect(state.differences).toEqual([
      { field: 'api', active: 'openai-chat', config: 'openai-responses' },
      {
        field: 'headers',
        active: 'X-Alpha: (previous value), X-New: (absent), X-Zeta: (previous value)',
        config: 'X-Alpha: (removed), X-New: (new value), X-Zeta: (new value)',
      },
      { field: 'local', active: null, config: 'true' },
    ])
    expect(state.message).toBe('Pinned to the previous runtime: "Gateway" changed in config (api, headers, local).')
    // Header values may be credentials: the state shown in the header and Diagnostics carries none of them.
    const diag = await h.call('diagnostics.session', { id: s.id })
    expect(JSON.stringify([changed, diag])).not.toMatch(/zeta-secret|alpha-secret|new-secret|keep-value/)
    await h.close()
  })

  it(`lists show a key removed behind Keel's back after at most ${DISPLAY_KEYS_MS} ms, not sooner (one keychain read serves them until then)`, async () => {
    // Only the clock is faked (Date): the keychain, SQLite and the events are real.
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = new Date('2026-01-01T00:00:00Z').getTime()
    vi.setSystemTime(t0)
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'cached', name: 'Cached', kind: 'openai-compatible', baseUrl: `${fake.url}/c/v1`, defaultModel: 'c', key: testKey('cached') })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'cached', model: 'c' })
    expect((await listedState(h, s.id)).kind).toBe('resolved')

    // Removed in the OS keychain, not through Keel (which would refresh lists at once).
    expect(await keytar.deletePassword(service, 'provider:cached')).toBe(true)
    vi.setSystemTime(t0 + DISPLAY_KEYS_MS)
    expect((await listedState(h, s.id)).kind).toBe('resolved')
    vi.setSystemTime(t0 + DISPLAY_KEYS_MS + 1)
    expect(await listedState(h, s.id)).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    // Opening the session always reads afresh.
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    await h.close()
  })

  it('"Keep" on an entry that is not the first in config survives a restart, still naming its own entry and difference', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'first', name: 'First', kind: 'openai-compatible', baseUrl: `${fake.url}/first/v1`, defaultModel: 'f', auth: 'none' })
    await h.call('providers.create', { id: 'second', name: 'Second', kind: 'openai-compatible', baseUrl: `${fake.url}/s-old/v1`, defaultModel: 's', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'second', model: 's' })
    await chat(h, s.id)
    editConfig(dataDir, (cfg) => (cfg.providers.find((p: { id: string }) => p.id === 'second').baseUrl = `${fake.url}/s-new/v1`))
    await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    await h.call('sessions.keepRuntime', { id: s.id })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'config-changed', kept: true, differences: [{ field: 'baseUrl', active: `${fake.url}/s-old/v1`, config: `${fake.url}/s-new/v1` }] })
    expect(view.session.identity.identity).toMatchObject({ entryId: 'second', entryName: 'Second', baseUrl: `${fake.url}/s-old/v1` })
    await chat(h, s.id)
    expect(fake.requests().filter((r) => r.protocol !== 'models').at(-1)!.path).toBe('/s-old/v1/chat/completions')
    await h.close()
  })

  it('a fallback whose entry was deleted is skipped with a notice that says so, and adds that config.json is invalid only while it is', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'prim', name: 'Prim', kind: 'openai-compatible', baseUrl: `${fake.url}/prim/v1`, api: 'openai-chat', defaultModel: 'm-1', key: testKey('prim') })
    await h.call('providers.create', { id: 'gone', name: 'Gone', kind: 'openai-compatible', baseUrl: `${fake.url}/gone/v1`, api: 'openai-chat', defaultModel: 'm-2', key: testKey('gone') })
    await h.call('providers.create', { id: 'back', name: 'Back', kind: 'openai-compatible', baseUrl: `${fake.url}/back/v1`, api: 'openai-chat', defaultModel: 'm-2', key: testKey('back') })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'prim', model: 'm-1' })
    const set = await h.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [{ entryId: 'gone', model: 'm-2' }, { entryId: 'back', model: 'm-2' }] } })
    expect(set.problems).toEqual([])
    await h.call('providers.delete', { id: 'gone' })
    // The header lists the one that cannot resolve now, and only it (the other's key is read by its entry id).
    expect((await h.call('sessions.fallbacks', { id: s.id })).problems.map((p) => [p.entryId, p.reason])).toEqual([['gone', 'its entry was deleted']])
    const notices = () => h.events('notice').filter((e) => e.sessionId === s.id).map((e) => e.text)

    fake.script({ pathPrefix: '/prim', status: 503, times: 1 })
    expect((await chat(h, s.id, 'one')).status).toBe('done')
    expect(notices()).toContain('Fallback gone · m-2 skipped: its entry was deleted. Provider entry "gone" no longer exists. Nothing will be sent.')

    // config.json broken by hand: the last good config stays in force, and the skip says why the entry may be missing.
    const mark = h.mark()
    fs.writeFileSync(path.join(dataDir, 'config.json'), '{ "version": 1, "providers": [ ')
    await h.waitFor('app', (e) => e.reason === 'config-error', 10_000, mark)
    fake.script({ pathPrefix: '/prim', status: 503, times: 1 })
    expect((await chat(h, s.id, 'two')).status).toBe('done')
    expect(notices()).toContain(
      'Fallback gone · m-2 skipped: its entry was deleted. Provider entry "gone" no longer exists in the configuration in force (config.json is currently invalid). Nothing will be sent.',
    )
    expect(fake.requests().filter((r) => r.path.startsWith('/back/')).map((r) => r.model)).toEqual(['m-2', 'm-2'])
    await h.close()
  })

  it('a session deleted while it is being re-resolved: the re-resolve says it no longer exists and what to do', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'rr', name: 'Rr', kind: 'openai-compatible', baseUrl: `${fake.url}/rr/v1`, defaultModel: 'r', key: testKey('rr') })
    const s = await h.call('sessions.create', {})
    // Re-resolve reads the keychain (I/O) before the row; the delete (SQLite, no I/O wait) ends before that read does.
    const reresolve = h.core.dispatch('sessions.reresolve', { id: s.id })
    await h.call('sessions.delete', { id: s.id })
    const result = await reresolve
    expect(result).toMatchObject({ ok: false, error: { kind: 'not-found', message: 'That session no longer exists.', fix: 'Pick another session.' } })
    await h.close()
  })
})
