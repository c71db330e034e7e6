import { describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

const service = testKeychainService()


describe('chat round trip on a named provider', () => {
  it('streams a reply, survives a restart, and resumes on the same entry, URL, key and model', async () => {
    const dataDir = tempDataDir()
    const key = testKey('work')
    let h = await CoreHarness.open(dataDir, service)
    const entry = await h.call('providers.create', { name: 'Work gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, defaultModel: 'gpt-work', key })
    expect(entry.id).toBe('work-gateway')
    expect(entry.keyStatus).toBe('stored')
    const session = await h.call('sessions.create', {})
    expect(session.identity.identity?.entryName).toBe('Work gateway')

    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'hello there' })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'done', error: null })
    const view = await h.call('sessions.open', { id: session.id })
    expect(view.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello there'],
      ['assistant', 'Echo [gpt-work]: hello there'],
    ])
    // The reply names the entry that produced it (issue #12's identity line), as its step recorded it.
    expect(view.messages[1]!.producedWith).toEqual({ entryId: 'work-gateway', entryName: 'Work gateway', model: 'gpt-work', baseUrl: `${fake.url}/work/v1`, api: 'openai-chat' })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const resumed = await h.call('sessions.open', { id: session.id })
    expect(resumed.session.identity.identity).toMatchObject({ entryId: 'work-gateway', model: 'gpt-work' })
    const second = await h.call('chat.send', { sessionId: session.id, text: 'again' })
    await h.turnEnded(second.turnId)
    const reqs = fake.requests().filter((r) => r.protocol === 'openai-chat')
    expect(reqs).toHaveLength(2)
    for (const r of reqs) {
      expect(r.path).toBe('/work/v1/chat/completions')
      expect(r.bearer).toBe(key)
      expect(r.model).toBe('gpt-work')
    }
    await h.close()
  })
})
