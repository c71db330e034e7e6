// Without a reachable keychain the user is told the cause and the fix, and nothing falls back to plain text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { filesContaining } from '../support/data-scan'

// This file's worker has no session bus: libsecret connects lazily, so this takes effect for every call below.
const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS
process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/keel-no-bus'

let h: CoreHarness
beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), testKeychainService())
})
afterAll(async () => {
  await h.close()
  process.env.DBUS_SESSION_BUS_ADDRESS = savedBus
})

describe('keychain unavailable', () => {
  it('adding a provider with a key fails with the cause and the fix, and writes no entry and no key anywhere', async () => {
    const key = testKey('nobus')
    const error = await h.fail('providers.create', { name: 'Cloud', kind: 'openai', key })
    expect(error.kind).toBe('keychain-unavailable')
    expect(error.message).toMatch(/No OS keychain is reachable/)
    expect(error.fix).toMatch(/keyring|desktop session/)
    expect(error.fix).toMatch(/never stores keys in plain text/)
    expect(await h.call('providers.list', {})).toEqual([])
    // Every file under the data dir, backups/ included (a database backup is a copy of everything in it).
    expect(filesContaining(h.dataDir, key)).toEqual([])
  })

  it('app state reports the keychain problem; sessions on key-requiring entries are unresolved with the reason', async () => {
    const state = await h.call('app.state', {})
    expect(state.keychain.ok).toBe(false)
    expect(state.keychain.error?.kind).toBe('keychain-unavailable')
    await h.call('providers.create', { name: 'Hosted', kind: 'openrouter', defaultModel: 'openrouter/auto' })
    const s = await h.call('sessions.create', {})
    expect(s.identity.state).toEqual({
      kind: 'unresolved',
      reason: 'keychain-unavailable',
      message: 'The OS keychain is unavailable, so the key of "Hosted" cannot be read. Nothing will be sent.',
      fix: 'Unlock or start your keyring, then re-open the session.',
    })
    expect((await h.call('providers.list', {}))[0]!.keyStatus).toBe('keychain-unavailable')
    expect((await h.fail('chat.send', { sessionId: s.id, text: 'hi' })).kind).toBe('unresolved')
    // Removing a key needs the keychain too: the cause is named, not "key removed".
    const entryId = (await h.call('providers.list', {}))[0]!.id
    expect(await h.fail('providers.deleteKey', { id: entryId })).toMatchObject({ kind: 'keychain-unavailable', message: expect.stringMatching(/No OS keychain is reachable/) })
  })
})
