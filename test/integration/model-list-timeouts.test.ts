// A models list that never comes ends at the entry's first-byte timeout with an error naming the entry (not after
// the SDK's 10 minutes), in Settings (providers.models) and from a session (sessions.refreshModels), for both list
// shapes; what Keel already knew (a cached or static list) is still shown. The recording fake provider stalls the
// models endpoint; the real keychain and a real SQLite file hold the key and the cache.
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

// Far below the SDK's 10 minutes and the test's own limit, far above the 0.3 s timeout under test.
const PROMPTLY_MS = 15_000

describe('model-list requests end at the entry first-byte timeout', () => {
  it('a server that never answers the models request: the list comes back with a timeout error naming the entry, and the request is ended', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'sleepy', name: 'Sleepy', kind: 'openai-compatible', baseUrl: `${fake.url}/sleepy/v1`, key: testKey('sleepy'), timeouts: { firstByteMs: 300 } })
    fake.script({ protocol: 'models', stall: 'before-headers', pathPrefix: '/sleepy/' })
    const started = Date.now()
    const list = await h.call('providers.models', { entryId: 'sleepy', refresh: true })
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS)
    expect(list).toMatchObject({ entryId: 'sleepy', models: [], source: 'none', error: { kind: 'timeout', entryId: 'sleepy' } })
    expect(list.error!.message).toBe(`"Sleepy" did not answer within 0.3 s: no response came back from ${fake.url}/sleepy/v1 (first-byte timeout). Keel stopped waiting for its model list.`)
    expect(list.error!.fix).toMatch(/raise the first-byte timeout of "Sleepy" in Settings → Providers \(Advanced\)/)
    // Keel hung up: the server saw the client go away.
    await fake.waitForDisconnects(1)
    expect(fake.disconnects().map((r) => r.path)).toEqual(['/sleepy/v1/models'])
    await h.close()
  })

  it('headers then silence (Anthropic list shape), from a session: the error says the list never came; the static list is still offered', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', {
      id: 'mute',
      name: 'Mute',
      kind: 'anthropic',
      baseUrl: `${fake.url}/mute`,
      key: testKey('mute'),
      models: ['claude-static-1'],
      defaultModel: 'claude-static-1',
      timeouts: { firstByteMs: 300 },
    })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'mute', model: 'claude-static-1' })
    fake.script({ protocol: 'models', stall: 'after-headers', pathPrefix: '/mute/' })
    const started = Date.now()
    const list = await h.call('sessions.refreshModels', { id: s.id })
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS)
    expect(list).toMatchObject({ entryId: 'mute', models: ['claude-static-1'], source: 'static', error: { kind: 'timeout', entryId: 'mute' } })
    expect(list.error!.message).toBe('"Mute" accepted the request but did not send its model list within 0.3 s (first-byte timeout). Keel stopped waiting for its model list.')
    await fake.waitForDisconnects(1)
    await h.close()
  })

  it('half a list then silence: the cached list stays, marked as the cache, with the timeout error', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'halting', name: 'Halting', kind: 'openai-compatible', baseUrl: `${fake.url}/halting/v1`, auth: 'none', timeouts: { firstByteMs: 300 } })
    fake.script({ protocol: 'models', models: ['m-1', 'm-2'], times: 1, pathPrefix: '/halting/' })
    const fresh = await h.call('providers.models', { entryId: 'halting', refresh: true })
    expect(fresh).toMatchObject({ models: ['m-1', 'm-2'], source: 'live', error: null })

    fake.script({ protocol: 'models', stall: 'after-text', pathPrefix: '/halting/' })
    const list = await h.call('providers.models', { entryId: 'halting', refresh: true })
    expect(list).toMatchObject({ models: ['m-1', 'm-2'], source: 'cache', fetchedAt: fresh.fetchedAt, error: { kind: 'timeout', entryId: 'halting' } })
    expect(list.error!.message).toMatch(/^"Halting" accepted the request but did not send its model list within 0\.3 s/)
    await fake.waitForDisconnects(1)
    await h.close()
  })

  it('a models list that answers in time is taken live, and its request is not cut off', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'quick', name: 'Quick', kind: 'openai-compatible', baseUrl: `${fake.url}/quick/v1`, auth: 'none', timeouts: { firstByteMs: 300 } })
    fake.script({ protocol: 'models', models: ['q-1'], pathPrefix: '/quick/' })
    expect(await h.call('providers.models', { entryId: 'quick', refresh: true })).toMatchObject({ models: ['q-1'], source: 'live', error: null })
    expect(fake.disconnects().filter((r) => r.path.startsWith('/quick/'))).toEqual([])
    await h.close()
  })
})
