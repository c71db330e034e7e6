import { describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { sessionOnFakeApi } from '../support/agent-sessions'
import { buildChatItems } from '../../src/renderer/src/lib/chatItems'

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

describe('a plain chat reply: its usage, and what its turn keeps', () => {
  it('the tokens the provider reported for a plain reply are recorded, priced and shown with the reply and in the session usage', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-plain-usage'), service)
    const id = 'plain-usage'
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id })
    await h.call('prices.set', { entryId: id, model: 'm-1', price: { input: 3, output: 15 } })
    fake.script({ pathPrefix: prefix, usage: { input: 1200, output: 340 }, times: 1 })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'how much was this?' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })

    const view = await h.call('sessions.open', { id: sessionId })
    const usage = view.turns.find((t) => t.id === turnId)!.usage!
    expect(usage).toMatchObject({ inputTokens: 1200, outputTokens: 340, steps: 1, unreportedSteps: 0, unpricedSteps: 0 })
    expect(usage.cost).toBeCloseTo((1200 * 3 + 340 * 15) / 1e6, 12)
    // How long the first words took is measured (shown with the reply's usage).
    expect(usage.firstTokenMs).toEqual(expect.any(Number))
    const session = await h.call('usage.session', { id: sessionId })
    expect(session.rows).toHaveLength(1)
    expect(session.rows[0]).toMatchObject({ steps: 1, unreportedSteps: 0, inputTokens: 1200, outputTokens: 340 })
    expect(session.rows[0]!.cost).toBeCloseTo((1200 * 3 + 340 * 15) / 1e6, 12)
    await h.close()
  })

  it('a turn whose reply became a message keeps no text of its own: a page that ends at the question shows no second copy of the reply', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-plain-kept'), service)
    const { sessionId } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'plain-kept' })
    const first = await h.call('chat.send', { sessionId, text: 'first question' })
    expect(await h.turnEnded(first.turnId)).toMatchObject({ status: 'done' })
    const second = await h.call('chat.send', { sessionId, text: 'second question' })
    expect(await h.turnEnded(second.turnId)).toMatchObject({ status: 'done' })

    const latest = await h.call('sessions.open', { id: sessionId })
    expect(latest.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant'])
    for (const t of latest.turns) expect(t).toMatchObject({ status: 'done', partialText: '' })

    // The page above the last three messages holds only the first question; its turn comes with it (its reply is
    // the next message), and the window shows a turn's own text as its reply while the reply is not loaded.
    const tail = await h.call('sessions.messages', { id: sessionId, limit: 3 })
    expect(tail.messages.map((m) => m.content)[0]).toContain('first question')
    const above = await h.call('sessions.messages', { id: sessionId, before: tail.page.olderCursor!, limit: 3 })
    expect(above.messages.map((m) => m.content)).toEqual(['first question'])
    expect(above.turns.map((t) => ({ id: t.id, status: t.status, partialText: t.partialText }))).toEqual([{ id: first.turnId, status: 'done', partialText: '' }])
    const shown = buildChatItems({ ...latest, messages: above.messages, turns: above.turns, page: above.page }, new Map(), null)
    expect(shown.map((i) => i.kind)).toEqual(['message'])
    await h.close()
  })
})
