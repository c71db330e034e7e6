// Approvals that arrive early (issue #9): the card's event can reach the window before the loop has written its
// pause, and a click on Allow can land at any moment after it — inside the event itself, a few promise callbacks
// later, at the turn-ended that carries the pause, or while another call of the same step is still running. In every
// case the turn must go on to the scripted reply and the next request must pass the fake's strict pairing; a turn
// left paused with nothing waiting would time out here. No sleeps: the answer is sent from inside the event
// listener (synchronously, or after a fixed number of microtasks), or while a gated tool holds the step open.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { requestsTo, resultSentFor, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import { toolResultsSent } from '../fake-provider/server'
import { gatedTool } from '../support/agent-tools'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { BuiltinTool } from '../../src/main/core/tools/tool-definition'
import type { ChatEvent, InvokeResult } from '../../src/shared/contract'

const fake = fakeProviderForFile()

let h: CoreHarness
let dataDir: string
let workspace: string
const service = testKeychainService()
const toolSets = new Map<string, SessionToolSet>()
const writeFile = BUILTIN_TOOLS.find((t) => t.name === 'write_file')!

beforeAll(async () => {
  dataDir = tempDataDir('keel-approval-race')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-race-ws-')))
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
})
afterAll(async () => {
  await h.close()
})

let entries = 0
async function agentSession(api: WireApi, tools: readonly BuiltinTool[] = [writeFile]) {
  entries += 1
  const id = `r${entries}`
  const { sessionId, prefix } = await sessionOnFakeApi(h, fake, api, { id })
  toolSets.set(sessionId, { tools, workspace })
  return { sessionId, prefix }
}

const callId = (api: WireApi, n: number) => (api === 'anthropic-messages' ? `toolu_r${n}` : `call_r${n}`)
const mine = (prefix: string) => requestsTo(fake, prefix)

/** The turn's end that is not a pause: done (or an error) — a turn stuck paused never gets here. */
function finished(turnId: string, since: number) {
  return h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId && !e.pause, 10_000, since) as Promise<Extract<ChatEvent, { type: 'turn-ended' }>>
}

/**
 * Answers once, from inside the core's event listener, at the first event `when` matches: `ticks` 0 dispatches in
 * the listener itself (before the loop's next line runs); n > 0 in the n-th microtask after it, to sweep every point between
 * the card's event and the pause write.
 */
function answerAt(when: (e: ChatEvent) => boolean, answer: (e: ChatEvent) => [channel: 'tools.approve' | 'tools.deny', input: unknown], ticks = 0): Promise<InvokeResult> {
  return new Promise((resolve) => {
    let done = false
    const off = h.core.subscribe((event, payload) => {
      if (done || event !== 'chat' || !when(payload as ChatEvent)) return
      done = true
      off()
      const [channel, input] = answer(payload as ChatEvent)
      let p: Promise<void> = Promise.resolve()
      if (ticks === 0) return resolve(h.core.dispatch(channel, input))
      for (let i = 1; i < ticks; i++) p = p.then(() => undefined)
      void p.then(() => resolve(h.core.dispatch(channel, input)))
    })
  })
}
const firstAwaiting = (sessionId: string) => (e: ChatEvent) => e.sessionId === sessionId && e.type === 'tool-call' && e.call.state === 'awaiting-approval'
const awaitingId = (e: ChatEvent) => (e as Extract<ChatEvent, { type: 'tool-call' }>).call.id

describe.each(WIRE_APIS)('early answers on %s', (api) => {
  async function approveEarly(ticks: number) {
    const { sessionId, prefix } = await agentSession(api)
    const target = `early-${api}-${ticks}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'approved early' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Written early.' },
    ])
    const approved = answerAt(firstAwaiting(sessionId), (e) => ['tools.approve', { callId: awaitingId(e), scope: 'once' }], ticks)
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'write it' })
    expect(await approved).toMatchObject({ ok: true })
    expect(await finished(turnId, mark)).toMatchObject({ status: 'done', error: null })
    expect(fs.readFileSync(path.join(workspace, target), 'utf8')).toBe('approved early')
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toContain(target)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Written early.' })
    expect(view.toolCalls).toMatchObject([{ state: 'succeeded' }])
    return { sessionId, prefix }
  }

  it('Allow sent inside the card event itself: the write runs and the turn ends with the reply', async () => {
    const { sessionId, prefix } = await approveEarly(0)
    // Nothing is left paused: the next turn is accepted and its history still pairs the call with its result.
    fake.script({ pathPrefix: prefix, reply: 'ok' })
    const m = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'thanks' })
    expect(await finished(turnId, m)).toMatchObject({ status: 'done', error: null })
  })

  // One test per microtask (not one loop): each is a whole turn, and twelve of them in one test ran past the test
  // timeout on a loaded 2-core machine.
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('Allow landing at microtask %i between the card event and the pause write', async (ticks) => {
    await approveEarly(ticks)
  })

  it('Deny sent inside the card event itself: the model reads the denial and the turn ends with the reply', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `denied-early-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'x' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Understood.' },
    ])
    const denied = answerAt(firstAwaiting(sessionId), (e) => ['tools.deny', { callId: awaitingId(e), reason: 'too soon' }])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'write it' })
    expect(await denied).toMatchObject({ ok: true })
    expect(await finished(turnId, mark)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toBe('denied by the user: too soon')
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
    expect((await h.call('sessions.open', { id: sessionId })).messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Understood.' })
  })

  it('Allow sent inside the turn-ended event that carries the pause: the turn resumes and ends with the reply', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `at-pause-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'at the pause' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Written at the pause.' },
    ])
    let waiting = ''
    const off = h.core.subscribe((event, payload) => {
      const e = payload as ChatEvent
      if (event === 'chat' && firstAwaiting(sessionId)(e)) waiting = awaitingId(e)
    })
    const approved = answerAt(
      (e) => e.sessionId === sessionId && e.type === 'turn-ended' && e.pause?.reason === 'awaiting-approval',
      () => ['tools.approve', { callId: waiting, scope: 'once' }],
    )
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'write it' })
    expect(await approved).toMatchObject({ ok: true })
    off()
    expect(await finished(turnId, mark)).toMatchObject({ status: 'done', error: null })
    expect(fs.readFileSync(path.join(workspace, target), 'utf8')).toBe('at the pause')
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toContain(target)
    expect((await h.call('sessions.open', { id: sessionId })).messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Written at the pause.' })
  })

  it('Allow while another call of the same step is still running: both run, both results go back', async () => {
    const { tool: slow, gate } = gatedTool(`slow_${api.replace(/-/g, '_')}`, dataDir, 'read')
    const { sessionId, prefix } = await agentSession(api, [writeFile, slow])
    const target = `parallel-${api}.txt`
    fake.sequence([
      {
        pathPrefix: prefix,
        toolCalls: [
          { id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'parallel' } },
          { id: callId(api, 2), name: slow.name, arguments: { label: 'held' } },
        ],
      },
      { pathPrefix: prefix, toolResultFor: callId(api, 2), reply: 'Both done.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'write and wait' })
    const card = (await h.waitFor('chat', firstAwaiting(sessionId), 10_000, mark)) as Extract<ChatEvent, { type: 'tool-call' }>
    await gate.started
    // The read runs (the step is still open, no pause written); Allow arrives now.
    await h.call('tools.approve', { callId: card.call.id, scope: 'once' })
    gate.open('held result')
    expect(await finished(turnId, mark)).toMatchObject({ status: 'done', error: null })
    expect(fs.readFileSync(path.join(workspace, target), 'utf8')).toBe('parallel')
    const second = mine(prefix)[1]!
    expect(toolResultsSent(second).map((r) => r.callId)).toEqual([callId(api, 1), callId(api, 2)])
    expect(resultSentFor(second, callId(api, 1))).toContain(target)
    expect(resultSentFor(second, callId(api, 2))).toContain('held result')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => c.state)).toEqual(['succeeded', 'succeeded'])
    expect(view.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Both done.' })
  })
})
