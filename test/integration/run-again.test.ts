// "Run again" (issue #9): a call that was interrupted, failed, timed out or cancelled is never re-run by Keel; the
// user's tools.runAgain records a NEW call (the old row keeps its result) in a new turn, asks approval as usual, and
// the turn goes on. On every API the next request must pass the fake's strict pairing: the old call with its old
// result, the user's "Run again" message, the new call with its new result.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { requestsTo, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import { toolResultsSent } from '../fake-provider/server'
import { gatedTool } from '../support/agent-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { INTERRUPTED_RESULT, ToolLedger } from '../../src/main/core/agents/tool-ledger'
import type { ChatEvent } from '../../src/shared/contract'

const fake = fakeProviderForFile()
const service = testKeychainService()

let h: CoreHarness
let dataDir: string
let workspace: string
const toolSets = new Map<string, SessionToolSet>()
const gates = new Map<string, ReturnType<typeof gatedTool>>()

beforeAll(async () => {
  dataDir = tempDataDir('keel-run-again')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
})
afterAll(async () => {
  await h.close()
})

let n = 0
async function session(harness: CoreHarness, api: WireApi, dir: string) {
  n += 1
  const id = `r${n}`
  const { sessionId, prefix } = await sessionOnFakeApi(harness, fake, api, { id })
  const gate = gatedTool('save_note', dir, 'write')
  gates.set(sessionId, gate)
  toolSets.set(sessionId, { tools: [gate.tool], workspace })
  return { sessionId, prefix }
}

const mine = (prefix: string) => requestsTo(fake, prefix)
const ended = (harness: CoreHarness, sessionId: string, since: number) =>
  harness.waitFor('chat', (e) => e.sessionId === sessionId && e.type === 'turn-ended', 10_000, since) as Promise<Extract<ChatEvent, { type: 'turn-ended' }>>

describe.each(WIRE_APIS)('run again on %s', (api) => {
  it('a cancelled write call runs again only when the user asks and approves; the old call keeps its result; the turn goes on', async () => {
    const { sessionId, prefix } = await session(h, api, dataDir)
    const callId = api === 'anthropic-messages' ? 'toolu_ra1' : 'call_ra1'
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId, name: 'save_note', arguments: { label: `once-${api}` } }] }])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'save it' })
    expect(await ended(h, sessionId, m1)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const [first] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    const m2 = h.mark()
    await h.call('tools.approve', { callId: first!.id, scope: 'once' })
    await gates.get(sessionId)!.gate.started
    await h.call('chat.stop', { sessionId })
    expect(await ended(h, sessionId, m2)).toMatchObject({ status: 'stopped' })
    expect(gates.get(sessionId)!.gate.runs()).toBe(1)

    // The same tool (same name and schema) with a fresh gate, so the test can tell the second run from the first.
    const second = gatedTool('save_note', dataDir, 'write')
    toolSets.set(sessionId, { tools: [second.tool], workspace })

    // Run again: a new call, waiting for approval like any write; nothing ran yet.
    fake.script({ pathPrefix: prefix, toolResults: true, reply: 'Saved this time.' })
    const m3 = h.mark()
    const again = await h.call('tools.runAgain', { callId: first!.id })
    expect(again.callId).not.toBe(first!.id)
    expect(await ended(h, sessionId, m3)).toMatchObject({ turnId: again.turnId, pause: { reason: 'awaiting-approval', message: 'A tool call is waiting for your approval.' } })
    expect(gates.get(sessionId)!.gate.runs() + second.gate.runs()).toBe(1)
    let view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => [c.id, c.toolName, c.state])).toEqual([
      [first!.id, 'save_note', 'cancelled'],
      [again.callId, 'save_note', 'awaiting-approval'],
    ])
    expect(JSON.parse(view.toolCalls![1]!.arguments)).toEqual({ label: `once-${api}` })
    expect(view.messages.at(-1)).toMatchObject({ role: 'user', content: 'Run again: save_note (the earlier call ended cancelled).' })

    const m4 = h.mark()
    await h.call('tools.approve', { callId: again.callId, scope: 'once' })
    expect(await second.gate.started).toEqual({ state: 'running' })
    // While the turn runs, Run again is refused (nothing is recorded).
    expect(await h.fail('tools.runAgain', { callId: first!.id })).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/still streaming/) })
    second.gate.open('saved')
    expect(await ended(h, sessionId, m4)).toMatchObject({ turnId: again.turnId, status: 'done', error: null })
    expect([gates.get(sessionId)!.gate.runs(), second.gate.runs()]).toEqual([1, 1])
    // The request after the re-run: the old pair as it was, then the new call with its result (strict pairing passed).
    const last = mine(prefix).at(-1)!
    const results = toolResultsSent(last)
    expect(results.map((r) => r.callId)).toEqual([callId, view.toolCalls![1]!.providerCallId])
    expect(JSON.stringify(results[0]!.content)).toContain('cancelled by the user')
    expect(JSON.stringify(results[1]!.content)).toContain('saved')
    view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => c.state)).toEqual(['cancelled', 'succeeded'])
    expect(view.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Saved this time.' })
  })
})

describe('run again: what it refuses, and a call interrupted by a restart', () => {
  it('a failed call whose arguments were not one JSON object: Run again is refused in those words, and nothing is run, recorded or sent', async () => {
    const { sessionId, prefix } = await session(h, 'openai-chat', dataDir)
    // A JSON array where the object belongs: the call is answered failed at once (agent-loop.test.ts), never run.
    const notAnObject = ['a note'] as unknown as Record<string, unknown>
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_arr', name: 'save_note', arguments: notAnObject }] },
      { pathPrefix: prefix, toolResultFor: 'call_arr', reply: 'I will send an object next time.' },
    ])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'save it' })
    expect(await ended(h, sessionId, m1)).toMatchObject({ status: 'done', error: null })
    const before = await h.call('sessions.open', { id: sessionId })
    expect(before.toolCalls).toMatchObject([{ providerCallId: 'call_arr', toolName: 'save_note', state: 'failed' }])
    const sent = mine(prefix).length

    const refused = await h.fail('tools.runAgain', { callId: before.toolCalls![0]!.id })
    expect(refused).toMatchObject({ kind: 'invalid-input', message: "The call's arguments were not one JSON object, so there is nothing to run again." })
    // Nothing ran, no turn started, no message or call was recorded, nothing went to the model.
    expect(gates.get(sessionId)!.gate.runs()).toBe(0)
    expect(h.events('chat').filter((e) => e.sessionId === sessionId && e.type === 'turn-started')).toHaveLength(1)
    const after = await h.call('sessions.open', { id: sessionId })
    expect(after.messages.map((m) => [m.role, m.content])).toEqual(before.messages.map((m) => [m.role, m.content]))
    expect(after.toolCalls!.map((c) => [c.id, c.state])).toEqual([[before.toolCalls![0]!.id, 'failed']])
    expect(mine(prefix)).toHaveLength(sent)
  })

  it('a call a restart answered "interrupted" is not re-run at start; Run again asks, then runs it once', async () => {
    const dir = tempDataDir('keel-run-again-restart')
    let harness = await CoreHarness.open(dir, service, { toolSet: (id) => toolSets.get(id) ?? null })
    const { sessionId, prefix } = await session(harness, 'openai-chat', dir)
    fake.script({ pathPrefix: prefix, reply: 'hello' })
    const m1 = harness.mark()
    await harness.call('chat.send', { sessionId, text: 'hi' })
    await ended(harness, sessionId, m1)
    await harness.close()
    // What a crash during the tool leaves, written through the real ledger: the call committed running.
    const db = new Database(path.join(dir, 'keel.db'))
    const turnId = (db.prepare('SELECT id FROM turns WHERE session_id = ?').get(sessionId) as { id: string }).id
    const ledger = new ToolLedger(db)
    const step = ledger.steps(turnId).length
    ledger.startStep(turnId, step, 'k')
    ledger.endStep(turnId, step, 'tool-calls', '')
    const gate = gates.get(sessionId)!
    const old = ledger.record({ sessionId, turnId, step, position: 0, providerCallId: 'call_crash', source: 'builtin', name: 'save_note', schemaHash: gate.tool.schemaHash, argumentsJson: '{"label":"crash"}', effect: 'write', identityKey: 'k', state: 'approved' })
    ledger.markRunning(old)
    db.close()

    harness = await CoreHarness.open(dir, service, { toolSet: (id) => toolSets.get(id) ?? null })
    try {
      let view = await harness.call('sessions.open', { id: sessionId })
      expect(view.toolCalls).toMatchObject([{ id: old, state: 'interrupted', resultPreview: INTERRUPTED_RESULT }])
      expect(gate.gate.runs()).toBe(0)
      // A succeeded call cannot run again; neither can one that does not exist.
      expect((await harness.fail('tools.runAgain', { callId: 'nope' })).kind).toBe('not-found')

      fake.script({ pathPrefix: prefix, toolResults: true, reply: 'Done again.' })
      const m2 = harness.mark()
      const again = await harness.call('tools.runAgain', { callId: old })
      await ended(harness, sessionId, m2)
      const m3 = harness.mark()
      await harness.call('tools.approve', { callId: again.callId, scope: 'once' })
      await gate.gate.started
      gate.gate.open('done')
      expect(await ended(harness, sessionId, m3)).toMatchObject({ status: 'done', error: null })
      expect(gate.gate.runs()).toBe(1)
      const sent = toolResultsSent(mine(prefix).at(-1)!)
      expect(sent.map((r) => r.callId)).toEqual(['call_crash', expect.stringMatching(/^keel_again_/)])
      expect(JSON.stringify(sent[0]!.content)).toContain(INTERRUPTED_RESULT)
      view = await harness.call('sessions.open', { id: sessionId })
      expect(view.toolCalls!.map((c) => [c.id, c.state])).toEqual([
        [old, 'interrupted'],
        [again.callId, 'succeeded'],
      ])
      const refused = await harness.fail('tools.runAgain', { callId: again.callId })
      expect(refused.kind).toBe('conflict')
      expect(refused.message).toMatch(/this one is succeeded/)
    } finally {
      await harness.close()
    }
  })
})

describe('run again: a call the session allows without asking', () => {
  it('a cancelled read call runs again at once when the user asks (no card): it runs, the model reads its new result, the turn ends done', async () => {
    n += 1
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: `r${n}` })
    const first = gatedTool('look_around', dataDir)
    toolSets.set(sessionId, { tools: [first.tool], workspace })
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: 'call_read1', name: 'look_around', arguments: { label: 'read-again' } }] }])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'look around' })
    await first.gate.started
    await h.call('chat.stop', { sessionId })
    expect(await ended(h, sessionId, m1)).toMatchObject({ status: 'stopped' })
    const [old] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    expect(old).toMatchObject({ toolName: 'look_around', effect: 'read', state: 'cancelled' })

    // The same read tool with a fresh gate, so the test can tell the second run from the first.
    const second = gatedTool('look_around', dataDir)
    toolSets.set(sessionId, { tools: [second.tool], workspace })
    fake.script({ pathPrefix: prefix, toolResults: true, reply: 'Looked again.' })
    const m2 = h.mark()
    const again = await h.call('tools.runAgain', { callId: old!.id })
    // A read asks nothing: the new call runs at once (marked running before its effect begins), no card is shown.
    const running = await h.waitFor('chat', (e) => e.type === 'tool-call' && e.call.id === again.callId && e.call.state === 'running', 10_000, m2)
    expect(running).toMatchObject({ sessionId, turnId: again.turnId })
    expect(await second.gate.started).toEqual({ state: 'running' })
    second.gate.open('looked again')
    expect(await ended(h, sessionId, m2)).toMatchObject({ turnId: again.turnId, status: 'done', error: null })
    expect(h.events('chat', m2).filter((e) => e.type === 'tool-call' && e.call.state === 'awaiting-approval')).toEqual([])
    expect([first.gate.runs(), second.gate.runs()]).toEqual([1, 1])
    // The model's next request carries the old call's result and the new call's: the new one is what the re-run said.
    const view = await h.call('sessions.open', { id: sessionId })
    const results = toolResultsSent(mine(prefix).at(-1)!)
    expect(results.map((r) => r.callId)).toEqual(['call_read1', view.toolCalls![1]!.providerCallId])
    expect(JSON.stringify(results[1]!.content)).toContain('looked again')
    expect(view.toolCalls!.map((c) => [c.id, c.state])).toEqual([
      [old!.id, 'cancelled'],
      [again.callId, 'succeeded'],
    ])
    expect(view.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'look around'],
      ['user', 'Run again: look_around (the earlier call ended cancelled).'],
      ['assistant', 'Looked again.'],
    ])
  })
})
