// Provider streams that misbehave (issue #7, section 4): a provider that stops sending ends the turn as a timeout
// naming the entry, a web page where a stream belongs is an error saying what came back, and a chunk of the wrong
// shape ends the reply as malformed. In each case what arrived intact is kept, never passed off as a full reply.
// The entries here carry short timeouts (300 ms): the tests wait for the turn to end, they do not sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import type { ProviderApi, ProviderKind } from '../../src/shared/domain'
import type { Rule } from '../fake-provider/types'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

let h: CoreHarness
const service = testKeychainService()
beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
})
afterAll(async () => {
  await h.close()
})

const SHORT = { firstByteMs: 300, idleMs: 300 }

const APIS: Array<{ api: ProviderApi; kind: ProviderKind; path: string; model: string }> = [
  { api: 'openai-chat', kind: 'openai-compatible', path: 'v1', model: 'chat-1' },
  { api: 'openai-responses', kind: 'openai', path: 'v1', model: 'gpt-5.5' },
  { api: 'anthropic-messages', kind: 'anthropic', path: '', model: 'claude-sonnet-4-6' },
]

let serial = 0

/** A fresh entry (its own path prefix, so each test's rules reach only it) and a session bound to it. */
async function entryAndSession(opts: { api?: ProviderApi; timeouts?: { firstByteMs?: number; idleMs?: number } | null; name?: string; key?: string } = {}) {
  const spec = APIS.find((a) => a.api === (opts.api ?? 'openai-chat'))!
  serial += 1
  const prefix = `/s${serial}`
  const name = opts.name ?? `Flaky ${serial}`
  const entry = await h.call('providers.create', {
    name,
    kind: spec.kind,
    api: spec.api,
    baseUrl: `${fake.url}${prefix}${spec.path ? `/${spec.path}` : ''}`,
    key: opts.key ?? testKey(`streams${serial}`),
    ...(opts.timeouts === null ? {} : { timeouts: opts.timeouts ?? SHORT }),
  })
  const session = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: spec.model })
  return { entry, session, prefix, model: spec.model }
}

async function send(sessionId: string, text = 'tell me more') {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  return turnId
}

async function ended(sessionId: string, turnId: string) {
  const event = await h.turnEnded(turnId)
  if (event.type !== 'turn-ended') throw new Error('unreachable')
  const view = await h.call('sessions.open', { id: sessionId })
  const turn = view.turns.find((t) => t.id === turnId)!
  return { event, view, turn, replies: view.messages.filter((m) => m.role === 'assistant') }
}

/** What the turn row in SQLite holds: the partial text survives a restart, not just this process's memory. */
function storedTurn(turnId: string): { status: string; partial_text: string; error_json: string | null } {
  const db = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
  try {
    return db.prepare('SELECT status, partial_text, error_json FROM turns WHERE id = ?').get(turnId) as never
  } finally {
    db.close()
  }
}

async function scripted(rule: Rule, opts: Parameters<typeof entryAndSession>[0] = {}) {
  const s = await entryAndSession(opts)
  fake.script({ ...rule, pathPrefix: s.prefix })
  const started = Date.now()
  const turnId = await send(s.session.id)
  const result = await ended(s.session.id, turnId)
  return { ...s, ...result, turnId, elapsed: Date.now() - started }
}

describe('a provider that stops sending', () => {
  it('before headers: the turn ends as a timeout naming the entry, and the request is dropped', async () => {
    const r = await scripted({ stall: 'before-headers' }, { name: 'Sleepy' })
    expect(r.event).toMatchObject({ status: 'error', assistantMessageId: null, error: { kind: 'timeout', entryId: r.entry.id } })
    expect(r.event.error!.message).toMatch(/^"Sleepy" did not answer within 0\.3 s: no response came back from http:\/\/127\.0\.0\.1:\d+\/s\d+\/v1 \(first-byte timeout\)/)
    expect(r.event.error!.fix).toMatch(/raise the first-byte timeout of "Sleepy" in Settings/)
    expect(r.elapsed).toBeGreaterThanOrEqual(300)
    expect(r.view.session.running).toBe(false)
    expect(r.replies).toEqual([])
    expect(r.turn).toMatchObject({ status: 'error', error: { kind: 'timeout' }, partialText: '' })
    // Keel hung up: the fake saw its client go away, so no socket is left waiting.
    await fake.waitForDisconnects(1, 10_000)
  })

  it('after headers: a 200 with no data is a first-byte timeout that says the server answered', async () => {
    const r = await scripted({ stall: 'after-headers' }, { name: 'Mute' })
    expect(r.event).toMatchObject({ status: 'error', error: { kind: 'timeout', entryId: r.entry.id } })
    expect(r.event.error!.message).toMatch(/^"Mute" accepted the request but sent nothing of the reply within 0\.3 s \(first-byte timeout\)/)
    expect(r.turn.partialText).toBe('')
    await fake.waitForDisconnects(1)
  })

  for (const { api } of APIS) {
    it(`mid-stream on ${api}: an idle timeout, with the text that arrived kept on the turn`, async () => {
      const r = await scripted({ stall: 'after-text' }, { api, name: 'Stutter' })
      expect(r.event).toMatchObject({ status: 'error', assistantMessageId: null, error: { kind: 'timeout', entryId: r.entry.id } })
      expect(r.event.error!.message).toMatch(/^"Stutter" stopped sending in the middle of the reply: nothing arrived for 0\.3 s \(idle timeout\)/)
      expect(r.event.error!.fix).toMatch(/Any text that arrived is kept.*raise the idle timeout of "Stutter"/)
      // The fake sent one word ("Echo ") before it went quiet: exactly that is kept, and it is not a reply message.
      expect(r.turn.partialText).toBe('Echo ')
      expect(r.replies).toEqual([])
      expect(storedTurn(r.turnId)).toMatchObject({ status: 'error', partial_text: 'Echo ' })
      await fake.waitForDisconnects(1)
    })
  }

  it('a slow but steady stream is not cut: the idle timeout counts silence, not the length of the reply', async () => {
    // Five chunks 150 ms apart take 600 ms in all, twice the idle timeout, with no gap as long as it.
    const r = await scripted({ slow: { chunks: 5, intervalMs: 150 }, reply: 'one two three four five' })
    expect(r.event).toMatchObject({ status: 'done', error: null })
    expect(r.replies.map((m) => m.content)).toEqual(['one two three four five'])
  })

  it('a new timeout set on the entry applies to the next turn of a session already running on it', async () => {
    const s = await entryAndSession({ timeouts: null, name: 'Edited' })
    const first = await send(s.session.id, 'hello')
    expect((await ended(s.session.id, first)).event.status).toBe('done')
    await h.call('providers.update', { id: s.entry.id, patch: { timeouts: { firstByteMs: 300 } } })
    fake.script({ stall: 'before-headers', pathPrefix: s.prefix })
    const second = await send(s.session.id)
    const r = await ended(s.session.id, second)
    expect(r.event.error).toMatchObject({ kind: 'timeout' })
    expect(r.event.error!.message).toMatch(/^"Edited" did not answer within 0\.3 s/)
  })

  it('Stop still ends a turn that waits for headers, and it ends as stopped, not as a timeout', async () => {
    const s = await entryAndSession({ timeouts: null })
    fake.script({ stall: 'before-headers', pathPrefix: s.prefix })
    const turnId = await send(s.session.id)
    await fake.waitForRequests(1)
    await h.call('chat.stop', { sessionId: s.session.id })
    const r = await ended(s.session.id, turnId)
    expect(r.event).toMatchObject({ status: 'stopped', error: null })
    await fake.waitForDisconnects(1)
  })

  it('Stop during a stall after headers keeps nothing and reports no error', async () => {
    const s = await entryAndSession({ timeouts: null })
    fake.script({ stall: 'after-headers', pathPrefix: s.prefix })
    const turnId = await send(s.session.id)
    await fake.waitForRequests(1)
    await h.call('chat.stop', { sessionId: s.session.id })
    const r = await ended(s.session.id, turnId)
    expect(r.event).toMatchObject({ status: 'stopped', error: null })
    expect(r.replies).toEqual([])
  })
})

describe('a 200 answer that is not a stream', () => {
  const portal = (title: string) => `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body><form>Room number</form></body></html>`

  for (const { api } of APIS) {
    it(`an HTML page on ${api} is an error that says an HTML page came back, with its title`, async () => {
      const r = await scripted({ page: { body: portal('Sign in to Harbour Hotel Wi-Fi') } }, { api, name: 'Hotel' })
      expect(r.event).toMatchObject({ status: 'error', assistantMessageId: null, error: { kind: 'unexpected-response', entryId: r.entry.id, status: 200 } })
      expect(r.event.error!.message).toBe(
        `"Hotel" answered with an HTML page titled "Sign in to Harbour Hotel Wi-Fi" instead of a reply stream (HTTP 200, text/html; charset=utf-8). Nothing was received from the model.`,
      )
      expect(r.event.error!.fix).toMatch(/captive portal .* open http:\/\/127\.0\.0\.1:\d+\/s\d+.* in a browser and sign in/)
      expect(r.replies).toEqual([])
    })
  }

  it('a page that echoes the key in its title has it redacted', async () => {
    const key = testKey('portal')
    const r = await scripted({ page: { body: portal(`Welcome ${key}`) } }, { key })
    expect(r.event.error!.message).toContain('titled "Welcome [redacted]"')
    expect(JSON.stringify(r.event)).not.toContain(key)
  })

  it('a JSON body where a stream was asked for is an error naming its content type, not an empty reply', async () => {
    const r = await scripted({ page: { body: '{"status":"ok"}', contentType: 'application/json' } }, { name: 'Proxy' })
    expect(r.event).toMatchObject({ status: 'error', error: { kind: 'unexpected-response', status: 200 } })
    expect(r.event.error!.message).toMatch(/^"Proxy" answered with a body of type application\/json that holds no reply events \(HTTP 200\)/)
  })
})

describe('a stream with a chunk of the wrong shape', () => {
  const cases: Array<{ api: ProviderApi; malformed: Rule['malformed']; says: RegExp }> = [
    { api: 'openai-chat', malformed: 'wrong-shape', says: /a chunk whose "choices" is not a list \("nope"\)/ },
    { api: 'openai-chat', malformed: 'not-json', says: /a data line that is not JSON \(\{not json\)/ },
    { api: 'openai-responses', malformed: 'wrong-shape', says: /a text delta whose "delta" is not text/ },
    { api: 'openai-responses', malformed: 'bare-line', says: /a data line that is not JSON \(\{not json\)/ },
    { api: 'anthropic-messages', malformed: 'wrong-shape', says: /a content_block_delta whose "delta" is not an object with a type/ },
    { api: 'anthropic-messages', malformed: 'bare-line', says: /a data line with no event name \(\{not json\)/ },
    { api: 'anthropic-messages', malformed: 'not-json', says: /a data line that is not JSON \(\{not json\)/ },
    // A stream that simply stops, without its closing event, is not a complete reply either.
    { api: 'openai-chat', malformed: 'truncated', says: /the stream ended before the reply did \(no closing event arrived\)/ },
    { api: 'openai-responses', malformed: 'truncated', says: /the stream ended before the reply did/ },
    { api: 'anthropic-messages', malformed: 'truncated', says: /the stream ended before the reply did/ },
  ]
  for (const c of cases) {
    it(`${c.api}, ${c.malformed}: ends as malformed-stream with the text before it kept`, async () => {
      const r = await scripted({ malformed: c.malformed }, { api: c.api, name: 'Garbled' })
      expect(r.event).toMatchObject({ status: 'error', assistantMessageId: null, error: { kind: 'malformed-stream', entryId: r.entry.id } })
      expect(r.event.error!.message).toMatch(/^"Garbled" sent a response Keel could not read \(malformed stream\): /)
      expect(r.event.error!.message).toMatch(c.says)
      expect(r.event.error!.fix).toMatch(new RegExp(`Any text that arrived before it is kept.*\\(${c.api}\\)`))
      // Only the word before the bad chunk: nothing sent after it (the fake goes on to finish the reply) got in.
      expect(r.turn.partialText).toBe('Echo ')
      expect(storedTurn(r.turnId).partial_text).toBe('Echo ')
      expect(r.replies).toEqual([])
      expect(h.streamedText(r.turnId)).toBe('Echo ')
    })
  }
})

describe('stream timeouts on the entry', () => {
  it('are validated: a value out of range is refused, naming the field', async () => {
    const error = await h.fail('providers.create', { name: 'Bad', kind: 'ollama', timeouts: { firstByteMs: 5 } })
    expect(error.kind).toBe('invalid-input')
    expect(`${error.field ?? ''} ${error.message}`).toMatch(/timeouts/)
    expect(error.message).toMatch(/at least 100 ms/)
  })

  it('in config.json: a bad value is refused naming the field, a good one is used by the next turn', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'config.json')
    const entry = { id: 'hand', name: 'Hand-written', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/hand/v1`, auth: 'none' }
    fs.writeFileSync(file, JSON.stringify({ version: 1, providers: [{ ...entry, timeouts: { idleMs: 'soon' } }] }))
    const bad = await CoreHarness.open(dataDir, testKeychainService())
    try {
      expect((await bad.call('app.state', {})).config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].timeouts.idleMs' })
    } finally {
      await bad.close()
    }
    fs.writeFileSync(file, JSON.stringify({ version: 1, providers: [{ ...entry, timeouts: { firstByteMs: 300 } }] }))
    const good = await CoreHarness.open(dataDir, testKeychainService())
    try {
      const session = await good.call('sessions.create', {})
      await good.call('sessions.bind', { id: session.id, entryId: 'hand', model: 'h-1' })
      fake.script({ stall: 'before-headers', pathPrefix: '/hand' })
      const { turnId } = await good.call('chat.send', { sessionId: session.id, text: 'hello?' })
      const ended = await good.turnEnded(turnId)
      expect(ended).toMatchObject({ status: 'error', error: { kind: 'timeout', entryId: 'hand' } })
      if (ended.type === 'turn-ended') expect(ended.error!.message).toMatch(/^"Hand-written" did not answer within 0\.3 s/)
    } finally {
      await good.close()
    }
  })

  it('are kept on the entry and can be cleared back to the defaults', async () => {
    const created = await h.call('providers.create', { name: 'Tuned', kind: 'ollama', timeouts: { firstByteMs: 200_000 } })
    expect(created.timeouts).toEqual({ firstByteMs: 200_000 })
    const cleared = await h.call('providers.update', { id: created.id, patch: { timeouts: null } })
    expect(cleared.timeouts).toBeUndefined()
  })
})
