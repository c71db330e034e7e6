// Provider failures reach the chat as errors naming the entry and what to do — never as assistant text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import net from 'node:net'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

let h: CoreHarness
const service = testKeychainService()

beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
  await h.call('providers.create', { name: 'Acme', kind: 'openai-compatible', baseUrl: `${fake.url}/acme/v1`, defaultModel: 'acme-1', key: testKey('acme') })
})
afterAll(async () => {
  await h.close()
})

async function turnWith(text: string) {
  // A fresh entry each time: a 429 leaves its credential cooling down, which the next case must not inherit.
  const entry = await h.call('providers.create', { name: 'Acme', kind: 'openai-compatible', baseUrl: `${fake.url}/acme/v1`, defaultModel: 'acme-1', key: testKey('acme') })
  const session = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 'acme-1' })
  const { turnId } = await h.call('chat.send', { sessionId: session.id, text })
  const ended = await h.turnEnded(turnId)
  const view = await h.call('sessions.open', { id: session.id })
  return { ended, view }
}

describe('provider errors', () => {
  const cases = [
    { status: 401, kind: 'auth', says: /"Acme" rejected the API key \(HTTP 401\)/, fix: /Check the key of provider entry "Acme" \(acme(-\d+)?\)/ },
    { status: 404, kind: 'model-not-found', says: /Model "acme-1" was not found at "Acme"/, fix: /Pick a model/ },
    { status: 429, kind: 'rate-limited', says: /"Acme" is rate limiting requests \(HTTP 429\)/, fix: /Wait a moment/ },
    { status: 500, kind: 'server', says: /"Acme" had a server error \(HTTP 500\)/, fix: /Try again/ },
  ] as const
  for (const c of cases) {
    it(`HTTP ${c.status} ends the turn as a ${c.kind} error, not as assistant text`, async () => {
      fake.script({ status: c.status })
      const { ended, view } = await turnWith(`trigger ${c.status}`)
      expect(ended).toMatchObject({ status: 'error', assistantMessageId: null })
      if (ended.type !== 'turn-ended') throw new Error('unreachable')
      expect(ended.error?.kind).toBe(c.kind)
      expect(ended.error?.message).toMatch(c.says)
      expect(ended.error?.fix).toMatch(c.fix)
      expect(ended.error?.entryId).toMatch(/^acme/)
      expect(view.messages.map((m) => m.role)).toEqual(['user'])
      expect(view.turns[0]).toMatchObject({ status: 'error', error: { kind: c.kind } })
    })
  }

  it('a 429 cools down that credential: the next send is refused without a request until the key changes', async () => {
    fake.script({ status: 429, times: 1 })
    const oldKey = testKey('busy')
    const entry = await h.call('providers.create', { name: 'Busy', kind: 'openai-compatible', baseUrl: `${fake.url}/busy/v1`, defaultModel: 'b-1', key: oldKey })
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 'b-1' })
    const first = await h.call('chat.send', { sessionId: session.id, text: 'one' })
    await h.turnEnded(first.turnId)
    expect(fake.requests()).toHaveLength(1)
    const refused = await h.fail('chat.send', { sessionId: session.id, text: 'two' })
    expect(refused).toMatchObject({ kind: 'rate-limited', entryId: entry.id })
    expect(refused.message).toMatch(/Nothing was sent/)
    expect(fake.requests()).toHaveLength(1)
    const newKey = testKey('busy-new')
    await h.call('providers.setKey', { id: entry.id, key: newKey })
    const third = await h.call('chat.send', { sessionId: session.id, text: 'three' })
    expect(await h.turnEnded(third.turnId)).toMatchObject({ status: 'done' })
    // The request after the cooldown went out with the new key (the cooldown belongs to the old one).
    expect(fake.requests().map((r) => r.bearer)).toEqual([oldKey, newKey])
  })

  it('a malformed stream is reported as such and the partial text is not stored as a message', async () => {
    fake.script({ malformed: true })
    const { ended, view } = await turnWith('break the stream')
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('malformed-stream')
    expect(ended.error?.message).toMatch(/"Acme" sent a response Keel could not read/)
    expect(view.messages.filter((m) => m.role === 'assistant')).toEqual([])
  })

  it('an unreachable endpoint is a network error naming the URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    const entry = await h.call('providers.create', { name: 'Gone', kind: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, defaultModel: 'x', key: testKey('gone') })
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 'x' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'anyone?' })
    const ended = await h.turnEnded(turnId)
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('network')
    expect(ended.error?.message).toContain(`Could not reach "Gone" at http://127.0.0.1:${port}/v1`)
  })

  it('a provider that echoes the key back in its error has it redacted', async () => {
    const key = testKey('echo')
    const entry = await h.call('providers.create', { name: 'Echoer', kind: 'openai-compatible', baseUrl: `${fake.url}/echo/v1`, defaultModel: 'e', key })
    fake.script({ status: 400, body: { error: { message: `bad key ${key} given`, type: 'invalid_request_error' } } })
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 'e' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'x' })
    const ended = await h.turnEnded(turnId)
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('bad-request')
    expect(ended.error?.message).toContain('[redacted]')
    expect(JSON.stringify(ended)).not.toContain(key)
  })
})
