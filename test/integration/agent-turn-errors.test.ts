// A provider that fails in the middle of an agent turn (the step after a tool call): the turn ends as an error the
// user sees, and a 429's Retry-After cools that credential down like in a plain turn (provider-errors.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeProviderForFile, testKeychainService, type CoreHarness } from '../support/core-harness'
import { openAgentHarness, requestsTo, sessionOnFakeApi } from '../support/agent-sessions'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'

const fake = fakeProviderForFile()
const service = testKeychainService()
const toolSets = new Map<string, SessionToolSet>()
let h: CoreHarness
let workspace: string

beforeAll(async () => {
  ;({ h, workspace } = await openAgentHarness('keel-agent-err', service, toolSets))
})
afterAll(async () => {
  await h.close()
})

describe('agent turn errors', () => {
  it('a 429 on the step after a tool call ends the turn as a rate-limited error and cools the key down', async () => {
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'busy' })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me look.', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      // A long Retry-After, so the cooldown cannot run out before the next send, however loaded the machine.
      { pathPrefix: prefix, toolResultFor: 'call_1', status: 429, retryAfter: 600 },
    ])
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does hello.txt say?' })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'error', assistantMessageId: null })
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.kind).toBe('rate-limited')
    expect(ended.error?.message).toMatch(/rate limiting requests \(HTTP 429\)/)
    expect(requestsTo(fake, prefix)).toHaveLength(2)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'error', error: { kind: 'rate-limited' } })
    // The next send is refused before any request goes out.
    const refused = await h.fail('chat.send', { sessionId, text: 'again' })
    expect(refused).toMatchObject({ kind: 'rate-limited', entryId: 'busy' })
    expect(refused.message).toMatch(/Nothing was sent/)
    expect(requestsTo(fake, prefix)).toHaveLength(2)
  })
})

// The step a turn ends in the middle of (endAgentTurn's open step): Stop or an error after some text.
describe('an agent step cut short', () => {
  const deltaOf = (turnId: string, since: number) => h.waitFor('chat', (e) => e.turnId === turnId && e.type === 'delta', 10_000, since)

  it('Stop after some text: diagnostics show the step stopped, and the input tokens Anthropic reported at the start are counted', async () => {
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'anthropic-messages', { id: 'cut-stop' })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.script({ pathPrefix: prefix, reply: 'I will read the file and then', stall: 'after-text', usage: { input: 321, output: 5 }, times: 1 })
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does hello.txt say?' })
    await deltaOf(turnId, mark)
    await h.call('chat.stop', { sessionId })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'stopped' })
    // The text that arrived (the stream stalls after its first words) is kept as the reply, marked stopped.
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.map((m) => [m.role, m.content.trim(), m.status])).toEqual([
      ['user', 'What does hello.txt say?', 'complete'],
      ['assistant', 'I', 'stopped'],
    ])
    const d = await h.call('diagnostics.session', { id: sessionId })
    expect(d.agent!.lastTurn!.steps.map((x) => [x.step, x.finishReason])).toEqual([[0, 'stopped']])
    const rows = (await h.call('usage.session', { id: sessionId })).rows
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ inputTokens: 321 })
  })

  it('a stream that breaks after some text: diagnostics show the step as an error', async () => {
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'cut-error' })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.script({ pathPrefix: prefix, reply: 'Partial answer before the break', malformed: true, times: 1 })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'hello' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'error', assistantMessageId: null })
    // No reply is made of it, but the failed turn keeps the text that arrived before the break (its first word;
    // shown with its error).
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.map((m) => m.role)).toEqual(['user'])
    expect(view.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'error', partialText: 'Partial ' })
    const d = await h.call('diagnostics.session', { id: sessionId })
    expect(d.agent!.lastTurn!.steps.map((x) => [x.step, x.finishReason])).toEqual([[0, 'error']])
  })

  it('Stop while a fallback streams an agent step: the turn’s fallback record names the fallback that answered', async () => {
    const a = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'cut-fb-a' })
    const b = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'cut-fb-b' })
    const sessionId = a.sessionId
    await h.call('sessions.setFallbacks', { id: sessionId, chain: { bindings: [{ entryId: 'cut-fb-b', model: 'm-2' }] } })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    fake.script({ pathPrefix: a.prefix, status: 503, times: 1 })
    fake.script({ pathPrefix: b.prefix, reply: 'The fallback starts to answer', stall: 'after-text', times: 1 })
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'hello' })
    await deltaOf(turnId, mark)
    await h.call('chat.stop', { sessionId })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'stopped' })
    const turn = (await h.call('sessions.open', { id: sessionId })).turns.find((t) => t.id === turnId)!
    expect(turn.fallbacks).toHaveLength(1)
    const record = turn.fallbacks![0]!
    expect(record.answered).toMatchObject({ entryId: 'cut-fb-b', model: 'm-2' })
    expect(record.skipped.map((x) => [x.entryId, x.outcome])).toEqual([
      ['cut-fb-a', 'failed'],
      ['cut-fb-b', 'failed'],
    ])
    expect(record.skipped[0]).toMatchObject({ reason: 'HTTP 503' })
    expect(record.skipped[1]).toMatchObject({ reason: 'stopped', message: 'Stopped by the user.' })
  })
})
