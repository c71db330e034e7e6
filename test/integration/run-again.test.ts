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
import { afterLastChange, topSession } from '../support/session-order'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { INTERRUPTED_RESULT, MOVED_ON_RESULT, ToolLedger } from '../../src/main/core/agents/tool-ledger'
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

/**
 * A session (in its own data dir) with one reply, then a save_note call a crash left running after it, written
 * through the real ledger while Keel was closed; the harness returned is Keel started again on that data dir.
 */
async function callACrashLeftRunning(label: string, providerCallId: string, argumentsJson: string) {
  const dir = tempDataDir(label)
  const first = await CoreHarness.open(dir, service, { toolSet: (id) => toolSets.get(id) ?? null })
  const { sessionId, prefix } = await session(first, 'openai-chat', dir)
  fake.script({ pathPrefix: prefix, reply: 'hello' })
  const m1 = first.mark()
  await first.call('chat.send', { sessionId, text: 'hi' })
  await ended(first, sessionId, m1)
  await first.close()
  const db = new Database(path.join(dir, 'keel.db'))
  const turnId = (db.prepare('SELECT id FROM turns WHERE session_id = ?').get(sessionId) as { id: string }).id
  const ledger = new ToolLedger(db)
  const step = ledger.steps(turnId).length
  ledger.startStep(turnId, step, 'k')
  ledger.endStep(turnId, step, 'tool-calls', '')
  const gate = gates.get(sessionId)!
  const old = ledger.record({ sessionId, turnId, step, position: 0, providerCallId, source: 'builtin', name: 'save_note', schemaHash: gate.tool.schemaHash, argumentsJson, effect: 'write', identityKey: 'k', state: 'approved' })
  ledger.markRunning(old)
  db.close()
  const harness = await CoreHarness.open(dir, service, { toolSet: (id) => toolSets.get(id) ?? null })
  return { harness, sessionId, prefix, old, gate }
}

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

    // Another session changed since, so it tops the list (each change waits for the clock to move on).
    await afterLastChange(h, sessionId)
    const other = await h.call('sessions.create', {})
    await afterLastChange(h, other.id)
    expect(await topSession(h)).toBe(other.id)

    // Run again: a new call, waiting for approval like any write; nothing ran yet.
    fake.script({ pathPrefix: prefix, toolResults: true, reply: 'Saved this time.' })
    const m3 = h.mark()
    const again = await h.call('tools.runAgain', { callId: first!.id })
    expect(again.callId).not.toBe(first!.id)
    expect(await ended(h, sessionId, m3)).toMatchObject({ turnId: again.turnId, pause: { reason: 'awaiting-approval', message: 'A tool call is waiting for your approval.' } })
    // The window is told: the new turn started, its card waits, the turn paused; the list changed for that session,
    // which is back at its top.
    expect(
      h.events('chat', m3)
        .filter((e) => e.sessionId === sessionId)
        .map((e) => (e.type === 'tool-call' ? [e.type, e.turnId, e.call.id, e.call.state] : [e.type, 'turnId' in e ? e.turnId : null])),
    ).toEqual([
      ['turn-started', again.turnId],
      ['tool-call', again.turnId, again.callId, 'awaiting-approval'],
      ['turn-ended', again.turnId],
    ])
    expect(h.events('sessions', m3).filter((e) => e.changes.some((c) => c.id === sessionId)).map((e) => e.reason)).toContain('turn-ended')
    expect(await topSession(h)).toBe(sessionId)
    expect(gates.get(sessionId)!.gate.runs() + second.gate.runs()).toBe(1)
    let view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => [c.id, c.toolName, c.state])).toEqual([
      [first!.id, 'save_note', 'cancelled'],
      [again.callId, 'save_note', 'awaiting-approval'],
    ])
    expect(JSON.parse(view.toolCalls![1]!.arguments)).toEqual({ label: `once-${api}` })
    expect(view.messages.at(-1)).toMatchObject({ role: 'user', content: 'Run again: save_note (the earlier call ended cancelled).' })
    // A call id Keel made, in a form every API accepts; the new turn's step 0 holds it and no text of the model's.
    expect(view.toolCalls![1]!.providerCallId).toMatch(/^keel_again_[0-9a-f]{24}$/)
    expect(view.steps!.filter((s) => s.turnId === again.turnId)).toEqual([{ turnId: again.turnId, step: 0, text: '', finishReason: 'tool-calls' }])
    expect(view.turns.find((t) => t.id === again.turnId)).toMatchObject({ status: 'stopped', partialText: '' })

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
  // The call is answered failed at once (agent-loop.test.ts), never run; Run again of it is refused in so many words
  // and nothing is run, recorded or sent.
  async function notAnObjectRefused(notAnObject: unknown, providerCallId: string) {
    const { sessionId, prefix } = await session(h, 'openai-chat', dataDir)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: providerCallId, name: 'save_note', arguments: notAnObject as Record<string, unknown> }] },
      { pathPrefix: prefix, toolResultFor: providerCallId, reply: 'I will send an object next time.' },
    ])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'save it' })
    expect(await ended(h, sessionId, m1)).toMatchObject({ status: 'done', error: null })
    const before = await h.call('sessions.open', { id: sessionId })
    expect(before.toolCalls).toMatchObject([{ providerCallId, toolName: 'save_note', state: 'failed', arguments: JSON.stringify(notAnObject) }])
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
  }

  it('a failed call whose arguments were not one JSON object: Run again is refused in those words, and nothing is run, recorded or sent', async () => {
    // A JSON array where the object belongs.
    await notAnObjectRefused(['a note'], 'call_arr')
  })

  it('a failed call whose arguments were a JSON string: Run again is refused in the same words, nothing run, recorded or sent', async () => {
    await notAnObjectRefused('just text', 'call_str')
  })

  it('a call a restart answered "interrupted" is not re-run at start; Run again asks, then runs it once', async () => {
    // What a crash during the tool leaves: the call committed running.
    const { harness, sessionId, prefix, old, gate } = await callACrashLeftRunning('keel-run-again-restart', 'call_crash', '{"label":"crash"}')
    try {
      let view = await harness.call('sessions.open', { id: sessionId })
      expect(view.toolCalls).toMatchObject([{ id: old, state: 'interrupted', resultPreview: INTERRUPTED_RESULT }])
      expect(gate.gate.runs()).toBe(0)
      // A succeeded call cannot run again; neither can one that does not exist.
      expect(await harness.fail('tools.runAgain', { callId: 'nope' })).toMatchObject({ kind: 'not-found', message: 'That tool call does not exist.' })

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

describe('run again: arguments JSON null, and a card waiting when the user asks', () => {
  it('a call a restart left interrupted whose arguments are JSON null: Run again is refused in the same words, nothing run, recorded or sent', async () => {
    // A call whose arguments text is "null", committed running (what a crash leaves).
    const { harness, sessionId, prefix, old, gate } = await callACrashLeftRunning('keel-run-again-null', 'call_null', 'null')
    try {
      const before = await harness.call('sessions.open', { id: sessionId })
      expect(before.toolCalls).toMatchObject([{ id: old, state: 'interrupted', arguments: 'null' }])
      const sent = mine(prefix).length
      const m2 = harness.mark()
      const refused = await harness.fail('tools.runAgain', { callId: old })
      expect(refused).toMatchObject({ kind: 'invalid-input', message: "The call's arguments were not one JSON object, so there is nothing to run again." })
      expect(gate.gate.runs()).toBe(0)
      expect(harness.events('chat', m2).filter((e) => e.sessionId === sessionId)).toEqual([])
      const after = await harness.call('sessions.open', { id: sessionId })
      expect(after.messages.map((m) => [m.role, m.content])).toEqual(before.messages.map((m) => [m.role, m.content]))
      expect(after.toolCalls!.map((c) => [c.id, c.state])).toEqual([[old, 'interrupted']])
      expect(mine(prefix)).toHaveLength(sent)
    } finally {
      await harness.close()
    }
  })

  it('Run again while the card of an earlier Run again waits: that card is answered "the user moved on" and the window is told', async () => {
    const { sessionId, prefix } = await session(h, 'openai-chat', dataDir)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_mv1', name: 'save_note', arguments: { label: 'moved' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_mv1', reply: 'Never mind then.' },
    ])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'save it' })
    expect(await ended(h, sessionId, m1)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    // A new message moves on: the card is answered cancelled.
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'never mind' })
    expect(await ended(h, sessionId, m2)).toMatchObject({ status: 'done' })
    const [old] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    expect(old).toMatchObject({ state: 'cancelled' })

    const m3 = h.mark()
    const first = await h.call('tools.runAgain', { callId: old!.id })
    await ended(h, sessionId, m3)
    // Run again once more while that card waits: it is answered, and the window sees it so.
    const m4 = h.mark()
    const second = await h.call('tools.runAgain', { callId: old!.id })
    await ended(h, sessionId, m4)
    const told = h.events('chat', m4).filter((e) => e.type === 'tool-call' && e.call.id === first.callId)
    expect(told).toMatchObject([{ sessionId, turnId: first.turnId, call: { state: 'cancelled', resultPreview: MOVED_ON_RESULT } }])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => [c.id, c.state])).toEqual([
      [old!.id, 'cancelled'],
      [first.callId, 'cancelled'],
      [second.callId, 'awaiting-approval'],
    ])
    expect(gates.get(sessionId)!.gate.runs()).toBe(0)
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
