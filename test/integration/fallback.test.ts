// Fallback bindings (issue #11, invariant 17), end to end: the real core, real SQLite, the real keychain, and the
// recording fake provider. Every case checks what reached the fake on the wire (path = the entry's URL, the key,
// the model), what the turn records (selected vs answered, and why), and that the session's binding never changes.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { openAgentHarness, requestsTo, resultSentFor, type WireApi } from '../support/agent-sessions'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { ChatEvent } from '../../src/shared/contract'
import type { RecordedRequest } from '../fake-provider/types'
import { openAtSchema } from '../support/previous-schema'
import { openDatabase } from '../../src/main/core/sessions/database'
import { LATEST_SCHEMA_VERSION } from '../../src/main/core/sessions/migrations/index'
import { CHILD_PROCESS_TIMEOUT_MS, crashMidTurn } from '../support/crash'
import { doctorCli } from '../support/doctor-cli'
import { filesContaining } from '../support/data-scan'
import { fallbackLine } from '../../src/shared/fallback'
import { Keychain } from '../../src/main/core/secrets/keychain'

const fake = fakeProviderForFile()
const service = testKeychainService()
let h: CoreHarness
let dataDir: string
let workspace: string
const toolSets = new Map<string, SessionToolSet>()

beforeAll(async () => {
  ;({ h, dataDir, workspace } = await openAgentHarness('keel-fallback', service, toolSets))
})
afterAll(async () => {
  await h.close()
})

let n = 0
/** A provider entry speaking `api` on its own path of the fake, with its own key. */
async function entry(api: WireApi, label: string): Promise<{ id: string; prefix: string; key: string }> {
  n += 1
  const id = `${label}-${n}`
  const prefix = `/${id}`
  const key = testKey(id)
  const name = `Entry ${id}`
  if (api === 'anthropic-messages') await h.call('providers.create', { id, name, kind: 'anthropic', baseUrl: `${fake.url}${prefix}`, key })
  else if (api === 'openai-responses') await h.call('providers.create', { id, name, kind: 'openai', baseUrl: `${fake.url}${prefix}/v1`, key })
  else await h.call('providers.create', { id, name, kind: 'openai-compatible', baseUrl: `${fake.url}${prefix}/v1`, key, api: 'openai-chat' })
  return { id, prefix, key }
}

/** A session pinned to `primary` · m-1 whose own fallback list is `fallbacks` (each · m-2). */
async function sessionWith(primary: { id: string }, fallbacks: Array<{ id: string }>, triggers?: Array<'network' | 'timeout' | 'server' | 'rate-limited'>) {
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId: primary.id, model: 'm-1' })
  await h.call('sessions.setFallbacks', { id: s.id, chain: { bindings: fallbacks.map((f) => ({ entryId: f.id, model: 'm-2' })), ...(triggers ? { triggers } : {}) } })
  return s.id
}

/** Three openai-chat entries (`<tag>-a`, `-b`, `-c`) and a session on a whose fallback list is b, then c. */
async function chainOfThree(tag: string) {
  const a = await entry('openai-chat', `${tag}-a`)
  const b = await entry('openai-chat', `${tag}-b`)
  const c = await entry('openai-chat', `${tag}-c`)
  return { a, b, c, sessionId: await sessionWith(a, [b, c]) }
}

const wire = (r: RecordedRequest) => ({ path: r.path, key: r.bearer ?? r.apiKey, model: r.model })
const chatOf = (sessionId: string) => h.events('chat').filter((e) => e.sessionId === sessionId)
const noticesOf = (sessionId: string) => h.events('notice').filter((e) => e.sessionId === sessionId).map((e) => e.text)

async function send(sessionId: string, text: string) {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  return (await h.turnEnded(turnId)) as Extract<ChatEvent, { type: 'turn-ended' }>
}

async function binding(sessionId: string) {
  const row = (await h.call('sessions.list', { limit: 200 })).items.find((s) => s.id === sessionId)!
  return { entryId: row.identity.binding?.entryId, model: row.identity.binding?.model, mode: row.identity.binding?.mode }
}

describe('fallback bindings', () => {
  it('primary ok: only the primary is asked, nothing is recorded as a fallback', async () => {
    const a = await entry('openai-chat', 'ok-a')
    const b = await entry('openai-chat', 'ok-b')
    const sessionId = await sessionWith(a, [b])
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('done')
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }])
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.turns[0]!.fallbacks).toBeUndefined()
    expect(view.messages.at(-1)!.producedWith).toMatchObject({ entryId: a.id, model: 'm-1' })
  })

  it('primary 503 → the fallback answers with its own URL, key and model → the next turn asks the primary first', async () => {
    const a = await entry('openai-chat', 'p503-a')
    const b = await entry('anthropic-messages', 'p503-b')
    const sessionId = await sessionWith(a, [b])
    const before = await binding(sessionId)
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    const end = await send(sessionId, 'first question')
    expect(end.status).toBe('done')
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }])
    // Anthropic's own URL, its own key in x-api-key, its model; the history in Anthropic's shape.
    expect(requestsTo(fake, b.prefix).map(wire)).toEqual([{ path: `${b.prefix}/v1/messages`, key: b.key, model: 'm-2' }])
    expect(requestsTo(fake, b.prefix)[0]!.apiKey).toBe(b.key)

    const view = await h.call('sessions.open', { id: sessionId })
    const reply = view.messages.at(-1)!
    expect(reply.role).toBe('assistant')
    expect(reply.producedWith).toMatchObject({ entryId: b.id, model: 'm-2' })
    expect(view.turns.at(-1)!.fallbacks).toEqual([
      expect.objectContaining({
        step: 0,
        selected: { entryId: a.id, entryName: `Entry ${a.id}`, model: 'm-1' },
        answered: expect.objectContaining({ entryId: b.id, model: 'm-2' }),
        skipped: [expect.objectContaining({ entryId: a.id, reason: 'HTTP 503', outcome: 'failed' })],
      }),
    ])
    // The record keeps which runtime identity answered (entry, URL, key, model), not only the entry's name.
    expect(view.turns.at(-1)!.fallbacks![0]!.answered!.identityKey).toMatch(/\S/)
    // Usage is billed to the entry that answered.
    expect(view.turns.at(-1)!.usage).toMatchObject({ entryId: b.id, model: 'm-2' })
    // Nothing about the fallback reached the session's binding (invariant 17).
    expect(await binding(sessionId)).toEqual(before)
    expect(before).toMatchObject({ entryId: a.id, model: 'm-1', mode: 'pinned' })
    expect(noticesOf(sessionId).some((t) => t.includes('answered this step instead') && t.includes(`Entry ${b.id}`))).toBe(true)
    // What the header shows: the latest turn was answered by a fallback, and why.
    const header = await h.call('sessions.fallbacks', { id: sessionId })
    expect(header.latest).toMatchObject({ selected: { entryId: a.id }, answered: { entryId: b.id }, skipped: [{ reason: 'HTTP 503' }] })
    expect(fallbackLine(header.latest!)).toBe(`answered by Entry ${b.id} · m-2 — fallback from Entry ${a.id} · m-1: HTTP 503`)

    // The next turn starts with the selected binding again.
    fake.clear()
    expect((await send(sessionId, 'second question')).status).toBe('done')
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }])
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    const after = await h.call('sessions.open', { id: sessionId })
    expect(after.messages.at(-1)!.producedWith).toMatchObject({ entryId: a.id })
    expect(after.turns.at(-1)!.fallbacks).toBeUndefined()
    expect((await h.call('sessions.fallbacks', { id: sessionId })).latest).toBeNull()
  })

  it('a network error (connection reset, twice) moves on past a second failing fallback to the third', async () => {
    const { a, b, c, sessionId } = await chainOfThree('net')
    fake.script({ pathPrefix: a.prefix, drop: true, times: 1 })
    fake.script({ pathPrefix: b.prefix, drop: true, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('done')
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).map(wire))).toEqual([
      [{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }],
      [{ path: `${b.prefix}/v1/chat/completions`, key: b.key, model: 'm-2' }],
      [{ path: `${c.prefix}/v1/chat/completions`, key: c.key, model: 'm-2' }],
    ])
    const record = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!.fallbacks![0]!
    expect(record.skipped.map((s) => [s.entryId, s.reason])).toEqual([
      [a.id, 'network error'],
      [b.id, 'network error'],
    ])
    expect(record.answered).toMatchObject({ entryId: c.id })
  })

  it('a 429 with Retry-After: the fallback answers, and while the primary must wait the next turn passes it over without sending (saying so)', async () => {
    const a = await entry('openai-chat', 'wait-a')
    const b = await entry('openai-chat', 'wait-b')
    const sessionId = await sessionWith(a, [b])
    fake.script({ pathPrefix: a.prefix, status: 429, retryAfter: 120, times: 1 })
    expect((await send(sessionId, 'one')).status).toBe('done')
    expect((await send(sessionId, 'two')).status).toBe('done')
    // The primary was asked once: the second turn honoured its Retry-After instead of sending.
    expect(requestsTo(fake, a.prefix)).toHaveLength(1)
    expect(requestsTo(fake, b.prefix)).toHaveLength(2)
    const turns = (await h.call('sessions.open', { id: sessionId })).turns
    expect(turns.at(-2)!.fallbacks![0]!.skipped[0]).toMatchObject({ entryId: a.id, reason: 'HTTP 429' })
    expect(turns.at(-1)!.fallbacks![0]!.skipped[0]).toMatchObject({ entryId: a.id, reason: 'rate limited', message: expect.stringContaining('asked Keel to wait') })
    // Without a fallback list the cooldown still refuses the turn before anything is stored or sent.
    await h.call('sessions.setFallbacks', { id: sessionId, chain: { bindings: [] } })
    const refused = await h.fail('chat.send', { sessionId, text: 'three' })
    expect(refused).toMatchObject({ kind: 'rate-limited', fix: 'Wait, or change the key of this entry (a new key starts without a cooldown).' })
    expect(refused.message).toMatch(new RegExp(`^"Entry ${a.id}" asked Keel to wait before the next request \\((119|120) s left\\)\\. Nothing was sent\\.$`))
    expect(requestsTo(fake, a.prefix)).toHaveLength(1)
  })

  it('a fallback still waiting out its own Retry-After is passed over, saying how long is left; the next one answers', async () => {
    const { a, b, c, sessionId } = await chainOfThree('cool')
    // Turn one: the primary fails, b asks Keel to wait, c answers. Turn two: b is not asked again.
    fake.script({ pathPrefix: a.prefix, status: 503, times: 2 })
    fake.script({ pathPrefix: b.prefix, status: 429, retryAfter: 120, times: 1 })
    expect((await send(sessionId, 'one')).status).toBe('done')
    expect((await send(sessionId, 'two')).status).toBe('done')
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([2, 1, 2])
    const skipped = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!.fallbacks![0]!.skipped
    expect(skipped.map((s) => [s.entryId, s.reason, s.outcome])).toEqual([
      [a.id, 'HTTP 503', 'failed'],
      [b.id, 'cooling down', 'unresolved'],
    ])
    expect(skipped[1]!.message).toMatch(new RegExp(`^Fallback Entry ${b.id} · m-2 skipped: it asked Keel to wait \\((119|120) s left\\)\\.$`))
    expect(noticesOf(sessionId)).toContain(skipped[1]!.message)
  })

  it('a primary waiting out a Retry-After, with a list that does not name rate limits: the turn fails saying so, and nothing is sent', async () => {
    const a = await entry('openai-chat', 'nowait-a')
    const b = await entry('openai-chat', 'nowait-b')
    const sessionId = await sessionWith(a, [b], ['server'])
    fake.script({ pathPrefix: a.prefix, status: 429, retryAfter: 120, times: 1 })
    expect((await send(sessionId, 'one')).error).toMatchObject({ kind: 'rate-limited', status: 429 })
    const end = await send(sessionId, 'two')
    expect(end.status).toBe('error')
    expect(end.error).toMatchObject({ kind: 'rate-limited', fix: 'Wait, or change the key of this entry (a new key starts without a cooldown).' })
    expect(end.error!.message).toMatch(new RegExp(`^"Entry ${a.id}" asked Keel to wait before the next request \\((119|120) s left\\)\\. Nothing was sent\\.$`))
    expect([a, b].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 0])
  })

  it('401 on the primary: no fallback (a wrong key is fixed, not routed around)', async () => {
    const a = await entry('openai-chat', 'auth-a')
    const b = await entry('openai-chat', 'auth-b')
    const sessionId = await sessionWith(a, [b])
    fake.script({ pathPrefix: a.prefix, status: 401, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect(end.error).toMatchObject({ kind: 'auth', status: 401 })
    expect(requestsTo(fake, a.prefix)).toHaveLength(1)
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
  })

  it('a 503 when the list does not name server errors: no fallback', async () => {
    const a = await entry('openai-chat', 'trig-a')
    const b = await entry('openai-chat', 'trig-b')
    const sessionId = await sessionWith(a, [b], ['rate-limited'])
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.error).toMatchObject({ kind: 'server', status: 503 })
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
  })

  it('a fallback whose entry was deleted or whose key is missing is named in a notice and the record; the next one answers', async () => {
    const a = await entry('openai-chat', 'del-a')
    const gone = await entry('openai-chat', 'del-gone')
    const keyless = await entry('openai-chat', 'del-keyless')
    const c = await entry('openai-responses', 'del-c')
    const sessionId = await sessionWith(a, [gone, keyless, c])
    await h.call('providers.delete', { id: gone.id })
    await h.call('providers.deleteKey', { id: keyless.id })
    // Reported before any turn would use them (the header and Settings show these).
    const listed = await h.call('sessions.fallbacks', { id: sessionId })
    expect(listed.source).toBe('session')
    expect(listed.problems.map((p) => [p.entryId, p.reason])).toEqual([
      [gone.id, 'its entry was deleted'],
      [keyless.id, 'its key is missing'],
    ])
    fake.script({ pathPrefix: a.prefix, status: 502, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('done')
    expect(requestsTo(fake, gone.prefix)).toHaveLength(0)
    expect(requestsTo(fake, keyless.prefix)).toHaveLength(0)
    expect(requestsTo(fake, c.prefix).map(wire)).toEqual([{ path: `${c.prefix}/v1/responses`, key: c.key, model: 'm-2' }])
    const notices = noticesOf(sessionId)
    expect(notices).toContain(`Fallback ${gone.id} · m-2 skipped: its entry was deleted. Provider entry "${gone.id}" no longer exists. Nothing will be sent.`)
    expect(notices.some((t) => t.startsWith(`Fallback Entry ${keyless.id} · m-2 skipped: its key is missing`))).toBe(true)
    const record = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!.fallbacks![0]!
    expect(record.skipped.map((s) => [s.entryId, s.reason, s.outcome])).toEqual([
      [a.id, 'HTTP 502', 'failed'],
      [gone.id, 'its entry was deleted', 'unresolved'],
      [keyless.id, 'its key is missing', 'unresolved'],
    ])
    expect(record.answered).toMatchObject({ entryId: c.id, model: 'm-2' })
  })

  it('every binding fails: the error lists each one with its reason, and no text is invented', async () => {
    const a = await entry('openai-chat', 'all-a')
    const b = await entry('anthropic-messages', 'all-b')
    const gone = await entry('openai-chat', 'all-gone')
    const c = await entry('openai-chat', 'all-c')
    const sessionId = await sessionWith(a, [b, gone, c])
    await h.call('providers.delete', { id: gone.id })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    // Misbehaving servers echo the key they received: no form of it may reach the record, the error or the disk.
    fake.script({ pathPrefix: b.prefix, status: 429, echoKey: ['raw', 'base64'], times: 1 })
    fake.script({ pathPrefix: c.prefix, status: 500, echoKey: ['raw', 'hex'], times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect(end.error!.kind).toBe('server')
    // The selected binding's HTTP status is the error's (the window shows "(HTTP 503)").
    expect(end.error!.status).toBe(503)
    expect(end.error!.fix).toBe('Each binding is listed with why it failed: fix one (a key, an entry), or wait and send again.')
    expect(end.error!.message).toBe(
      `Every binding failed, nothing answered: selected Entry ${a.id} · m-1: HTTP 503; fallback Entry ${b.id} · m-2: HTTP 429; fallback ${gone.id} · m-2: its entry was deleted; fallback Entry ${c.id} · m-2: HTTP 500.`,
    )
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 1])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.at(-1)!.role).toBe('user')
    expect(view.turns.at(-1)!.fallbacks![0]!.answered).toBeNull()
    expect(view.turns.at(-1)!.fallbacks![0]!.skipped.find((s) => s.entryId === c.id)!.message).toContain('[redacted')
    for (const key of [a.key, b.key, c.key]) {
      expect(JSON.stringify(view)).not.toContain(key)
      expect(JSON.stringify(noticesOf(sessionId))).not.toContain(key)
      expect(filesContaining(dataDir, key)).toEqual([])
    }
  })

  it('once text streamed, no fallback: the error stands and the partial text is kept', async () => {
    const a = await entry('openai-chat', 'mid-a')
    const b = await entry('openai-chat', 'mid-b')
    const sessionId = await sessionWith(a, [b])
    fake.script({ pathPrefix: a.prefix, malformed: true, reply: 'Partial answer that breaks', times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.turns.at(-1)!.partialText).not.toBe('')
  })

  it('a list naming the selected binding itself: it is not asked twice, the same entry with another model is asked', async () => {
    const a = await entry('openai-chat', 'self-a')
    const b = await entry('openai-chat', 'self-b')
    const sessionId = await sessionWith(a, [])
    await h.call('sessions.setFallbacks', {
      id: sessionId,
      chain: { bindings: [{ entryId: a.id, model: 'm-1' }, { entryId: a.id, model: 'm-2' }, { entryId: b.id, model: 'm-2' }] },
    })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('done')
    // The selected binding once (its 503), then the same entry with m-2, which answers; b is never needed.
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([
      { path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' },
      { path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-2' },
    ])
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.at(-1)!.producedWith).toMatchObject({ entryId: a.id, model: 'm-2' })
    const record = view.turns.at(-1)!.fallbacks![0]!
    expect(record.skipped.map((s) => [s.entryId, s.model, s.reason])).toEqual([[a.id, 'm-1', 'HTTP 503']])
    expect(record.answered).toMatchObject({ entryId: a.id, model: 'm-2' })
  })

  it('a fallback failing with an error the list does not name (401): it stands, no later fallback is asked, the record says nothing answered', async () => {
    const { a, b, c, sessionId } = await chainOfThree('fb401')
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, status: 401, times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect(end.error).toMatchObject({ kind: 'auth', status: 401 })
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 0])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.at(-1)!.role).toBe('user')
    const turn = view.turns.at(-1)!
    // Nothing answered: the record names both failures, and the header line does not claim the fallback answered.
    expect(turn.fallbacks).toEqual([
      expect.objectContaining({
        selected: expect.objectContaining({ entryId: a.id, model: 'm-1' }),
        answered: null,
        skipped: [expect.objectContaining({ entryId: a.id, reason: 'HTTP 503', outcome: 'failed' }), expect.objectContaining({ entryId: b.id, reason: 'HTTP 401', outcome: 'failed' })],
      }),
    ])
    expect((await h.call('sessions.fallbacks', { id: sessionId })).latest).toMatchObject({ answered: null })
    // The fallback produced nothing: the step stays on the selected binding's account.
    expect(turn.usage).toMatchObject({ entryId: a.id, model: 'm-1' })
  })

  it("a fallback's Retry-After on an error that stands (the list does not name rate limits) starts a wait on the fallback only: the next turn asks the selected binding", async () => {
    const a = await entry('openai-chat', 'fbwait-a')
    const b = await entry('openai-chat', 'fbwait-b')
    const sessionId = await sessionWith(a, [b], ['server'])
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, status: 429, retryAfter: 120, times: 1 })
    const end = await send(sessionId, 'one')
    expect(end.error).toMatchObject({ kind: 'rate-limited', status: 429 })
    expect([a, b].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1])
    // The selected binding was not the one that asked Keel to wait: the next turn is sent to it, and it answers.
    const next = await send(sessionId, 'two')
    expect(next.status).toBe('done')
    expect([a, b].map((e) => requestsTo(fake, e.prefix).length)).toEqual([2, 1])
    // The fallback still waits: when the selected binding fails again, it is passed over saying so.
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    const third = await send(sessionId, 'three')
    expect(third.status).toBe('error')
    expect([a, b].map((e) => requestsTo(fake, e.prefix).length)).toEqual([3, 1])
    expect(noticesOf(sessionId).some((t) => t.startsWith(`Fallback Entry ${b.id} · m-2 skipped: it asked Keel to wait`))).toBe(true)
  })

  it('a fallback that streamed text and then broke: the error stands, its partial text is kept, no later fallback is asked, and the record says it was answering', async () => {
    const { a, b, c, sessionId } = await chainOfThree('fbmid')
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, malformed: true, reply: 'Partial answer from the fallback', times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 0])
    const turn = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!
    expect(turn.partialText).not.toBe('')
    expect(turn.fallbacks![0]).toMatchObject({ answered: { entryId: b.id, model: 'm-2' }, skipped: [{ entryId: a.id, reason: 'HTTP 503' }, { entryId: b.id, outcome: 'failed' }] })
    // Its tokens are billed by the fallback's entry.
    expect(turn.usage).toMatchObject({ entryId: b.id, model: 'm-2' })
  })

  it('a fallback that streamed text and then went quiet past its idle timeout: the time-out stands (a trigger, but output arrived), no later fallback is asked', async () => {
    const a = await entry('openai-chat', 'fbidle-a')
    const b = await entry('openai-chat', 'fbidle-b')
    const c = await entry('openai-chat', 'fbidle-c')
    // b gives up on a silent stream after 0.3 s: a time-out, which the default list names.
    await h.call('providers.update', { id: b.id, patch: { timeouts: { idleMs: 300 } } })
    const sessionId = await sessionWith(a, [b, c])
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, stall: 'after-text', reply: 'Partial answer from the fallback', times: 1 })
    const end = await send(sessionId, 'hello')
    expect(end.status).toBe('error')
    expect(end.error!.kind).toBe('timeout')
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 0])
    const turn = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!
    expect(turn.fallbacks![0]).toMatchObject({ answered: { entryId: b.id }, skipped: [{ entryId: a.id }, { entryId: b.id, outcome: 'failed' }] })
  })

  it('a tool call that began streaming and then went quiet past the idle timeout: the time-out stands (output arrived), no fallback is asked', async () => {
    const a = await entry('openai-chat', 'fbcall-a')
    const b = await entry('openai-chat', 'fbcall-b')
    await h.call('providers.update', { id: a.id, patch: { timeouts: { idleMs: 300 } } })
    const sessionId = await sessionWith(a, [b])
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    // No text: the call's opening events and its first argument deltas, then silence (the hold is never released).
    fake.script({ pathPrefix: a.prefix, holdInArguments: `quiet-${a.id}`, toolCalls: [{ id: 'call_quiet', name: 'read_file', arguments: { path: 'hello.txt' } }], times: 1 })
    const end = await send(sessionId, 'What does hello.txt say?')
    expect(end.status).toBe('error')
    expect(end.error!.kind).toBe('timeout')
    expect([a, b].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 0])
  })

  it("a fallback's tool reads the fallback's own key from a file: the result is redacted of it (and of the selected entry's key) in the ledger and on the wire", async () => {
    const a = await entry('openai-chat', 'fbscrub-a')
    const b = await entry('openai-chat', 'fbscrub-b')
    const sessionId = await sessionWith(a, [b])
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fs.writeFileSync(`${workspace}/keys-${b.id}.txt`, `selected: ${a.key}\nfallback: ${b.key}\n`)
    fake.sequence([
      { pathPrefix: a.prefix, status: 503 },
      { pathPrefix: b.prefix, toolCalls: [{ id: 'call_keys', name: 'read_file', arguments: { path: `keys-${b.id}.txt` } }] },
      { pathPrefix: a.prefix, toolResultFor: 'call_keys', reply: 'Read.' },
    ])
    expect((await send(sessionId, 'read the keys file')).status).toBe('done')
    const sent = resultSentFor(requestsTo(fake, a.prefix)[1]!, 'call_keys')
    expect(sent).toContain('selected: [redacted]')
    expect(sent).toContain('fallback: [redacted]')
    const [call] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    expect(call).toMatchObject({ toolName: 'read_file', state: 'succeeded' })
    expect(call!.resultPreview).toContain('fallback: [redacted]')
    for (const key of [a.key, b.key]) expect(filesContaining(dataDir, key)).toEqual([])
  })

  it('the same model on another entry (one model served by two providers) is a fallback like any other', async () => {
    const a = await entry('openai-chat', 'same-model-a')
    const b = await entry('openai-chat', 'same-model-b')
    const sessionId = await sessionWith(a, [])
    await h.call('sessions.setFallbacks', { id: sessionId, chain: { bindings: [{ entryId: b.id, model: 'm-1' }] } })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    expect((await send(sessionId, 'hello')).status).toBe('done')
    expect(requestsTo(fake, b.prefix).map(wire)).toEqual([{ path: `${b.prefix}/v1/chat/completions`, key: b.key, model: 'm-1' }])
    expect((await h.call('sessions.open', { id: sessionId })).messages.at(-1)!.producedWith).toMatchObject({ entryId: b.id, model: 'm-1' })
  })

  it('Stop while a fallback is being asked: the turn is stopped, no later fallback is asked, and the record says nothing answered', async () => {
    const { a, b, c, sessionId } = await chainOfThree('fbstop')
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    // Headers and no text: "nothing answered" must not depend on Stop beating a first delta (a `hang` sends one).
    fake.script({ pathPrefix: b.prefix, stall: 'after-headers', times: 1 })
    const asked = fake.requests().length
    const { turnId } = await h.call('chat.send', { sessionId, text: 'hello' })
    // The primary's 503, then the fallback's request, which stalls.
    await fake.waitForRequests(asked + 2)
    // While the fallback is being asked, the session (opened again, or after a crash) already says who answers.
    const asking = (await h.call('sessions.open', { id: sessionId })).turns.find((t) => t.id === turnId)!
    expect(asking.fallbacks).toEqual([expect.objectContaining({ answered: expect.objectContaining({ entryId: b.id, model: 'm-2' }), skipped: [expect.objectContaining({ entryId: a.id, reason: 'HTTP 503' })] })])
    await h.call('chat.stop', { sessionId })
    const end = (await h.turnEnded(turnId)) as Extract<ChatEvent, { type: 'turn-ended' }>
    expect(end.status).toBe('stopped')
    expect(end.error).toBeNull()
    expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 0])
    const record = (await h.call('sessions.open', { id: sessionId })).turns.at(-1)!.fallbacks![0]!
    expect(record.answered).toBeNull()
    expect(record.skipped.map((s) => [s.entryId, s.outcome])).toEqual([
      [a.id, 'failed'],
      [b.id, 'failed'],
    ])
    // The fallback did not fail: the user stopped it, and the record says so (not "an unexpected error").
    expect(record.skipped[1]).toMatchObject({ reason: 'stopped', message: 'Stopped by the user.' })
  })

  it('an agent turn: step 1 fails on the primary, the fallback (another API) answers with the calls and results paired, and the next step asks the primary first', async () => {
    const a = await entry('openai-chat', 'agent-a')
    const b = await entry('anthropic-messages', 'agent-b')
    const sessionId = await sessionWith(a, [b])
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.sequence([
      { pathPrefix: a.prefix, reply: 'Let me look.', toolCalls: [{ id: 'call_fb1', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: a.prefix, status: 503 },
      // The fallback is Anthropic: the strict fake refuses a history whose tool_use lacks its tool_result.
      { pathPrefix: b.prefix, toolResultFor: 'call_fb1', reply: 'Reading one more.', toolCalls: [{ id: 'toolu_fb2', name: 'list_files', arguments: {} }] },
      { pathPrefix: a.prefix, toolResultFor: 'toolu_fb2', reply: 'The file greets you.' },
    ])
    const end = await send(sessionId, 'What does hello.txt say?')
    expect(end.status).toBe('done')
    const toA = requestsTo(fake, a.prefix)
    const toB = requestsTo(fake, b.prefix)
    expect(toA.map(wire)).toEqual([0, 1, 2].map(() => ({ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' })))
    expect(toB.map(wire)).toEqual([{ path: `${b.prefix}/v1/messages`, key: b.key, model: 'm-2' }])
    expect(resultSentFor(toB[0]!, 'call_fb1')).toContain('hello from the workspace')
    // Step 2 went back to the selected binding and carried the fallback's call with its result, in Chat's shape.
    expect(resultSentFor(toA[2]!, 'toolu_fb2')).toContain('hello.txt')
    const view = await h.call('sessions.open', { id: sessionId })
    const turn = view.turns.at(-1)!
    expect(turn.fallbacks!.map((f) => [f.step, f.selected.entryId, f.answered?.entryId, f.skipped[0]!.reason])).toEqual([[1, a.id, b.id, 'HTTP 503']])
    expect(view.messages.at(-1)!.producedWith).toMatchObject({ entryId: a.id })
    expect(await binding(sessionId)).toMatchObject({ entryId: a.id, model: 'm-1' })
  })

  it('a session override replaces the profile list; null returns to the profile, an empty list turns it off', async () => {
    const a = await entry('openai-chat', 'prof-a')
    const b = await entry('openai-chat', 'prof-b')
    const c = await entry('openai-chat', 'prof-c')
    const profile = await h.call('profiles.create', { name: `Fallback profile ${n}`, binding: { mode: 'pinned', entryId: a.id, model: 'm-1' }, fallback: { bindings: [{ entryId: b.id, model: 'm-2' }] } })
    expect(profile.fallback).toEqual({ bindings: [{ entryId: b.id, model: 'm-2' }], triggers: ['network', 'timeout', 'server', 'rate-limited'] })
    const s = await h.call('sessions.create', { profileId: profile.id })
    await h.call('sessions.bind', { id: s.id, entryId: a.id, model: 'm-1' })
    expect(await h.call('sessions.fallbacks', { id: s.id })).toMatchObject({ source: 'profile', chain: { bindings: [{ entryId: b.id }] } })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    expect((await send(s.id, 'one')).status).toBe('done')
    expect(requestsTo(fake, b.prefix)).toHaveLength(1)

    await h.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [{ entryId: c.id, model: 'm-2' }] } })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    expect((await send(s.id, 'two')).status).toBe('done')
    expect(requestsTo(fake, c.prefix)).toHaveLength(1)
    expect(requestsTo(fake, b.prefix)).toHaveLength(1)

    await h.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [] } })
    expect((await h.call('sessions.fallbacks', { id: s.id })).source).toBe('session')
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    // With the list turned off the provider's own error stands: not "every binding failed", and no fallback record.
    const three = await send(s.id, 'three')
    expect(three.status).toBe('error')
    expect(three.error?.message).toMatch(/HTTP 503/)
    expect(three.error?.message).not.toMatch(/Every binding failed/)
    expect((await h.call('sessions.open', { id: s.id })).turns.at(-1)!.fallbacks).toBeUndefined()

    await h.call('sessions.setFallbacks', { id: s.id, chain: null })
    expect((await h.call('sessions.fallbacks', { id: s.id })).source).toBe('profile')
    // Written canonical, like every binding (invariant 5): a model id prefixed with its entry id is stored bare.
    const d = await entry('anthropic-messages', 'prof-d')
    const edited = await h.call('profiles.update', { id: profile.id, patch: { fallback: { bindings: [{ entryId: d.id, model: `${d.id}/m-2` }], triggers: ['server'] } } })
    expect(edited.fallback).toEqual({ bindings: [{ entryId: d.id, model: 'm-2' }], triggers: ['server'] })
    // A profile list naming a missing entry is reported where it is configured.
    expect(await h.call('fallbacks.check', { chain: { bindings: [{ entryId: 'no-such-entry', model: 'x' }] } })).toEqual([
      expect.objectContaining({ entryId: 'no-such-entry', reason: 'its entry was deleted', outcome: 'unresolved' }),
    ])
  })

  it('a session with no list of its own and a profile whose list is empty (or no profile) has no fallbacks, and diagnostics shows no fallback row', async () => {
    const a = await entry('openai-chat', 'none-a')
    const profile = await h.call('profiles.create', { name: `Empty fallback profile ${n}`, binding: { mode: 'pinned', entryId: a.id, model: 'm-1' }, fallback: { bindings: [] } })
    const withProfile = await h.call('sessions.create', { profileId: profile.id })
    const plain = await h.call('sessions.create', {})
    for (const s of [withProfile, plain]) {
      await h.call('sessions.bind', { id: s.id, entryId: a.id, model: 'm-1' })
      expect(await h.call('sessions.fallbacks', { id: s.id })).toMatchObject({ source: 'none', chain: null, problems: [] })
      const diag = await h.call('diagnostics.session', { id: s.id })
      expect(diag.rows.find((r) => r.field === 'fallback')).toBeUndefined()
    }
  })
})

describe('a fallback key removed while the fallback is being prepared', () => {
  it('its lookup saw the key, its read finds none: it is skipped saying its key is missing from the keychain, and the next one answers', async () => {
    // A core of its own: the session's entry is also the app default, so the turn boundary looks up one key.
    const dir = tempDataDir('keel-fallback-race')
    const own = await CoreHarness.open(dir, service)
    try {
      const make = async (id: string) => {
        const key = testKey(id)
        await own.call('providers.create', { id, name: `Entry ${id}`, kind: 'openai-compatible', baseUrl: `${fake.url}/${id}/v1`, key, api: 'openai-chat' })
        return { id, prefix: `/${id}`, key }
      }
      const a = await make('race-a')
      const b = await make('race-b')
      const c = await make('race-c')
      const s = await own.call('sessions.create', {})
      await own.call('sessions.bind', { id: s.id, entryId: a.id, model: 'm-1' })
      await own.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [b, c].map((f) => ({ entryId: f.id, model: 'm-2' })) } })
      // Turn one: the primary asks Keel to wait; b answers.
      fake.script({ pathPrefix: a.prefix, status: 429, retryAfter: 120, times: 1 })
      const first = await own.call('chat.send', { sessionId: s.id, text: 'one' })
      expect(await own.turnEnded(first.turnId)).toMatchObject({ status: 'done' })
      expect(requestsTo(fake, b.prefix)).toHaveLength(1)
      // Turn two, ordered on the process's one keychain queue: the turn boundary's lookup (queued by chat.send at
      // once), then ours; the turn's key read, then ours; b's lookup (the primary is passed over while it waits),
      // then the delete of b's key; then b's key read, which finds none.
      const kc = new Keychain(service)
      const sending = own.call('chat.send', { sessionId: s.id, text: 'two' })
      const deleting = kc
        .readKey(a.id)
        .then(() => kc.readKey(a.id))
        .then(() => kc.deleteKey(b.id))
      const [second] = await Promise.all([sending, deleting])
      expect(await own.turnEnded(second.turnId)).toMatchObject({ status: 'done' })
      const message = `Fallback Entry ${b.id} · m-2 skipped: its key is missing from the keychain.`
      expect(own.events('notice').filter((e) => e.sessionId === s.id).map((e) => e.text)).toContain(message)
      const record = (await own.call('sessions.open', { id: s.id })).turns.at(-1)!.fallbacks![0]!
      expect(record.skipped.map((x) => [x.entryId, x.reason, x.outcome])).toEqual([
        [a.id, 'rate limited', 'failed'],
        [b.id, 'its key is missing', 'unresolved'],
      ])
      expect(record.skipped[1]!.message).toBe(message)
      expect(record.answered).toMatchObject({ entryId: c.id })
      // Nothing went to b without its key: its one request is turn one's.
      expect([a, b, c].map((e) => requestsTo(fake, e.prefix).length)).toEqual([1, 1, 1])
    } finally {
      await own.close()
    }
  })
})

describe('fallback across a restart and on an older database', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('migration 014 adds the override column and the record table to a schema-13 database, after a backup', async () => {
    const old = openAtSchema(13)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old', 1, 1)").run()
    old.db.close()
    const backupsBefore = fs.existsSync(old.backups) ? fs.readdirSync(old.backups).length : 0
    // Up to the latest schema (issue #12 adds 015–017 after 014).
    const opened = openDatabase(old.file, old.backups)
    expect(opened.schemaVersion).toBe(LATEST_SCHEMA_VERSION)
    expect(fs.readdirSync(old.backups).length).toBe(backupsBefore + 1)
    const row = opened.db.prepare("SELECT fallback_json FROM sessions WHERE id = 's-old'").get() as { fallback_json: string | null }
    expect(row.fallback_json).toBeNull()
    expect(opened.db.prepare('SELECT COUNT(*) AS n FROM step_fallbacks').get()).toEqual({ n: 0 })
    opened.db.close()
  })

  it('the record of a fallback survives a restart, and the first turn after it asks the selected binding first', async () => {
    const dir = tempDataDir('keel-fallback-restart')
    let k = await CoreHarness.open(dir, service)
    const mk = async (id: string) => {
      const key = testKey(id)
      await k.call('providers.create', { id, name: `Entry ${id}`, kind: 'openai-compatible', baseUrl: `${fake.url}/${id}/v1`, key, api: 'openai-chat' })
      return { id, prefix: `/${id}`, key }
    }
    const a = await mk('rs-a')
    const b = await mk('rs-b')
    const s = await k.call('sessions.create', {})
    await k.call('sessions.bind', { id: s.id, entryId: a.id, model: 'm-1' })
    await k.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [{ entryId: b.id, model: 'm-2' }] } })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    const { turnId } = await k.call('chat.send', { sessionId: s.id, text: 'before restart' })
    await k.turnEnded(turnId)
    await k.close()
    fake.clear()
    k = await CoreHarness.open(dir, service)
    const view = await k.call('sessions.open', { id: s.id })
    expect(view.turns.at(-1)!.fallbacks![0]).toMatchObject({ selected: { entryId: a.id }, answered: { entryId: b.id } })
    expect((await k.call('sessions.fallbacks', { id: s.id })).chain!.bindings).toEqual([{ entryId: b.id, model: 'm-2' }])
    // Selected vs answered wherever identity is shown: the list (and the tray), diagnostics, the report, the doctor.
    const line = `answered by Entry ${b.id} · m-2 — fallback from Entry ${a.id} · m-1: HTTP 503`
    expect((await k.call('sessions.list', {})).items.find((x) => x.id === s.id)!.fallback).toBe(line)
    const tray = (await k.call('tray.menu', {})).items.find((i) => i.type === 'session' && i.sessionId === s.id)
    expect(tray).toMatchObject({ detail: `Entry ${a.id} · m-1`, fallback: line })
    expect(tray && 'label' in tray ? tray.label : '').toContain(`⤳ ${line}`)
    const diag = await k.call('diagnostics.session', { id: s.id })
    expect(diag.rows.find((r) => r.field === 'fallback')).toMatchObject({ label: 'Answered by', active: line, persisted: `${a.id} · m-1 (selected)` })
    expect(diag.fallback).toMatchObject({ source: 'session', latest: { answered: { entryId: b.id } } })
    expect((await k.call('diagnostics.report', { id: s.id })).json).toContain(line)
    const doctor = await doctorCli(service)(dir)
    expect(doctor.stdout).toContain(`fallback: ${line} (the session's binding is unchanged)`)
    const next = await k.call('chat.send', { sessionId: s.id, text: 'after restart' })
    await k.turnEnded(next.turnId)
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }])
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    // The marker is about the latest turn only: the primary answered, so it is gone.
    expect((await k.call('sessions.list', {})).items.find((x) => x.id === s.id)!.fallback).toBeUndefined()
    await k.close()
  })
})

describe('a crash while a fallback answers', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('after the restart the continuation resolves from the selected binding again (never pins the fallback), and the record names the fallback', async () => {
    const dir = tempDataDir('keel-fallback-crash')
    let k = await CoreHarness.open(dir, service)
    const mk = async (id: string) => {
      const key = testKey(id)
      await k.call('providers.create', { id, name: `Entry ${id}`, kind: 'openai-compatible', baseUrl: `${fake.url}/${id}/v1`, key, api: 'openai-chat' })
      return { id, prefix: `/${id}`, key }
    }
    const a = await mk('crash-a')
    const b = await mk('crash-b')
    const s = await k.call('sessions.create', {})
    await k.call('sessions.bind', { id: s.id, entryId: a.id, model: 'm-1' })
    await k.call('sessions.setFallbacks', { id: s.id, chain: { bindings: [{ entryId: b.id, model: 'm-2' }] } })
    await k.close()
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, hang: true, times: 1 })
    const turnId = await crashMidTurn(dir, service, s.id, 'a long story please')
    // The fallback was streaming when the process died.
    expect(requestsTo(fake, b.prefix).map(wire)).toEqual([{ path: `${b.prefix}/v1/chat/completions`, key: b.key, model: 'm-2' }])
    fake.clear()
    fake.script({ pathPrefix: a.prefix, reply: 'and so it ended.', times: 1 })
    k = await CoreHarness.open(dir, service)
    const started = await k.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === s.id)
    expect(await k.turnEnded(started.turnId)).toMatchObject({ status: 'done' })
    // The continuation went to the selected binding first; the fallback was not asked.
    expect(requestsTo(fake, a.prefix).map(wire)).toEqual([{ path: `${a.prefix}/v1/chat/completions`, key: a.key, model: 'm-1' }])
    expect(requestsTo(fake, b.prefix)).toHaveLength(0)
    const view = await k.call('sessions.open', { id: s.id })
    const crashed = view.turns.find((t) => t.id === turnId)!
    expect(crashed.fallbacks![0]).toMatchObject({ selected: { entryId: a.id }, answered: { entryId: b.id }, skipped: [{ entryId: a.id, reason: 'HTTP 503' }] })
    expect(view.messages.at(-1)!.producedWith).toMatchObject({ entryId: a.id, model: 'm-1' })
    await k.close()
  })
})
