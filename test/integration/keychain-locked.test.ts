// A locked keychain is not a missing key. While the Secret Service collection is locked, libsecret answers every
// lookup with "nothing" (no unlock prompt can be shown), so without asking the collection Keel would say "No API
// key is stored". A real gnome-keyring on a private bus, locked with the Secret Service Lock method.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeProviderForFile, testKey, type CoreHarness } from '../support/core-harness'
import { openCoreOnPrivateKeyring, type PrivateKeyring } from '../support/private-keyring'

const fake = fakeProviderForFile()

let keyring: PrivateKeyring
let h: CoreHarness
let close: (() => Promise<void>) | undefined
beforeAll(async () => {
  ;({ keyring, h, close } = await openCoreOnPrivateKeyring())
})
afterAll(async () => {
  await close?.()
})

describe('locked keychain', () => {
  it('app.state, the provider list and sending all say the keychain is locked and how to unlock it, never that the key is missing; unlocking makes the same key work', async () => {
    const key = testKey('locked')
    await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm1', key })
    const session = await h.call('sessions.create', {})
    expect((await h.call('app.state', {})).keychain).toMatchObject({ ok: true, error: null })

    await keyring.lock()

    const state = await h.call('app.state', {})
    expect(state.keychain.ok).toBe(false)
    expect(state.keychain.error?.kind).toBe('keychain-locked')
    expect(state.keychain.error?.message).toMatch(/keychain is locked/)
    expect(state.keychain.error?.message).toMatch(/Keys stored there are kept/)
    expect(state.keychain.error?.fix).toMatch(/Unlock the "Login" keyring/)

    expect((await h.call('providers.list', {}))[0]!.keyStatus).toBe('keychain-locked')

    const sent = await h.fail('chat.send', { sessionId: session.id, text: 'hello' })
    expect(sent.kind).toBe('unresolved')
    expect(sent.message).toBe('The OS keychain is locked, so the key of "Work" cannot be read. Nothing will be sent.')
    expect(sent.fix).toMatch(/Unlock the "Login" keyring/)
    expect(JSON.stringify(sent)).not.toMatch(/No API key|removed from the keychain|missing/i)
    expect(fake.requests()).toHaveLength(0)

    // Changing or removing the key is refused as locked (keytar would report "nothing deleted" and keep it).
    const setKey = await h.fail('providers.setKey', { id: 'work', key: testKey('other') })
    expect(setKey).toMatchObject({ kind: 'keychain-locked' })
    expect(setKey.message).toMatch(/cannot store the API key/)
    const deleteKey = await h.fail('providers.deleteKey', { id: 'work' })
    expect(deleteKey).toMatchObject({ kind: 'keychain-locked' })
    expect(deleteKey.message).toMatch(/cannot remove the API key/)

    await keyring.unlock()

    expect((await h.call('app.state', {})).keychain).toMatchObject({ ok: true, error: null })
    expect((await h.call('providers.list', {}))[0]!.keyStatus).toBe('stored')
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'hello' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done', error: null })
    expect(fake.requests().map((r) => r.bearer)).toEqual([key])
  })
})
