// A key removed while Keel runs — in Settings or behind Keel's back in the OS keychain — leaves the live session
// unresolved at once: the next send goes nowhere, without a restart (invariants 3 and 4). The restart case is in
// resume-unresolved.test.ts; these catch a live runtime that keeps running on a key it no longer has.
import { describe, expect, it } from 'vitest'
import keytar from 'keytar'
import { Keychain, keychainAccount } from '../../src/main/core/secrets/keychain'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

/** One entry with a key, a session bound to it, and one finished turn: the session has a live runtime. */
async function liveSession() {
  const service = testKeychainService()
  const h = await CoreHarness.open(tempDataDir(), service)
  const key = testKey('live')
  await h.call('providers.create', { id: 'primary', name: 'Primary', kind: 'openai-compatible', baseUrl: `${fake.url}/primary/v1`, defaultModel: 'p-1', key })
  const session = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: session.id, entryId: 'primary', model: 'p-1' })
  const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'first' })
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
  expect(fake.requests().map((r) => r.bearer)).toEqual([key])
  fake.clear()
  return { h, service, sessionId: session.id }
}

async function expectNothingSent(h: CoreHarness, sessionId: string) {
  const error = await h.fail('chat.send', { sessionId, text: 'second' })
  expect(error.kind).toBe('unresolved')
  expect(error.fix).toContain('Settings')
  expect(fake.requests()).toEqual([])
  // The refused message is not stored either: the user's text stays theirs to resend.
  expect((await h.call('sessions.open', { id: sessionId })).messages.map((m) => m.content)).toEqual(['first', expect.any(String)])
}

describe('a key removed while the session is live', () => {
  it('deleted in Settings: the session shows "key missing" and the next send is refused with nothing sent', async () => {
    const { h, sessionId } = await liveSession()
    await h.call('providers.deleteKey', { id: 'primary' })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    expect(view.session.identity.identity).toBeNull()
    await expectNothingSent(h, sessionId)
    await h.close()
  })

  it('deleted in the OS keychain behind Keel\'s back: the same, without a restart', async () => {
    const { h, service, sessionId } = await liveSession()
    await keytar.deletePassword(service, keychainAccount('primary'))
    expect((await h.call('sessions.open', { id: sessionId })).session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    await expectNothingSent(h, sessionId)
    await h.close()
  })

  it('deleted between the turn boundary and the key read: the send is refused, nothing goes out', async () => {
    const { h, service, sessionId } = await liveSession()
    // chat.send queues its keychain lookup (the turn boundary) synchronously; this delete is queued right behind it
    // on the process's one keychain queue, so the boundary still sees the key and the per-turn read does not.
    const sending = h.fail('chat.send', { sessionId, text: 'second' })
    const deleting = new Keychain(service).deleteKey('primary')
    const [error] = await Promise.all([sending, deleting])
    expect(error).toMatchObject({ kind: 'unresolved', message: 'The key of "Primary" was removed from the keychain. Nothing was sent.', fix: 'Add the key for "Primary" in Settings.' })
    expect(fake.requests()).toEqual([])
    await h.close()
  })
})
