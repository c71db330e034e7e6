// Resume rebuilds the identity from the binding + config + keychain; a missing key or entry is an explicit
// unresolved state, and nothing is sent anywhere (invariant 4).
import { describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

const service = testKeychainService()


async function setup() {
  const dataDir = tempDataDir()
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { name: 'Primary', kind: 'openai-compatible', baseUrl: `${fake.url}/primary/v1`, defaultModel: 'p-1', key: testKey('primary') })
  await h.call('providers.create', { name: 'Other', kind: 'openai-compatible', baseUrl: `${fake.url}/other/v1`, defaultModel: 'o-1', key: testKey('other') })
  const session = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: session.id, entryId: 'primary', model: 'p-1' })
  return { h, dataDir, session }
}

describe('resume with something missing', () => {
  it('a deleted key gives "key missing", sends nothing, and does not fall back to another entry', async () => {
    const { h, dataDir, session } = await setup()
    await h.call('providers.deleteKey', { id: 'primary' })
    await h.close()
    const again = await CoreHarness.open(dataDir, service)
    fake.clear()
    const view = await again.call('sessions.open', { id: session.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'key-missing' })
    if (view.session.identity.state.kind !== 'unresolved') throw new Error('unreachable')
    expect(view.session.identity.state.message).toContain('No API key for "Primary"')
    expect(view.session.identity.state.fix).toContain('Settings')
    const error = await again.fail('chat.send', { sessionId: session.id, text: 'hello?' })
    expect(error.kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    expect((await again.call('sessions.open', { id: session.id })).messages).toEqual([])
    await again.close()
  })

  it('a deleted entry gives "entry missing", sends nothing, and keeps the binding for the user to re-bind', async () => {
    const { h, dataDir, session } = await setup()
    await h.call('providers.delete', { id: 'primary' })
    await h.close()
    const again = await CoreHarness.open(dataDir, service)
    fake.clear()
    const view = await again.call('sessions.open', { id: session.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'entry-missing' })
    expect(view.session.identity.binding).toEqual({ entryId: 'primary', model: 'p-1', mode: 'pinned' })
    expect((await again.fail('chat.send', { sessionId: session.id, text: 'hello?' })).kind).toBe('unresolved')
    expect(fake.requests()).toEqual([])
    // Re-binding to another entry is the user's explicit choice; after it, requests go there.
    await again.call('sessions.bind', { id: session.id, entryId: 'other', model: 'o-1' })
    const { turnId } = await again.call('chat.send', { sessionId: session.id, text: 'now?' })
    await again.turnEnded(turnId)
    expect(fake.requests().map((r) => r.path)).toEqual(['/other/v1/chat/completions'])
    await again.close()
  })

  it('a deleted entry id is never reused by a new entry', async () => {
    const { h } = await setup()
    await h.call('providers.delete', { id: 'primary' })
    const recreated = await h.call('providers.create', { name: 'Primary', kind: 'openai-compatible', baseUrl: `${fake.url}/primary/v1` })
    expect(recreated.id).toBe('primary-2')
    expect((await h.fail('providers.create', { id: 'primary', name: 'X', kind: 'ollama' })).kind).toBe('conflict')
    await h.close()
  })

  it('the model picker changes only its own session', async () => {
    const { h, session } = await setup()
    const other = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: 'other', model: 'o-1' })
    const list = (await h.call('sessions.list', {})).items
    expect(list.find((s) => s.id === session.id)!.identity.identity).toMatchObject({ entryId: 'other', model: 'o-1' })
    expect(list.find((s) => s.id === other.id)!.identity.identity).toMatchObject({ entryId: 'primary', model: 'p-1' })
    expect(list.find((s) => s.id === other.id)!.identity.binding?.mode).toBe('follow-default')
    await h.close()
  })
})
