// The agent loop on all three APIs, end to end: real core, real SQLite, real keychain, and the recording fake
// provider with strict tool-call pairing (a request whose history breaks pairing gets the real API's 400, which
// would end the turn as an error). In every test the request after the tool calls — the next step, or the next
// turn after Stop / denial / a new message / a restart — must be accepted.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { fakeBaseUrl, requestsTo, resultSentFor, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import { toolResultsSent } from '../fake-provider/server'
import { gatedTool } from '../support/agent-tools'
import { afterLastChange, topSession } from '../support/session-order'
import { filesContaining } from '../support/data-scan'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { BuiltinTool } from '../../src/main/core/tools/tool-definition'
import type { ChatEvent } from '../../src/shared/contract'
import type { RecordedRequest } from '../fake-provider/types'

const fake = fakeProviderForFile()

let h: CoreHarness
let dataDir: string
let workspace: string
const service = testKeychainService()
const toolSets = new Map<string, SessionToolSet>()

beforeAll(async () => {
  dataDir = tempDataDir('keel-agent')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  fs.writeFileSync(path.join(workspace, 'hello.txt'), 'hello from the workspace\n')
  fs.writeFileSync(path.join(workspace, 'other.txt'), 'another file\n')
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
})
afterAll(async () => {
  await h.close()
})

let entries = 0
/** A new entry of this API on its own path of the fake, and a session pinned to it that offers `tools`. */
async function agentSession(api: WireApi, tools: readonly BuiltinTool[] = BUILTIN_TOOLS, extra: Partial<SessionToolSet> = {}) {
  entries += 1
  const id = `e${entries}`
  const { sessionId, prefix, key } = await sessionOnFakeApi(h, fake, api, { id })
  toolSets.set(sessionId, { tools, workspace, ...extra })
  return { sessionId, entryId: id, prefix, key }
}

/** Points the entry at another path of the fake, as an edit in Settings would; returns that path. */
async function moveEntry(api: WireApi, entryId: string, prefix: string, suffix: string): Promise<string> {
  const moved = `${prefix}-${suffix}`
  await h.call('providers.update', { id: entryId, patch: { baseUrl: fakeBaseUrl(fake, api, moved) } })
  return moved
}

/** An agent session with a step limit of 1 whose turn paused at that limit after one call. */
async function pausedAtStepLimit(api: WireApi) {
  const session = await agentSession(api, BUILTIN_TOOLS, { stepLimit: 1 })
  fake.script({ pathPrefix: session.prefix, toolCalls: [{ name: 'list_files', arguments: {} }], times: 1 })
  const mark = h.mark()
  await h.call('chat.send', { sessionId: session.sessionId, text: 'one step' })
  expect(await ended(session.sessionId, mark)).toMatchObject({ pause: { reason: 'step-limit' } })
  return session
}

/** The states the window was told of for the call `id` (its card) since the mark `since`. */
const cardStates = (id: string, since: number) => h.events('chat', since).flatMap((e) => (e.type === 'tool-call' && e.call.id === id ? [e.call.state] : []))

const callId = (api: WireApi, n: number) => (api === 'anthropic-messages' ? `toolu_t${n}` : `call_t${n}`)
const mine = (prefix: string) => requestsTo(fake, prefix)

function chatEvents(sessionId: string): ChatEvent[] {
  return h.events('chat').filter((e) => e.sessionId === sessionId)
}
function waitChat(sessionId: string, match: (e: ChatEvent) => boolean, since = 0) {
  return h.waitFor('chat', (e) => e.sessionId === sessionId && match(e), 10_000, since)
}
function ended(sessionId: string, since: number) {
  return waitChat(sessionId, (e) => e.type === 'turn-ended', since) as Promise<Extract<ChatEvent, { type: 'turn-ended' }>>
}
function toolNames(r: RecordedRequest): string[] {
  const tools = (r.body as { tools?: Array<{ name?: string; function?: { name: string } }> }).tools ?? []
  return tools.map((t) => t.name ?? t.function!.name)
}

describe.each(WIRE_APIS)('agent loop on %s', (api) => {
  it('a read call, then the answer: the second request carries the result, and the view lists the call', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me look.', toolCalls: [{ id: callId(api, 1), name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'The file greets you.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does hello.txt say?' })
    const end = await ended(sessionId, mark)
    expect(end).toMatchObject({ turnId, status: 'done', error: null })
    const [first, second] = mine(prefix)
    expect(toolNames(first!)).toEqual(BUILTIN_TOOLS.map((t) => t.name))
    expect(resultSentFor(second!, callId(api, 1))).toContain('hello from the workspace')
    const view = await h.call('sessions.open', { id: sessionId })
    // The reply of a finished agent turn is complete (not marked stopped).
    expect(view.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'What does hello.txt say?', 'complete'],
      ['assistant', 'The file greets you.', 'complete'],
    ])
    // The window is told which message the turn's reply became (it swaps the streamed text for it).
    expect(end).toMatchObject({ assistantMessageId: view.messages[1]!.id })
    expect(view.toolCalls).toMatchObject([{ providerCallId: callId(api, 1), toolName: 'read_file', source: 'builtin', effect: 'read', state: 'succeeded', turnId }])
    expect(JSON.parse(view.toolCalls![0]!.arguments)).toEqual({ path: 'hello.txt' })
    expect(view.toolCalls![0]!.resultPreview).toContain('hello from the workspace')
    expect(view.steps).toMatchObject([{ turnId, step: 0, text: 'Let me look.', finishReason: 'tool-calls' }])
    // The next turn's history still pairs the call with its result.
    fake.script({ pathPrefix: prefix, reply: 'ok' })
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'thanks' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix).at(-1)!, callId(api, 1))).toContain('hello from the workspace')
  })

  it("a call's arguments reach the window while they stream, before the call exists in the ledger", async () => {
    const { sessionId, prefix } = await agentSession(api)
    const hold = `args-${api}`
    const args = { path: 'hello.txt' }
    fake.sequence([
      { pathPrefix: prefix, holdInArguments: hold, argumentChunks: 6, toolCalls: [{ id: callId(api, 1), name: 'read_file', arguments: args }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Read.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'read it' })
    const partial = (await waitChat(sessionId, (e) => e.type === 'tool-call-delta', mark)) as Extract<ChatEvent, { type: 'tool-call-delta' }>
    expect(partial).toMatchObject({ turnId, step: 0, index: 0, providerCallId: callId(api, 1), toolName: 'read_file' })
    // Part of the arguments, not all: the stream is held in the middle of them, and no call row exists yet.
    const whole = JSON.stringify(args)
    expect(partial.argumentsSoFar.length).toBeGreaterThan(0)
    expect(partial.argumentsSoFar.length).toBeLessThan(whole.length)
    expect(whole.startsWith(partial.argumentsSoFar)).toBe(true)
    expect(chatEvents(sessionId).filter((e) => e.type === 'tool-call')).toEqual([])
    fake.release(hold)
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const first = chatEvents(sessionId).find((e) => e.type === 'tool-call')
    expect(first?.type === 'tool-call' && JSON.parse(first.call.arguments)).toEqual(args)
  })

  it('parallel calls in one step: both run and both results go back, in order', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      {
        pathPrefix: prefix,
        toolCalls: [
          { id: callId(api, 1), name: 'read_file', arguments: { path: 'hello.txt' } },
          { id: callId(api, 2), name: 'read_file', arguments: { path: 'other.txt' } },
        ],
      },
      { pathPrefix: prefix, toolResultFor: callId(api, 2), reply: 'Both read.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'read both' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const second = mine(prefix)[1]!
    expect(toolResultsSent(second).map((r) => r.callId)).toEqual([callId(api, 1), callId(api, 2)])
    expect(resultSentFor(second, callId(api, 2))).toContain('another file')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => [c.providerCallId, c.state])).toEqual([
      [callId(api, 1), 'succeeded'],
      [callId(api, 2), 'succeeded'],
    ])
  })

  it('malformed arguments and an unknown tool are answered as failed calls the model can read', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'no_such_tool', arguments: {} }, { id: callId(api, 2), name: 'read_file', arguments: { nope: 1 } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'I see.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'go' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const second = mine(prefix)[1]!
    // The model reads which tools it may call, by their wire names, one list.
    expect(resultSentFor(second, callId(api, 1))).toBe(`There is no tool named "no_such_tool". The tools offered are: ${BUILTIN_TOOLS.map((t) => t.name).join(', ')}.`)
    expect(resultSentFor(second, callId(api, 2))).toContain('Invalid arguments for read_file')
    // The card of a call naming no tool shows it as a built-in call, failed.
    const calls = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    expect(calls.map((c) => [c.toolName, c.source, c.state])).toEqual([
      ['no_such_tool', 'builtin', 'failed'],
      ['read_file', 'builtin', 'failed'],
    ])
  })

  it('arguments that are not one JSON object: the call is answered failed at once, in words the model reads', async () => {
    const { sessionId, prefix } = await agentSession(api)
    // A JSON array where the object belongs: the fake streams exactly that text as the call's arguments.
    const notAnObject = ['hello.txt'] as unknown as Record<string, unknown>
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'read_file', arguments: notAnObject }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'I will send an object.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'go' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const words = 'read_file was not run: the arguments are not a JSON object. Send the arguments as one JSON object.'
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toBe(words)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls).toMatchObject([{ providerCallId: callId(api, 1), toolName: 'read_file', state: 'failed', resultPreview: words }])
  })

  it('Stop during a step: the turn is stopped with no error, the stopped text is kept, the finished call keeps its result, the next turn is accepted', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), hang: true },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'read and talk' })
    await waitChat(sessionId, (e) => e.type === 'delta', mark)
    await h.call('chat.stop', { sessionId })
    // Stopped, not failed: the request Stop cut short is no error, in the window or in the stored turn.
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'stopped', error: null })
    expect((await h.call('sessions.open', { id: sessionId })).turns.at(-1)).toMatchObject({ status: 'stopped', error: null })
    fake.script({ pathPrefix: prefix, reply: 'fresh' })
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'again' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix).at(-1)!, callId(api, 1))).toContain('hello from the workspace')
  })

  it('Stop during a running tool: the tool is cancelled, its call answered "cancelled by the user", and it was running in SQLite before its effect', async () => {
    const { tool, gate } = gatedTool('wait_for_test', dataDir)
    const { sessionId, prefix } = await agentSession(api, [tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'wait_for_test', arguments: { label: `stop-${api}` } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    const seen = await gate.started
    expect(seen.state).toBe('running')
    await h.call('chat.stop', { sessionId })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'stopped' })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls).toMatchObject([{ state: 'cancelled' }])
    expect(view.toolCalls![0]!.resultPreview).toMatch(/^cancelled by the user/)
    fake.script({ pathPrefix: prefix, reply: 'after stop' })
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'next' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix).at(-1)!, callId(api, 1))).toMatch(/^cancelled by the user/)
  })

  it('a window that opens the session while a tool runs shows the step’s words once, with its step (the turn’s own text starts again empty)', async () => {
    const { tool, gate } = gatedTool('wait_for_test', dataDir)
    const { sessionId, prefix } = await agentSession(api, [tool])
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me wait for it.', toolCalls: [{ id: callId(api, 1), name: 'wait_for_test', arguments: { label: `open-${api}` } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'It is done.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'wait' })
    await gate.started
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'running', partialText: '' })
    expect(view.steps).toMatchObject([{ turnId, step: 0, text: 'Let me wait for it.' }])
    gate.open('done')
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    expect((await h.call('sessions.open', { id: sessionId })).messages.at(-1)!.content).toBe('It is done.')
  })

  it('Stop while a tool runs and a later call of the step waits for approval: the window is told that card was cancelled too', async () => {
    // The waiting card is answered only by the end of the turn (nothing else touches it): without that event the
    // window would keep offering Approve on a call of a stopped turn.
    const { tool, gate } = gatedTool('wait_for_card', dataDir)
    const writeFile = BUILTIN_TOOLS.find((t) => t.name === 'write_file')!
    const { sessionId, prefix } = await agentSession(api, [tool, writeFile])
    const target = `never-${api}.txt`
    fake.sequence([
      {
        pathPrefix: prefix,
        toolCalls: [
          { id: callId(api, 1), name: 'wait_for_card', arguments: { label: `card-${api}` } },
          { id: callId(api, 2), name: 'write_file', arguments: { path: target, content: 'x' } },
        ],
      },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait, then write' })
    await gate.started
    const write = () =>
      chatEvents(sessionId).filter((e): e is Extract<ChatEvent, { type: 'tool-call' }> => e.type === 'tool-call' && e.call.toolName === 'write_file')
    expect(write().at(-1)?.call.state).toBe('awaiting-approval')
    await h.call('chat.stop', { sessionId })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'stopped', pause: null })
    expect(write().at(-1)?.call).toMatchObject({ state: 'cancelled', resultPreview: expect.stringMatching(/^cancelled by the user/) })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls!.map((c) => c.state)).toEqual(['cancelled', 'cancelled'])
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
  })

  it('a command that outlives its time limit ends as timed-out, and the model reads that', async () => {
    const runCommand = BUILTIN_TOOLS.find((t) => t.name === 'run_command')!
    const { sessionId, prefix } = await agentSession(api, [runCommand], { timeoutMs: 300, approval: () => 'allow' })
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'run_command', arguments: { command: 'sleep 30' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'It took too long.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'run it' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls).toMatchObject([{ state: 'timed-out', effect: 'execute' }])
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toMatch(/time limit|timed out/i)
  })

  it('Stop on a turn waiting for approval: its card is answered "cancelled by the user" and the windows are told; Stop with nothing running or waiting tells nothing', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `stopped-card-${api}.txt`
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'x' } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write it' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
    // What the windows were told since a mark: the session's sessions events, and its cards' states.
    const told = (since: number) => h.events('sessions', since).filter((e) => e.changes.some((c) => c.id === sessionId)).map((e) => e.reason)
    const cards = (since: number) => h.events('chat', since).flatMap((e) => (e.type === 'tool-call' && e.sessionId === sessionId ? [[e.call.state, e.call.resultPreview]] : []))
    const m2 = h.mark()
    await h.call('chat.stop', { sessionId })
    // The window learns both at once: the card is over, and the session is no longer waiting.
    expect(cards(m2)).toEqual([['cancelled', expect.stringMatching(/^cancelled by the user/)]])
    expect(told(m2)).toEqual(['turn-ended'])
    // Pressed again, with nothing running or waiting: no event at all.
    const m3 = h.mark()
    await h.call('chat.stop', { sessionId })
    expect(told(m3)).toEqual([])
    expect(cards(m3)).toEqual([])
    expect((await h.call('sessions.open', { id: sessionId })).toolCalls).toMatchObject([{ state: 'cancelled' }])
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
  })

  it('a write call waits for approval; denied with a reason, the reason reaches the model and nothing is written', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `denied-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, reply: 'I will write the file.', toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'x' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Understood.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'write it' })
    const paused = await ended(sessionId, mark)
    expect(paused).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
    // Every window hears why the session changed: its turn ended (an open transcript reloads to show the pause).
    expect(h.events('sessions', mark).map((e) => [e.reason, e.changes])).toContainEqual(['turn-ended', [{ id: sessionId, kind: 'updated' }]])
    const pausedView = await h.call('sessions.open', { id: sessionId })
    const waiting = pausedView.toolCalls!
    expect(waiting).toMatchObject([{ state: 'awaiting-approval', effect: 'write' }])
    // The paused step's words are shown once, with its step — not again as the paused turn's own text.
    expect(pausedView.steps).toMatchObject([{ turnId, step: 0, text: 'I will write the file.' }])
    expect(pausedView.turns.find((t) => t.id === turnId)).toMatchObject({ status: 'stopped', partialText: '' })
    // Nor as a reply: the turn has none until it goes on (the transcript would show the words twice).
    expect(paused).toMatchObject({ assistantMessageId: null })
    expect(pausedView.messages.map((msg) => [msg.role, msg.content])).toEqual([['user', 'write it']])
    expect(mine(prefix)).toHaveLength(1)
    const m2 = h.mark()
    await h.call('tools.deny', { callId: waiting[0]!.id, reason: 'not in this folder' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toBe('denied by the user: not in this folder')
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
  })

  it('approved, the write runs and the turn goes on', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `approved-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'approved' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Written.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write it' })
    await ended(sessionId, mark)
    const [call] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    const m2 = h.mark()
    await h.call('tools.approve', { callId: call!.id, scope: 'once' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(fs.readFileSync(path.join(workspace, target), 'utf8')).toBe('approved')
  })

  it('a paused turn that finishes after approval brings its session back to the top of the list', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: `top-${api}.txt`, content: 'top' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Written.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write it' })
    await ended(sessionId, mark)
    // Each change below waits for the clock to move on, so no two share a millisecond (the list's order).
    await afterLastChange(h, sessionId)
    const other = await h.call('sessions.create', {})
    await afterLastChange(h, other.id)
    expect(await topSession(h)).toBe(other.id)
    const [call] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    const m2 = h.mark()
    await h.call('tools.approve', { callId: call!.id, scope: 'once' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(await topSession(h)).toBe(sessionId)
  })

  it('two cards: the one approved first shows approved while the other still waits; the denied one shows denied', async () => {
    const { sessionId, prefix } = await agentSession(api)
    fake.sequence([
      {
        pathPrefix: prefix,
        toolCalls: [
          { id: callId(api, 1), name: 'write_file', arguments: { path: `two-a-${api}.txt`, content: 'a' } },
          { id: callId(api, 2), name: 'write_file', arguments: { path: `two-b-${api}.txt`, content: 'b' } },
        ],
      },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'One written, one refused.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write both' })
    expect(await ended(sessionId, mark)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const [first, second] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    // The window learns each answer from its event (it does not reload the session for it).
    const m1 = h.mark()
    await h.call('tools.approve', { callId: first!.id, scope: 'once' })
    expect(cardStates(first!.id, m1)).toEqual(['approved'])
    const m2 = h.mark()
    await h.call('tools.deny', { callId: second!.id, reason: 'not that one' })
    expect(cardStates(second!.id, m2)[0]).toBe('denied')
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(cardStates(first!.id, m2)).toEqual(['running', 'succeeded'])
  })

  it('approved after the session stopped offering the tool: the call fails unrun, the window is told, the model reads why', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `dropped-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'x' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'It is gone, then.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write it' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
    const [waiting] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    // While the card waits, the session's tools change (a profile edited, a server removed): write_file is gone.
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name !== 'write_file'), workspace })
    const m2 = h.mark()
    await h.call('tools.approve', { callId: waiting!.id, scope: 'once' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    const words = 'write_file is no longer offered in this session; it was not run.'
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toBe(words)
    const told = chatEvents(sessionId).flatMap((e) => (e.type === 'tool-call' && e.call.id === waiting!.id ? [[e.call.state, e.call.resultPreview]] : []))
    expect(told.at(-1)).toEqual(['failed', words])
    expect((await h.call('sessions.open', { id: sessionId })).toolCalls).toMatchObject([{ state: 'failed', resultPreview: words }])
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
  })

  it('a new message while an approval is pending answers the call "not run: the user moved on"', async () => {
    const { sessionId, prefix } = await agentSession(api)
    const target = `moved-on-${api}.txt`
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'write_file', arguments: { path: target, content: 'x' } }] },
      { pathPrefix: prefix, toolResultFor: callId(api, 1), reply: 'Fine, moving on.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write it' })
    await ended(sessionId, mark)
    const m2 = h.mark()
    await h.call('chat.send', { sessionId, text: 'never mind' })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(resultSentFor(mine(prefix)[1]!, callId(api, 1))).toBe('not run: the user moved on')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls).toMatchObject([{ state: 'cancelled', resultPreview: 'not run: the user moved on' }])
    // The window is told, so the card stops offering Approve.
    const card = view.toolCalls![0]!.id
    expect(cardStates(card, m2)).toEqual(['cancelled'])
    expect(view.turns.every((t) => !t.pause)).toBe(true)
    expect(fs.existsSync(path.join(workspace, target))).toBe(false)
  })

  it('the step limit pauses the turn; continuing for more steps sends the results and finishes', async () => {
    const { sessionId, prefix } = await agentSession(api, BUILTIN_TOOLS, { stepLimit: 2 })
    fake.script({ pathPrefix: prefix, toolCalls: [{ name: 'list_files', arguments: {} }] })
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'loop forever' })
    const paused = await ended(sessionId, mark)
    expect(paused).toMatchObject({ status: 'stopped', pause: { reason: 'step-limit', limit: 2, message: 'The turn reached its step limit (2 steps) and paused. Continue for more steps, or stop.' } })
    expect(mine(prefix)).toHaveLength(2)
    fake.resetScript()
    fake.script({ pathPrefix: prefix, reply: 'Done looping.' })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId, steps: 1 })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    const last = mine(prefix).at(-1)!
    expect(toolResultsSent(last)).toHaveLength(2)
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.messages.at(-1)!.content).toBe('Done looping.')
  })

  it('continuing a turn paused at its step limit without a number gives it as many steps again', async () => {
    const { sessionId, prefix } = await agentSession(api, BUILTIN_TOOLS, { stepLimit: 2 })
    fake.script({ pathPrefix: prefix, toolCalls: [{ name: 'list_files', arguments: {} }], times: 3 })
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'loop a while' })
    expect(await ended(sessionId, mark)).toMatchObject({ pause: { reason: 'step-limit', limit: 2 } })
    expect(mine(prefix)).toHaveLength(2)
    // Two more steps: one more call, then the answer.
    fake.script({ pathPrefix: prefix, reply: 'Done looping.' })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(mine(prefix)).toHaveLength(4)
  })

  it('an entry edited but not applied while the turn waits at its step limit: Continue goes on on the session’s runtime, as its next turn would', async () => {
    const { sessionId, prefix, entryId } = await pausedAtStepLimit(api)
    const moved = await moveEntry(api, entryId, prefix, 'not-applied')
    fake.script({ pathPrefix: prefix, reply: 'Still here.', times: 1 })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId, steps: 1 })
    // The session stays on its runtime until the user applies the edit (identity-authority): so does its turn.
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null, pause: null })
    expect(mine(prefix)).toHaveLength(2)
    expect(fake.requests().filter((r) => r.path.startsWith(`${moved}/`))).toHaveLength(0)
  })

  it('an entry edited and applied while the turn waits at its step limit: continuing asks before the turn moves to the new runtime', async () => {
    const { sessionId, prefix, entryId } = await pausedAtStepLimit(api)
    const moved = await moveEntry(api, entryId, prefix, 'limit-moved')
    // (Edited only, the session stays on its runtime and the turn goes on there; applied, the session moves.)
    await h.call('sessions.reresolve', { id: sessionId })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId, steps: 1 })
    // More steps is not a yes to another runtime: the turn started on the old URL, so it pauses again and asks.
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'stopped', pause: { reason: 'identity-changed' } })
    expect(fake.requests().filter((r) => r.path.startsWith(`${moved}/`))).toHaveLength(0)
  })

  it('identity drift between steps: the entry changes while a tool runs, the turn pauses and nothing goes to the new URL', async () => {
    const { tool, gate } = gatedTool('wait_for_test', dataDir)
    const { sessionId, prefix, entryId } = await agentSession(api, [tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'wait_for_test', arguments: { label: `drift-${api}` } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    await gate.started
    const moved = await moveEntry(api, entryId, prefix, 'moved')
    gate.open('done waiting')
    const paused = await ended(sessionId, mark)
    expect(paused).toMatchObject({
      status: 'stopped',
      pause: {
        reason: 'identity-changed',
        message: 'This session now resolves to a different runtime than the one this turn started on. The turn paused before its next step; nothing was sent. Continue on the new runtime, or stop.',
      },
    })
    expect(paused.pause!.differences!.map((d) => d.field)).toContain('baseUrl')
    expect(fake.requests().filter((r) => r.path.startsWith(`${moved}/`))).toHaveLength(0)
    expect(mine(prefix)).toHaveLength(1)
    // Apply the change (the pinned session re-resolves), then continue: the request goes to the new URL and
    // carries the result.
    await h.call('sessions.reresolve', { id: sessionId })
    fake.script({ pathPrefix: moved, reply: 'continued on the new runtime' })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    const sent = fake.requests().filter((r) => r.path.startsWith(`${moved}/`))
    expect(sent).toHaveLength(1)
    expect(resultSentFor(sent[0]!, callId(api, 1))).toBe('done waiting')
  })

  it('a turn started on the previous runtime (the entry was edited, not yet applied): applying the edit while a tool runs pauses the turn before its next step', async () => {
    const { tool, gate } = gatedTool('wait_for_test', dataDir)
    const { sessionId, prefix, entryId } = await agentSession(api, [tool])
    // A first turn makes the runtime the session's; the entry's URL is then edited: the session stays on it.
    fake.script({ pathPrefix: prefix, reply: 'first', times: 1 })
    const m0 = h.mark()
    await h.call('chat.send', { sessionId, text: 'hello' })
    expect(await ended(sessionId, m0)).toMatchObject({ status: 'done' })
    const moved = await moveEntry(api, entryId, prefix, 'applied')
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'wait_for_test', arguments: { label: `apply-${api}` } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    await gate.started
    // The turn's first step went to the previous URL; now the user applies the edit.
    expect(mine(prefix)).toHaveLength(2)
    await h.call('sessions.reresolve', { id: sessionId })
    gate.open('done waiting')
    const paused = await ended(sessionId, mark)
    expect(paused).toMatchObject({ status: 'stopped', pause: { reason: 'identity-changed' } })
    expect(fake.requests().filter((r) => r.path.startsWith(`${moved}/`))).toHaveLength(0)
  })

  it('a key rotated between steps pauses the turn; continuing sends the next step with the new key', async () => {
    const { tool, gate } = gatedTool('wait_for_test', dataDir)
    const { sessionId, prefix, entryId, key } = await agentSession(api, [tool])
    fake.sequence([{ pathPrefix: prefix, toolCalls: [{ id: callId(api, 1), name: 'wait_for_test', arguments: { label: `rotate-${api}` } }] }])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    await gate.started
    const rotated = testKey(`${entryId}-rotated`)
    await h.call('providers.setKey', { id: entryId, key: rotated })
    gate.open('waited')
    const paused = await ended(sessionId, mark)
    expect(paused).toMatchObject({ status: 'stopped', pause: { reason: 'identity-changed', differences: [{ field: 'credential' }] } })
    expect(mine(prefix)).toHaveLength(1)
    fake.script({ pathPrefix: prefix, reply: 'on the new key' })
    const m2 = h.mark()
    await h.call('chat.continueTurn', { sessionId })
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    const last = mine(prefix).at(-1)!
    expect([last.bearer, last.apiKey]).toContain(rotated)
    expect([last.bearer, last.apiKey]).not.toContain(key)
    expect(resultSentFor(last, callId(api, 1))).toBe('waited')
  })
})

describe('secrets in tool calls', () => {
  it('a server echoing the key in tool-call arguments gets it nowhere: not the ledger, the view, the data dir or the next request', async () => {
    const { sessionId, prefix, key } = await agentSession('openai-chat')
    fake.sequence([
      // Many small deltas: the key arrives in pieces, and the arguments shown while they stream must not hold one.
      { pathPrefix: prefix, argumentChunks: 12, toolCalls: [{ id: 'call_echo', name: 'read_file', arguments: { path: `notes-${key}.txt` } }] },
      { pathPrefix: prefix, toolResultFor: 'call_echo', reply: 'ok' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'go' })
    expect(await ended(sessionId, mark)).toMatchObject({ status: 'done', error: null })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(view.toolCalls![0]!.arguments).not.toContain(key)
    expect(JSON.parse(view.toolCalls![0]!.arguments)).toHaveProperty('path')
    expect(JSON.stringify(mine(prefix)[1]!.body)).not.toContain(key)
    expect(JSON.stringify(h.events('chat'))).not.toContain(key)
    const streamed = chatEvents(sessionId).flatMap((e) => (e.type === 'tool-call-delta' ? [e.argumentsSoFar] : []))
    expect(streamed.length).toBeGreaterThan(0)
    // Neither the start of the key (cut where a delta ended) nor its end (after the whole key arrived).
    for (const text of streamed) {
      expect(text).not.toContain(key.slice(0, 16))
      expect(text).not.toContain(key.slice(-8))
    }
    expect(filesContaining(dataDir, key)).toEqual([])
  })
})

describe('tool calls and results never leave the turn unanswered', () => {
  it('two waiting calls answered at the same time resume the turn once, with both answers in one request', async () => {
    const { sessionId, prefix } = await agentSession('openai-chat')
    fake.sequence([
      {
        pathPrefix: prefix,
        toolCalls: [
          { id: 'call_a', name: 'write_file', arguments: { path: 'a.txt', content: 'a' } },
          { id: 'call_b', name: 'write_file', arguments: { path: 'b.txt', content: 'b' } },
        ],
      },
      { pathPrefix: prefix, toolResultFor: 'call_b', reply: 'Neither then.' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'write two' })
    expect(await ended(sessionId, mark)).toMatchObject({ pause: { reason: 'awaiting-approval', message: '2 tool calls are waiting for your approval.' } })
    const [a, b] = (await h.call('sessions.open', { id: sessionId })).toolCalls!
    const m2 = h.mark()
    await Promise.all([h.call('tools.deny', { callId: a!.id }), h.call('tools.deny', { callId: b!.id, reason: 'no' })])
    expect(await ended(sessionId, m2)).toMatchObject({ status: 'done', error: null })
    expect(mine(prefix)).toHaveLength(2)
    expect(toolResultsSent(mine(prefix)[1]!).map((r) => r.content)).toEqual(['denied by the user', 'denied by the user: no'])
    expect(chatEvents(sessionId).filter((e) => e.type === 'turn-started')).toHaveLength(2)
  })

  it('streamed arguments are coalesced: many small deltas make a few events, each the text so far', async () => {
    const { sessionId, prefix } = await agentSession('openai-chat')
    const args = { path: 'hello.txt', note: 'x'.repeat(300) }
    fake.sequence([
      { pathPrefix: prefix, argumentChunks: 60, toolCalls: [{ id: 'call_many', name: 'read_file', arguments: args }] },
      { pathPrefix: prefix, toolResultFor: 'call_many', reply: 'ok' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'go' })
    await ended(sessionId, mark)
    const deltas = chatEvents(sessionId).filter((e): e is Extract<ChatEvent, { type: 'tool-call-delta' }> => e.type === 'tool-call-delta')
    expect(deltas.length).toBeGreaterThan(0)
    expect(deltas.length).toBeLessThan(60)
    for (const d of deltas) expect(JSON.stringify(args).startsWith(d.argumentsSoFar)).toBe(true)
  })

  it('chat events report each state change of a call', async () => {
    const { sessionId, prefix } = await agentSession('openai-chat')
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_ev', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_ev', reply: 'ok' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'go' })
    await ended(sessionId, mark)
    const states = chatEvents(sessionId).flatMap((e) => (e.type === 'tool-call' ? [e.call.state] : []))
    expect(states).toEqual(['approved', 'running', 'succeeded'])
  })
})

