// What the user reads when Keel refuses an action on an agent session, or pauses a turn: the message and the fix,
// word for word (a refusal is only useful if it says what to do). Each case makes the action a user makes — a send
// while a reply streams, switching versions while a call waits, editing while an approved call resumes its turn,
// running again a tool the session no longer offers, Continue with no paused turn, a card approved after the session's
// tools are gone, a key removed between two steps — and checks that nothing was sent or stored on the way. Written
// for agent-service.ts's string mutants (docs/mutation.md). Real core, real SQLite, the real keychain and the
// recording fake provider; the test waits on events and on the tools' gates.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { requestsTo, sessionOnFakeApi } from '../support/agent-sessions'
import { gatedTool, type Gate } from '../support/agent-tools'
import { toolResultsSent } from '../fake-provider/server'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { ChatEvent } from '../../src/shared/contract'

const fake = fakeProviderForFile()
const service = testKeychainService()

let h: CoreHarness
let dataDir: string
let workspace: string
const toolSets = new Map<string, SessionToolSet>()

/**
 * The next lookup of a session's tools waits until the test lets it go: an approved call's turn is then resuming
 * (its tools are being looked up) but not yet running, the moment a second action must be refused.
 */
let held: { reached: () => void; release: Promise<void> } | null = null
function holdNextToolLookup(): { reached: Promise<void>; release: () => void } {
  let reached: () => void = () => undefined
  let release: () => void = () => undefined
  const reachedP = new Promise<void>((resolve) => (reached = resolve))
  held = { reached, release: new Promise<void>((resolve) => (release = resolve)) }
  return { reached: reachedP, release }
}

beforeAll(async () => {
  dataDir = tempDataDir('keel-refusal-words')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-refusal-ws-')))
  h = await CoreHarness.open(dataDir, service, {
    toolSet: async (id) => {
      const hold = held
      if (hold) {
        held = null
        hold.reached()
        await hold.release
      }
      return toolSets.get(id) ?? null
    },
  })
})
afterAll(async () => {
  await h.close()
})

let n = 0
async function agentSession(tools: SessionToolSet['tools']) {
  n += 1
  const id = `w${n}`
  const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id })
  toolSets.set(sessionId, { tools, workspace })
  return { sessionId, prefix, entryId: id }
}

const ended = (sessionId: string, since: number) =>
  h.waitFor('chat', (e) => e.sessionId === sessionId && e.type === 'turn-ended', 10_000, since) as Promise<Extract<ChatEvent, { type: 'turn-ended' }>>
const started = (sessionId: string, since: number) =>
  h.waitFor('chat', (e) => e.sessionId === sessionId && e.type === 'turn-started', 10_000, since) as Promise<Extract<ChatEvent, { type: 'turn-started' }>>
const contents = async (sessionId: string) => (await h.call('sessions.open', { id: sessionId })).messages.map((m) => [m.role, m.content])

/** Releases a held resume: the approved call (its gate opened with 'saved') runs and the turn ends done. */
async function letResumeFinish(hold: { release: () => void }, approving: Promise<unknown>, gate: Gate, sessionId: string, since: number): Promise<void> {
  hold.release()
  await approving
  await gate.started
  gate.open('saved')
  expect(await ended(sessionId, since)).toMatchObject({ status: 'done', error: null })
}

const STREAMING = 'A reply is still streaming in this session.'

describe('what Keel says when it refuses an action on an agent session', () => {
  it('while a reply streams: a new message and switching versions are refused with "wait or press Stop"; afterwards, retry with nothing failed and an unknown version say what to do', async () => {
    const wait = gatedTool('wait_here', dataDir)
    const { sessionId, prefix } = await agentSession([wait.tool])
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_s1', name: 'wait_here', arguments: { label: 'streaming' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_s1', reply: 'Finished waiting.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait for me' })
    const { userMessageId } = await started(sessionId, mark)
    await wait.gate.started

    expect(await h.fail('chat.send', { sessionId, text: 'and this too' })).toMatchObject({ kind: 'conflict', message: STREAMING, fix: 'Wait for it to finish or press Stop.' })
    expect(await h.fail('sessions.selectBranch', { sessionId, messageId: userMessageId })).toMatchObject({
      kind: 'conflict',
      message: STREAMING,
      fix: 'Wait for it to finish or press Stop, then switch versions.',
    })
    wait.gate.open('waited')
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })

    expect(await h.fail('chat.retry', { sessionId })).toMatchObject({
      kind: 'conflict',
      message: 'There is nothing to retry: the last message of this branch did not fail.',
      fix: 'Regenerate a reply, or send a new message.',
    })
    expect(await h.fail('sessions.selectBranch', { sessionId, messageId: 'no-such-message' })).toMatchObject({
      kind: 'not-found',
      field: 'messageId',
      message: 'That message is not in this session.',
      fix: 'Reopen the session.',
    })
    // Nothing the refusals touched: the two requests of the one turn, its message and its reply.
    expect(requestsTo(fake, prefix)).toHaveLength(2)
    expect(await contents(sessionId)).toEqual([
      ['user', 'wait for me'],
      ['assistant', 'Finished waiting.'],
    ])
  })

  it('while a call waits for approval: continuing and switching versions are refused until it is answered; while the approved call resumes its turn, an edit and Run again are refused', async () => {
    const wait = gatedTool('wait_here', dataDir)
    const save = gatedTool('save_note', dataDir, 'write')
    const { sessionId, prefix } = await agentSession([wait.tool, save.tool])
    // Turn 1: a read call stopped while it runs (a call that can run again).
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: 'call_r1', name: 'wait_here', arguments: { label: 'stopped' } }] }])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'look first' })
    await wait.gate.started
    await h.call('chat.stop', { sessionId })
    expect(await ended(sessionId, m1)).toMatchObject({ status: 'stopped' })
    const [stopped] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    expect(stopped).toMatchObject({ state: 'cancelled' })

    // Turn 2: a write call waits for approval.
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_w1', name: 'save_note', arguments: { label: 'approve-me' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_w1', reply: 'Saved.' },
    ])
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'now save it' })
    const { userMessageId } = await started(sessionId, m2)
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval', message: 'A tool call is waiting for your approval.' } })
    expect(await h.fail('chat.continueTurn', { sessionId })).toMatchObject({
      kind: 'conflict',
      message: 'Tool calls are still waiting for approval.',
      fix: 'Approve or deny each of them first.',
    })
    expect(await h.fail('sessions.selectBranch', { sessionId, messageId: userMessageId })).toMatchObject({
      kind: 'conflict',
      message: 'A tool call of this branch is waiting for your approval.',
      fix: 'Answer it, continue it or press Stop first, then switch versions.',
    })
    const waiting = (await h.call('sessions.open', { id: sessionId })).toolCalls!.find((c) => c.state === 'awaiting-approval')!

    // Approved: the turn resumes (its tools are looked up, held here) but does not run yet.
    const hold = holdNextToolLookup()
    const m3 = h.mark()
    const approving = h.call('tools.approve', { callId: waiting.id, scope: 'once' })
    await hold.reached
    expect(await h.fail('chat.edit', { sessionId, messageId: userMessageId, text: 'save something else' })).toMatchObject({
      kind: 'conflict',
      message: STREAMING,
      fix: 'Wait for it to finish or press Stop.',
    })
    expect(await h.fail('tools.runAgain', { callId: stopped!.id })).toMatchObject({ kind: 'conflict', message: STREAMING, fix: 'Wait for it to finish or press Stop.' })
    await letResumeFinish(hold, approving, save.gate, sessionId, m3)
    // The refused edit and Run again left nothing: no second version, no new call, the turn's two requests only.
    expect(requestsTo(fake, prefix)).toHaveLength(3)
    expect(wait.gate.runs()).toBe(1)
    expect(save.gate.runs()).toBe(1)
    expect((await h.call('sessions.open', { id: sessionId })).toolCalls!.map((c) => [c.toolName, c.state])).toEqual([
      ['wait_here', 'cancelled'],
      ['save_note', 'succeeded'],
    ])
    expect(await contents(sessionId)).toEqual([
      ['user', 'look first'],
      ['user', 'now save it'],
      ['assistant', 'Saved.'],
    ])
  })

  it('while an approved call resumes its turn, regenerating an earlier reply is refused with "wait or press Stop"; nothing is sent or stored', async () => {
    const save = gatedTool('save_note', dataDir, 'write')
    const { sessionId, prefix } = await agentSession([save.tool])
    fake.sequence([
      { pathPrefix: prefix, reply: 'First answer.' },
      { pathPrefix: prefix, toolCalls: [{ id: 'call_g2', name: 'save_note', arguments: { label: 'regenerate-while-resuming' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_g2', reply: 'Saved.' },
    ])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'hello' })
    expect(await ended(sessionId, m1)).toMatchObject({ status: 'done' })
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'now save it' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
    const view = await h.call('sessions.open', { id: sessionId })
    const firstReply = view.messages[1]!
    const waiting = view.toolCalls!.find((c) => c.state === 'awaiting-approval')!

    // Approved: the turn resumes (its tools are looked up, held here) but does not run yet.
    const hold = holdNextToolLookup()
    const m3 = h.mark()
    const approving = h.call('tools.approve', { callId: waiting.id, scope: 'once' })
    await hold.reached
    expect(await h.fail('chat.regenerate', { sessionId, messageId: firstReply.id })).toMatchObject({
      kind: 'conflict',
      message: STREAMING,
      fix: 'Wait for it to finish or press Stop.',
    })
    await letResumeFinish(hold, approving, save.gate, sessionId, m3)
    // The refused regenerate left nothing: no second reply to the first message, the three requests of the two turns.
    expect(requestsTo(fake, prefix)).toHaveLength(3)
    expect(save.gate.runs()).toBe(1)
    const after = await h.call('sessions.open', { id: sessionId })
    expect(after.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'First answer.'],
      ['user', 'now save it'],
      ['assistant', 'Saved.'],
    ])
    expect(after.messages[1]!.versions ?? null).toBeNull()
    expect(after.turns.map((t) => t.status)).toEqual(['done', 'done'])
  })

  it('retry before anything was sent, and regenerate asked on your own message, say what to do (the latter naming its field); nothing is sent', async () => {
    const { sessionId, prefix } = await agentSession([])
    // A session with no message yet: nothing to retry, said in the same words as after a reply that did not fail.
    expect(await h.fail('chat.retry', { sessionId })).toMatchObject({
      kind: 'conflict',
      message: 'There is nothing to retry: the last message of this branch did not fail.',
      fix: 'Regenerate a reply, or send a new message.',
    })
    expect(requestsTo(fake, prefix)).toEqual([])
    fake.sequence([{ pathPrefix: prefix, reply: 'An answer.' }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'a question' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done' })
    const [mine] = (await h.call('sessions.open', { id: sessionId })).messages
    // The window marks the field the refusal is about (the message the action was asked on).
    expect(await h.fail('chat.regenerate', { sessionId, messageId: mine!.id })).toEqual({
      kind: 'invalid-input',
      field: 'messageId',
      message: 'Only a reply can be regenerated. To change your message, edit it.',
    })
    expect(requestsTo(fake, prefix)).toHaveLength(1)
    expect(await contents(sessionId)).toEqual([
      ['user', 'a question'],
      ['assistant', 'An answer.'],
    ])
  })

  it('Run again for a tool the session no longer offers is refused: check the profile and its tools; nothing runs', async () => {
    const wait = gatedTool('wait_here', dataDir)
    const { sessionId, prefix } = await agentSession([wait.tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: 'call_g1', name: 'wait_here', arguments: { label: 'gone' } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    await wait.gate.started
    await h.call('chat.stop', { sessionId })
    await ended(sessionId, mark)
    const [call] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    toolSets.set(sessionId, { tools: [], workspace })
    expect(await h.fail('tools.runAgain', { callId: call!.id })).toMatchObject({
      kind: 'conflict',
      message: 'wait_here is not offered in this session any more; nothing was run.',
      fix: 'Check the session’s agent profile and its tools.',
    })
    expect(wait.gate.runs()).toBe(1)
    expect((await h.call('sessions.open', { id: sessionId })).toolCalls).toHaveLength(1)
    expect(requestsTo(fake, prefix)).toHaveLength(1)
  })

  it('Continue on a session with no paused turn is refused: no turn of this session is paused; nothing is sent', async () => {
    const { sessionId, prefix } = await agentSession([])
    fake.sequence([{ pathPrefix: prefix, reply: 'Done already.' }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'a question' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', pause: null })
    expect(await h.fail('chat.continueTurn', { sessionId })).toMatchObject({ kind: 'conflict', message: 'No turn of this session is paused.' })
    expect(requestsTo(fake, prefix)).toHaveLength(1)
    expect(await contents(sessionId)).toEqual([
      ['user', 'a question'],
      ['assistant', 'Done already.'],
    ])
  })

  it('a call approved after the session stopped offering tools is not run: answered so in words the model reads once tools are back, the window told', async () => {
    const save = gatedTool('save_note', dataDir, 'write')
    const { sessionId, prefix } = await agentSession([save.tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: 'call_n1', name: 'save_note', arguments: { label: 'no-tools-left' } }] }])
    const m1 = h.mark()
    await h.call('chat.send', { sessionId, text: 'save it' })
    expect(await ended(sessionId, m1)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
    const waiting = (await h.call('sessions.open', { id: sessionId })).toolCalls!.find((c) => c.state === 'awaiting-approval')!

    // The session offers no tools any more (its profile switched to one without), then the user approves the card.
    toolSets.delete(sessionId)
    const m2 = h.mark()
    await h.call('tools.approve', { callId: waiting.id, scope: 'once' })
    const NOT_RUN = 'not run: this session no longer offers tools'
    // The window is told: the card is answered with those words, and the session list hears the turn ended.
    const answered = await h.waitFor('chat', (e) => e.type === 'tool-call' && e.call.id === waiting.id && e.call.state === 'cancelled', 10_000, m2)
    expect(answered).toMatchObject({ sessionId, call: { resultPreview: NOT_RUN } })
    expect(await h.waitFor('sessions', (e) => e.reason === 'turn-ended' && e.changes.some((c) => c.id === sessionId), 10_000, m2)).toBeTruthy()
    expect(save.gate.runs()).toBe(0)
    expect(requestsTo(fake, prefix)).toHaveLength(1)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => [c.id, c.state, c.resultPreview])).toEqual([[waiting.id, 'cancelled', NOT_RUN]])

    // Tools offered again (the profile switched back): the model reads those words with the call in the next request.
    toolSets.set(sessionId, { tools: [save.tool], workspace })
    fake.sequence([{ pathPrefix: prefix, reply: 'Understood.' }])
    const m3 = h.mark()
    await h.call('chat.send', { sessionId, text: 'never mind' })
    expect(await ended(sessionId, m3)).toMatchObject({ status: 'done', error: null })
    const sent = toolResultsSent(requestsTo(fake, prefix).at(-1)!)
    expect(sent.map((r) => r.callId)).toEqual(['call_n1'])
    expect(JSON.stringify(sent[0]!.content)).toContain(NOT_RUN)
    expect(save.gate.runs()).toBe(0)
  })

  it('a key removed while a tool runs: the turn pauses before its next step, saying why and that nothing was sent', async () => {
    const wait = gatedTool('wait_here', dataDir)
    const { sessionId, prefix, entryId } = await agentSession([wait.tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: 'call_k1', name: 'wait_here', arguments: { label: 'key' } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    await wait.gate.started
    await h.call('providers.deleteKey', { id: entryId })
    wait.gate.open('waited')
    expect(await ended(sessionId, mark)).toMatchObject({
      status: 'stopped',
      pause: {
        reason: 'unresolved',
        message: `No API key for "Entry ${entryId}" is stored in the keychain (account provider:${entryId}). Nothing will be sent. The turn paused before its next step; nothing was sent.`,
      },
    })
    expect(requestsTo(fake, prefix)).toHaveLength(1)
  })
})
