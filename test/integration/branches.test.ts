// Message branches (issue #12), end to end on the real core, real SQLite, real keychain and the recording fake
// provider: edit + resend, regenerate (same or another model) and retry each add a version and keep the earlier
// one (append-only); the provider receives only the active branch, on all three APIs, also in agent turns with
// tool calls (strict pairing: a call of the branch left behind would break it); switching versions, a restart and
// a search hit on another version keep what is shown and what is sent the same.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { openAgentHarness, requestsTo, resultSentFor, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import { openAtSchema } from '../support/previous-schema'
import { toolResultsSent } from '../fake-provider/server'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { RecordedRequest } from '../fake-provider/types'
import type { ChatMessage } from '../../src/shared/domain'
import { afterLastChange } from '../support/session-order'

const fake = fakeProviderForFile()
const service = testKeychainService()
let h: CoreHarness
let dataDir: string
let workspace: string
const toolSets = new Map<string, SessionToolSet>()

beforeAll(async () => {
  ;({ h, dataDir, workspace } = await openAgentHarness('keel-branches', service, toolSets))
})
afterAll(async () => {
  await h.close()
})

let entries = 0
async function session(api: WireApi = 'openai-chat') {
  entries += 1
  const id = `b${entries}`
  const s = await sessionOnFakeApi(h, fake, api, { id })
  return { ...s, entryId: id }
}

type Line = [role: string, text: string]

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p: { text?: string }) => (typeof p?.text === 'string' ? p.text : '')).join('')
  return ''
}

/** The user and assistant text a request carried, in order, whatever its API (tool items and system left out). */
function textsSent(r: RecordedRequest): Line[] {
  type Item = { role?: string; type?: string; content?: unknown }
  const body = r.body as { messages?: Item[]; input?: Item[] }
  const items = r.protocol === 'openai-responses' ? (body.input ?? []) : (body.messages ?? [])
  return items
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && (m.type === undefined || m.type === 'message'))
    .map((m) => [m.role!, textOf(m.content)] as Line)
    .filter(([, text]) => text !== '')
}

async function turn(p: Promise<{ turnId: string }>, status: 'done' | 'error' = 'done') {
  const { turnId } = await p
  expect(await h.turnEnded(turnId)).toMatchObject({ status })
  return turnId
}

async function shown(sessionId: string): Promise<ChatMessage[]> {
  return (await h.call('sessions.open', { id: sessionId })).messages
}
const lines = (ms: ChatMessage[]): Line[] => ms.map((m) => [m.role, m.content])

function storedMessages(sessionId: string): Array<{ id: string; parent_id: string | null; role: string; content: string }> {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  try {
    return db.prepare('SELECT id, parent_id, role, content FROM messages WHERE session_id = ? ORDER BY seq').all(sessionId) as never
  } finally {
    db.close()
  }
}

/**
 * An agent session whose turn asked to write a file and stopped there, the call's card waiting for approval; with
 * `answeredBefore`, a message answered in plain words comes first.
 */
async function aCardWaiting(callId: string, file: string, answeredBefore?: string) {
  const s = await session()
  toolSets.set(s.sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'write_file'), workspace })
  if (answeredBefore) {
    fake.script({ pathPrefix: s.prefix, reply: 'Tell me what to write.', times: 1 })
    await turn(h.call('chat.send', { sessionId: s.sessionId, text: answeredBefore }))
  }
  fake.script({ pathPrefix: s.prefix, toolCalls: [{ id: callId, name: 'write_file', arguments: { path: file, content: 'x' } }], times: 1 })
  const { turnId: pausedTurn } = await h.call('chat.send', { sessionId: s.sessionId, text: 'write it' })
  expect(await h.turnEnded(pausedTurn)).toMatchObject({ status: 'stopped', pause: { reason: 'awaiting-approval' } })
  const [waiting] = (await h.call('sessions.open', { id: s.sessionId })).toolCalls!
  expect(waiting).toMatchObject({ state: 'awaiting-approval' })
  return { ...s, pausedTurn, waiting: waiting! }
}

/** The tool-call events the window got for the call `callId` since the mark `since`. */
function cardEvents(since: number, callId: string) {
  return h.events('chat', since).flatMap((e) => (e.type === 'tool-call' && e.call.id === callId ? [e] : []))
}

type Session = Awaited<ReturnType<typeof session>>

/** Two sessions, `a` asked first (its turn ending as `status`), then `b`; `list` gives their order in the session list. */
async function olderAndNewer(status: 'done' | 'error' = 'done') {
  const a = await session()
  const b = await session()
  if (status === 'error') fake.script({ pathPrefix: a.prefix, status: 500, message: 'upstream exploded', times: 1 })
  await turn(h.call('chat.send', { sessionId: a.sessionId, text: 'older session' }), status)
  await turn(h.call('chat.send', { sessionId: b.sessionId, text: 'newer session' }))
  const list = async () => (await h.call('sessions.list', {})).items.map((s) => s.id).filter((id) => id === a.sessionId || id === b.sessionId)
  expect(await list()).toEqual([b.sessionId, a.sessionId])
  // The clock past b's last activity, so that the order after a's next turn starts is not a tie.
  await afterLastChange(h, b.sessionId)
  return { a, b, list }
}

/**
 * `start` begins a new turn in `a` whose reply is held: the windows are told at once that the branch changed (the open
 * window reopens on the new branch), before the reply streams, and `a` is first in the list while it streams.
 */
async function toldAndFirstWhileStreaming(a: Session, b: Session, list: () => Promise<string[]>, start: () => Promise<{ turnId: string }>) {
  fake.script({ pathPrefix: a.prefix, hold: 'branch-streaming', reply: 'a new answer', times: 1 })
  const seen = h.mark()
  const { turnId } = await start()
  expect(h.events('sessions', seen).map((e) => [e.reason, e.changes])).toEqual([
    ['branch', [{ id: a.sessionId, kind: 'updated' }]],
    ['turn-started', [{ id: a.sessionId, kind: 'updated' }]],
  ])
  expect(await list()).toEqual([a.sessionId, b.sessionId])
  fake.release('branch-streaming')
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
}

describe.each(WIRE_APIS)('branches on %s', (api) => {
  it('regenerate, edit and switching back each send only the active branch; every version stays stored', async () => {
    const { sessionId, prefix } = await session(api)
    await turn(h.call('chat.send', { sessionId, text: 'one' }))
    await turn(h.call('chat.send', { sessionId, text: 'two' }))
    const [u1, r1, u2, r2] = await shown(sessionId)

    // Regenerate the second reply: the request ends at the question, without the reply it replaces.
    fake.script({ pathPrefix: prefix, reply: 'second take', times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: r2!.id }))
    expect(textsSent(requestsTo(fake, prefix).at(-1)!)).toEqual([['user', 'one'], ['assistant', r1!.content], ['user', 'two']])
    let view = await shown(sessionId)
    expect(lines(view)).toEqual([['user', 'one'], ['assistant', r1!.content], ['user', 'two'], ['assistant', 'second take']])
    expect(view[3]!.versions).toEqual({ index: 1, count: 2, siblingIds: [r2!.id, view[3]!.id] })
    expect(view[3]!.producedWith).toMatchObject({ model: 'm-1' })

    // Edit the question: a new version beside it, answered with the history before it.
    fake.script({ pathPrefix: prefix, reply: 'answer to TWO', times: 1 })
    const edited = await h.call('chat.edit', { sessionId, messageId: u2!.id, text: 'TWO' })
    expect(await h.turnEnded(edited.turnId)).toMatchObject({ status: 'done' })
    expect(textsSent(requestsTo(fake, prefix).at(-1)!)).toEqual([['user', 'one'], ['assistant', r1!.content], ['user', 'TWO']])
    view = await shown(sessionId)
    expect(lines(view).slice(2)).toEqual([['user', 'TWO'], ['assistant', 'answer to TWO']])
    expect(view[2]!.versions).toMatchObject({ index: 1, count: 2, siblingIds: [u2!.id, edited.messageId] })

    // Back to the first version of the question (and the newest reply under it), then continue from there.
    const secondTake = (await h.call('sessions.selectBranch', { sessionId, messageId: u2!.id })).leafId
    view = await shown(sessionId)
    expect(lines(view)).toEqual([['user', 'one'], ['assistant', r1!.content], ['user', 'two'], ['assistant', 'second take']])
    expect(view[3]!.id).toBe(secondTake)
    await h.call('sessions.selectBranch', { sessionId, messageId: r2!.id })
    await turn(h.call('chat.send', { sessionId, text: 'three' }))
    const sent = textsSent(requestsTo(fake, prefix).at(-1)!)
    expect(sent).toEqual([['user', 'one'], ['assistant', r1!.content], ['user', 'two'], ['assistant', r2!.content], ['user', 'three']])
    expect(JSON.stringify(sent)).not.toMatch(/second take|TWO/)

    // Append-only: every version is still stored, each pointing at its parent.
    const rows = storedMessages(sessionId)
    expect(rows.map((r) => r.content)).toEqual(['one', r1!.content, 'two', r2!.content, 'second take', 'TWO', 'answer to TWO', 'three', expect.any(String)])
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get(u1!.id)!.parent_id).toBeNull()
    expect(rows.filter((r) => r.parent_id === u2!.id).map((r) => r.content)).toEqual([r2!.content, 'second take'])
    expect(rows.find((r) => r.content === 'TWO')!.parent_id).toBe(r1!.id)
  })

  it("an agent reply regenerated: its tool calls are not sent with the new branch, and come back with the old one", async () => {
    const { sessionId, prefix } = await session(api)
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'read_file'), workspace })
    const call = api === 'anthropic-messages' ? 'toolu_br1' : 'call_br1'
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: call, name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: call, reply: 'It says hello.' },
    ])
    await turn(h.call('chat.send', { sessionId, text: 'read hello.txt' }))
    const [, first] = await shown(sessionId)
    expect(first!.content).toBe('It says hello.')

    fake.script({ pathPrefix: prefix, reply: 'Without looking: hello.', times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: first!.id }))
    const regen = requestsTo(fake, prefix).at(-1)!
    expect(toolResultsSent(regen)).toEqual([])
    expect(textsSent(regen)).toEqual([['user', 'read hello.txt']])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'read hello.txt'], ['assistant', 'Without looking: hello.']])
    expect(view.toolCalls ?? []).toEqual([])

    // A new message on the new branch: still no call of the old one (the strict fake would refuse a broken pair).
    await turn(h.call('chat.send', { sessionId, text: 'and now?' }))
    expect(toolResultsSent(requestsTo(fake, prefix).at(-1)!)).toEqual([])

    // Back on the first reply: its call and result are sent again, paired, and shown again.
    await h.call('sessions.selectBranch', { sessionId, messageId: first!.id })
    const back = await h.call('sessions.open', { id: sessionId })
    expect(back.toolCalls?.map((c) => c.providerCallId)).toEqual([call])
    await turn(h.call('chat.send', { sessionId, text: 'once more' }))
    const last = requestsTo(fake, prefix).at(-1)!
    expect(toolResultsSent(last).map((r) => r.callId)).toEqual([call])
    expect(JSON.stringify(textsSent(last))).not.toMatch(/Without looking|and now/)
  })
})

describe('retry, another model, restart, search and refusals', () => {
  it('retry after a provider error answers the same message again (nothing retyped); the error stays stored, not shown', async () => {
    const { sessionId, prefix } = await session()
    fake.script({ pathPrefix: prefix, status: 500, message: 'upstream exploded', times: 1 })
    const failed = await turn(h.call('chat.send', { sessionId, text: 'try me' }), 'error')
    expect((await h.call('sessions.open', { id: sessionId })).turns.map((t) => [t.id, t.status])).toEqual([[failed, 'error']])
    fake.script({ pathPrefix: prefix, reply: 'worked this time', times: 1 })
    const retried = await turn(h.call('chat.retry', { sessionId }))
    expect(textsSent(requestsTo(fake, prefix).at(-1)!)).toEqual([['user', 'try me']])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'try me'], ['assistant', 'worked this time']])
    expect(view.turns.map((t) => t.id)).toEqual([retried])
    expect(storedMessages(sessionId).filter((m) => m.role === 'user')).toHaveLength(1)
    // Nothing left to retry now.
    expect(await h.fail('chat.retry', { sessionId })).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/nothing to retry/i) })
  })

  it('a reply stopped before any text stores no reply, yet there is nothing to retry: Stop is not a failure', async () => {
    const { sessionId, prefix } = await session()
    // The provider has the request but sends no text until the client goes away.
    fake.script({ pathPrefix: prefix, stall: 'after-headers', times: 1 })
    const asked = fake.requests().length
    const { turnId } = await h.call('chat.send', { sessionId, text: 'never mind' })
    await fake.waitForRequests(asked + 1)
    await h.call('chat.stop', { sessionId })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'stopped', error: null, assistantMessageId: null })
    const view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'never mind']])
    expect(view.turns.map((t) => [t.id, t.status])).toEqual([[turnId, 'stopped']])
    expect(await h.fail('chat.retry', { sessionId })).toMatchObject({
      kind: 'conflict',
      message: 'There is nothing to retry: the last message of this branch did not fail.',
      fix: 'Regenerate a reply, or send a new message.',
    })
    // Nothing was sent or stored by the refusal.
    expect(requestsTo(fake, prefix)).toHaveLength(1)
    expect(storedMessages(sessionId).map((m) => m.content)).toEqual(['never mind'])
    expect((await h.call('sessions.open', { id: sessionId })).turns.map((t) => [t.id, t.status])).toEqual([[turnId, 'stopped']])
  })

  it('a regenerate that fails leaves the earlier reply one step away (replyVersions), and retry works there too', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'hi' }))
    const [, reply] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, status: 503, times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: reply!.id }), 'error')
    let view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'hi']])
    expect(view.messages[0]!.replyVersions).toEqual([reply!.id])
    expect(view.turns.map((t) => t.status)).toEqual(['error'])
    // Back to the earlier reply: the failed attempt is not shown after it.
    await h.call('sessions.selectBranch', { sessionId, messageId: reply!.id })
    view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'hi'], ['assistant', reply!.content]])
    expect(view.turns.map((t) => t.status)).toEqual(['done'])
  })

  it('regenerate on another model binds the session through the identity rules and the reply records that identity', async () => {
    const a = await session('openai-chat')
    const other = await session('anthropic-messages')
    await turn(h.call('chat.send', { sessionId: a.sessionId, text: 'compare' }))
    const [, reply] = await shown(a.sessionId)
    expect(reply!.producedWith).toMatchObject({ entryId: a.entryId })
    await turn(h.call('chat.regenerate', { sessionId: a.sessionId, messageId: reply!.id, entryId: other.entryId, model: 'claude-x' }))
    const last = fake.requests().at(-1)!
    expect(last).toMatchObject({ protocol: 'anthropic-messages', model: 'claude-x' })
    expect(textsSent(last)).toEqual([['user', 'compare']])
    const view = await h.call('sessions.open', { id: a.sessionId })
    expect(view.messages[1]!.producedWith).toMatchObject({ entryId: other.entryId, model: 'claude-x', api: 'anthropic-messages' })
    expect(view.messages[1]!.versions).toMatchObject({ index: 1, count: 2 })
    // The binding changed as the picker changes it: pinned to the choice.
    expect(view.session.identity.binding).toMatchObject({ entryId: other.entryId, model: 'claude-x', mode: 'pinned' })
    // Half a choice is refused and changes nothing.
    expect(await h.fail('chat.regenerate', { sessionId: a.sessionId, messageId: reply!.id, entryId: a.entryId })).toMatchObject({ kind: 'invalid-input', field: 'model' })
  })

  it('bad ids and a running turn are refused with clear errors, and nothing is stored', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'first' }))
    const [u, r] = await shown(sessionId)
    const before = storedMessages(sessionId).length
    expect(await h.fail('chat.edit', { sessionId, messageId: r!.id, text: 'x' })).toMatchObject({ kind: 'invalid-input', message: expect.stringMatching(/only your own messages/i) })
    expect(await h.fail('chat.regenerate', { sessionId, messageId: u!.id })).toMatchObject({ kind: 'invalid-input', message: expect.stringMatching(/only a reply/i) })
    expect(await h.fail('chat.edit', { sessionId, messageId: 'nope', text: 'x' })).toMatchObject({ kind: 'not-found' })
    expect(await h.fail('sessions.selectBranch', { sessionId, messageId: 'nope' })).toMatchObject({ kind: 'not-found' })
    const other = await session()
    expect(await h.fail('sessions.selectBranch', { sessionId: other.sessionId, messageId: u!.id })).toMatchObject({ kind: 'not-found' })
    expect(await h.fail('chat.edit', { sessionId, messageId: u!.id, text: '   ' })).toMatchObject({ kind: 'invalid-input' })

    fake.script({ pathPrefix: prefix, hold: 'branches-running', reply: 'slow', times: 1 })
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'second' })
    await h.waitFor('chat', (e) => e.type === 'turn-started' && e.turnId === turnId, 10_000, mark)
    for (const [channel, input] of [
      ['chat.edit', { sessionId, messageId: u!.id, text: 'x' }],
      ['chat.regenerate', { sessionId, messageId: r!.id }],
      ['chat.retry', { sessionId }],
      ['sessions.selectBranch', { sessionId, messageId: r!.id }],
    ] as const) {
      expect(await h.fail(channel, input as never)).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/still streaming/) })
    }
    fake.release('branches-running')
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    expect(storedMessages(sessionId)).toHaveLength(before + 2)
  })

  it('a search hit on another version opens that version; paging walks the active branch only', async () => {
    const { sessionId, prefix } = await session()
    for (let i = 1; i <= 6; i++) await turn(h.call('chat.send', { sessionId, text: `line ${i}` }))
    const all = await shown(sessionId)
    // A new version of the 3rd question (index 4), then more on that branch.
    fake.script({ pathPrefix: prefix, reply: 'branch reply' })
    await turn(h.call('chat.edit', { sessionId, messageId: all[4]!.id, text: 'zebracorn question' }))
    for (let i = 7; i <= 9; i++) await turn(h.call('chat.send', { sessionId, text: `line ${i}` }))
    const path = (await h.call('sessions.open', { id: sessionId, limit: 500 })).messages.map((m) => m.content)
    expect(path.filter((t) => t.startsWith('line') || t.startsWith('zebra'))).toEqual(['line 1', 'line 2', 'zebracorn question', 'line 7', 'line 8', 'line 9'])

    // Paging up from the latest 3, page by page: exactly the active branch, in order.
    const seen: string[] = []
    let page = await h.call('sessions.messages', { id: sessionId, limit: 3 })
    seen.unshift(...page.messages.map((m) => m.content))
    while (page.page.olderCursor) {
      page = await h.call('sessions.messages', { id: sessionId, before: page.page.olderCursor, limit: 3 })
      seen.unshift(...page.messages.map((m) => m.content))
    }
    expect(seen).toEqual(path)
    expect(page.page.total).toBe(path.length)

    // "line 5" is only on the first branch: opening the hit switches to it.
    const hit = (await h.call('sessions.search', { query: 'line 5' })).hits.find((x) => x.session.id === sessionId && x.field === 'message')!
    const opened = await h.call('sessions.open', { id: sessionId, around: hit.messageId! })
    expect(opened.messages.map((m) => m.content)).toContain('line 5')
    expect(opened.messages.map((m) => m.content)).not.toContain('zebracorn question')
    fake.resetScript()
    await turn(h.call('chat.send', { sessionId, text: 'after the hit' }))
    const sent = textsSent(requestsTo(fake, prefix).at(-1)!).map(([, t]) => t)
    expect(sent).toContain('line 6')
    expect(sent).not.toContain('zebracorn question')
  })

  it('the active branch survives a restart, and sending continues from it', async () => {
    const dir = tempDataDir('keel-branches-restart')
    const own = testKeychainService()
    let core = await CoreHarness.open(dir, own)
    const { sessionId, prefix } = await sessionOnFakeApi(core, fake, 'openai-responses', { id: 'restart' })
    const run = async (p: Promise<{ turnId: string }>) => expect(await core.turnEnded((await p).turnId)).toMatchObject({ status: 'done' })
    await run(core.call('chat.send', { sessionId, text: 'q' }))
    const [, r] = (await core.call('sessions.open', { id: sessionId })).messages
    fake.script({ pathPrefix: prefix, reply: 'newer', times: 1 })
    await run(core.call('chat.regenerate', { sessionId, messageId: r!.id }))
    await core.call('sessions.selectBranch', { sessionId, messageId: r!.id })
    await core.close()

    core = await CoreHarness.open(dir, own)
    try {
      const view = await core.call('sessions.open', { id: sessionId })
      expect(lines(view.messages)).toEqual([['user', 'q'], ['assistant', r!.content]])
      expect(view.messages[1]!.versions).toMatchObject({ index: 0, count: 2 })
      await run(core.call('chat.send', { sessionId, text: 'go on' }))
      expect(textsSent(requestsTo(fake, prefix).at(-1)!)).toEqual([['user', 'q'], ['assistant', r!.content], ['user', 'go on']])
    } finally {
      await core.close()
    }
  })
})

describe('a paused turn keeps its branch', () => {
  it('switching versions is refused while a turn is paused at its step limit; Stop ends the pause and then it works', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'plain first' }))
    const [, firstReply] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, reply: 'another take', times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: firstReply!.id }))
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'read_file'), workspace, stepLimit: 1 })
    fake.script({ pathPrefix: prefix, toolCalls: [{ id: 'call_pause', name: 'read_file', arguments: { path: 'hello.txt' } }], times: 1 })
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId, text: 'read, then stop at the limit' })
    const end = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000, mark)
    expect(end).toMatchObject({ pause: { reason: 'step-limit' } })
    expect(await h.fail('sessions.selectBranch', { sessionId, messageId: firstReply!.id })).toMatchObject({ kind: 'conflict', message: 'A turn of this branch is paused.' })
    await h.call('chat.stop', { sessionId })
    expect(await h.call('sessions.selectBranch', { sessionId, messageId: firstReply!.id })).toEqual({ leafId: firstReply!.id })
  })
})

describe('diagnostics follow the active branch', () => {
  it("name the branch shown against what is stored, and the agent's last turn is the active branch's", async () => {
    const { sessionId, prefix } = await session()
    const row = async () => (await h.call('diagnostics.session', { id: sessionId })).rows.find((r) => r.field === 'branch')
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'read_file'), workspace })
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_diag', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_diag', reply: 'Read it.' },
    ])
    const first = await turn(h.call('chat.send', { sessionId, text: 'read it' }))
    expect(await row()).toBeUndefined()
    const [, reply] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, reply: 'Not reading.', times: 1 })
    const second = await turn(h.call('chat.regenerate', { sessionId, messageId: reply!.id }))
    let d = await h.call('diagnostics.session', { id: sessionId })
    expect(d.agent?.lastTurn?.turnId).toBe(second)
    expect(d.rows.find((r) => r.field === 'branch')).toMatchObject({ label: 'Active branch', active: '2 of 3 stored messages shown and sent; other versions at 1 point' })
    await h.call('sessions.selectBranch', { sessionId, messageId: reply!.id })
    d = await h.call('diagnostics.session', { id: sessionId })
    expect(d.agent?.lastTurn?.turnId).toBe(first)
    expect(d.agent?.lastTurn?.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'text'])
  })
})

describe('edit + resend: the refusal, an agent session, and what the windows are told', () => {
  it('an edit of a reply is refused with words that point at the message', async () => {
    const { sessionId } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'only mine' }))
    const [, reply] = await shown(sessionId)
    expect(await h.fail('chat.edit', { sessionId, messageId: reply!.id, text: 'x' })).toMatchObject({
      kind: 'invalid-input',
      field: 'messageId',
      message: 'Only your own messages can be edited. To get another reply, regenerate it.',
    })
  })

  it('an edit in an agent session is an agent turn: the tools are offered, a call runs and its result goes back', async () => {
    const { sessionId, prefix } = await session()
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS.filter((t) => t.name === 'read_file'), workspace })
    fake.script({ pathPrefix: prefix, reply: 'Ask me about a file.', times: 1 })
    await turn(h.call('chat.send', { sessionId, text: 'hi' }))
    const [asked] = await shown(sessionId)
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_edit1', name: 'read_file', arguments: { path: 'hello.txt' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_edit1', reply: 'It says hello.' },
    ])
    const sentBefore = requestsTo(fake, prefix).length
    const edited = await turn(h.call('chat.edit', { sessionId, messageId: asked!.id, text: 'what does hello.txt say?' }))
    const sent = requestsTo(fake, prefix).slice(sentBefore)
    expect(sent).toHaveLength(2)
    const [first, second] = sent
    const offered = (r: RecordedRequest) => ((r.body as { tools?: Array<{ name?: string; function?: { name: string } }> }).tools ?? []).map((t) => t.name ?? t.function!.name)
    expect(offered(first!)).toEqual(['read_file'])
    expect(textsSent(first!)).toEqual([['user', 'what does hello.txt say?']])
    expect(resultSentFor(second!, 'call_edit1')).toContain('hello from the workspace')
    const view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'what does hello.txt say?'], ['assistant', 'It says hello.']])
    expect(view.toolCalls).toMatchObject([{ providerCallId: 'call_edit1', toolName: 'read_file', state: 'succeeded', turnId: edited }])
  })

  it('an edit while a call waits for approval answers the card "not run: the user moved on", and the window is told', async () => {
    const { sessionId, prefix, pausedTurn, waiting } = await aCardWaiting('call_edit_w', 'edit-moved-on.txt')
    const [asked] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, reply: 'Nothing written.', times: 1 })
    const before = h.mark()
    await turn(h.call('chat.edit', { sessionId, messageId: asked!.id, text: 'do not write anything' }))
    // The card in the window changes at once: the call is answered, not left waiting.
    expect(cardEvents(before, waiting.id)).toMatchObject([{ sessionId, turnId: pausedTurn, call: { state: 'cancelled', resultPreview: 'not run: the user moved on' } }])
    expect((await h.call('sessions.open', { id: sessionId })).toolCalls ?? []).toEqual([])
    expect(fs.existsSync(path.join(workspace, 'edit-moved-on.txt'))).toBe(false)
  })

  it('an edit tells the windows the branch changed and puts its session first in the list while the reply streams', async () => {
    const { a, b, list } = await olderAndNewer()
    const [asked] = await shown(a.sessionId)
    await toldAndFirstWhileStreaming(a, b, list, () => h.call('chat.edit', { sessionId: a.sessionId, messageId: asked!.id, text: 'older session, edited' }))
  })
})

describe('regenerate, retry and switching versions: what the windows are told', () => {
  it('a regenerate while a call waits for approval answers the card "not run: the user moved on", and the window is told', async () => {
    const { sessionId, prefix, pausedTurn, waiting } = await aCardWaiting('call_regen_w', 'regen-moved-on.txt', 'hello')
    const [, reply, asked] = await shown(sessionId)
    expect([reply, asked]).toMatchObject([{ role: 'assistant', content: 'Tell me what to write.' }, { role: 'user', content: 'write it' }])
    fake.script({ pathPrefix: prefix, reply: 'Nothing written.', times: 1 })
    const before = h.mark()
    await turn(h.call('chat.regenerate', { sessionId, messageId: reply!.id }))
    expect(cardEvents(before, waiting.id)).toMatchObject([{ sessionId, turnId: pausedTurn, call: { state: 'cancelled', resultPreview: 'not run: the user moved on' } }])
    const view = await h.call('sessions.open', { id: sessionId })
    expect(lines(view.messages)).toEqual([['user', 'hello'], ['assistant', 'Nothing written.']])
    expect(view.toolCalls ?? []).toEqual([])
    expect(fs.existsSync(path.join(workspace, 'regen-moved-on.txt'))).toBe(false)
  })

  it('a regenerate tells the windows the branch changed and puts its session first in the list while the reply streams', async () => {
    const { a, b, list } = await olderAndNewer()
    const [, reply] = await shown(a.sessionId)
    await toldAndFirstWhileStreaming(a, b, list, () => h.call('chat.regenerate', { sessionId: a.sessionId, messageId: reply!.id }))
  })

  it('a retry tells the windows the branch changed and puts its session first in the list while the reply streams', async () => {
    const { a, b, list } = await olderAndNewer('error')
    await toldAndFirstWhileStreaming(a, b, list, () => h.call('chat.retry', { sessionId: a.sessionId }))
  })

  it('a new message puts its session first in the list while the reply streams, and again when the reply ends', async () => {
    const { a, b, list } = await olderAndNewer()
    fake.script({ pathPrefix: a.prefix, hold: 'send-streaming', reply: 'a new answer', times: 1 })
    const { turnId } = await h.call('chat.send', { sessionId: a.sessionId, text: 'the older session again' })
    expect(await list()).toEqual([a.sessionId, b.sessionId])
    // Meanwhile b gets a whole reply and goes first; the clock moves past it before a's reply ends.
    await turn(h.call('chat.send', { sessionId: b.sessionId, text: 'b meanwhile' }))
    expect(await list()).toEqual([b.sessionId, a.sessionId])
    await afterLastChange(h, b.sessionId)
    const ending = h.mark()
    fake.release('send-streaming')
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    expect(await list()).toEqual([a.sessionId, b.sessionId])
    // The windows are told the session changed because its turn ended.
    expect(h.events('sessions', ending).map((e) => [e.reason, e.changes])).toContainEqual(['turn-ended', [{ id: a.sessionId, kind: 'updated' }]])
  })

  it('switching versions tells the windows the branch changed (the open window reopens the log on it)', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'pick one' }))
    const [, first] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, reply: 'the other one', times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: first!.id }))
    const seen = h.mark()
    expect(await h.call('sessions.selectBranch', { sessionId, messageId: first!.id })).toEqual({ leafId: first!.id })
    expect(h.events('sessions', seen).map((e) => [e.reason, e.changes])).toEqual([['branch', [{ id: sessionId, kind: 'updated' }]]])
  })
})

describe('migration 015 (message branches) on a database made at schema 14', () => {
  it('links each message to the one before it, sets the active leaf, backs up first, and the session goes on', async () => {
    const old = openAtSchema(14)
    const now = Date.now()
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old talk', ?, ?)").run(now, now)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-empty', 'Empty', ?, ?)").run(now, now)
    const insert = old.db.prepare("INSERT INTO messages (id, session_id, turn_id, seq, role, content, created_at) VALUES (?, 's-old', NULL, ?, ?, ?, ?)")
    const texts = ['first question', 'first answer', 'second question', 'second answer']
    texts.forEach((t, i) => insert.run(`m${i + 1}`, i + 1, i % 2 === 0 ? 'user' : 'assistant', t, now + i))
    old.db.close()

    const core = await CoreHarness.open(old.dataDir, testKeychainService())
    try {
      const backups = fs.readdirSync(old.backups)
      expect(backups.some((f) => /before-v\d+/.test(f))).toBe(true)
      const view = await core.call('sessions.open', { id: 's-old' })
      expect(view.messages.map((m) => m.content)).toEqual(texts)
      expect(view.messages.every((m) => m.versions === undefined)).toBe(true)
      expect(view.page.total).toBe(4)
      expect((await core.call('sessions.open', { id: 's-empty' })).messages).toEqual([])

      const db = new Database(old.file, { readonly: true })
      const rows = db.prepare("SELECT id, parent_id, depth FROM messages WHERE session_id = 's-old' ORDER BY seq").all()
      expect(rows).toEqual([
        { id: 'm1', parent_id: null, depth: 1 },
        { id: 'm2', parent_id: 'm1', depth: 2 },
        { id: 'm3', parent_id: 'm2', depth: 3 },
        { id: 'm4', parent_id: 'm3', depth: 4 },
      ])
      expect(db.prepare("SELECT active_leaf_id FROM sessions WHERE id = 's-old'").get()).toEqual({ active_leaf_id: 'm4' })
      expect(db.prepare("SELECT active_leaf_id FROM sessions WHERE id = 's-empty'").get()).toEqual({ active_leaf_id: null })
      expect((db.prepare('SELECT summary FROM migration_log WHERE version = 15').get() as { summary: string }).summary).toMatch(/linked 4 messages/)
      // Still append-only after the backfill: the trigger is back.
      expect(() => new Database(old.file).prepare("UPDATE messages SET content = 'x' WHERE id = 'm1'").run()).toThrow(/append-only/)
      db.close()

      // The old session goes on: a regenerate of its last reply sends the history before it.
      await core.call('providers.create', { id: 'mig', name: 'Mig', kind: 'openai-compatible', baseUrl: `${fake.url}/mig/v1`, auth: 'none', api: 'openai-chat' })
      await core.call('sessions.bind', { id: 's-old', entryId: 'mig', model: 'm-1' })
      const { turnId } = await core.call('chat.regenerate', { sessionId: 's-old', messageId: 'm4' })
      expect(await core.turnEnded(turnId)).toMatchObject({ status: 'done' })
      expect(textsSent(requestsTo(fake, '/mig').at(-1)!)).toEqual([['user', 'first question'], ['assistant', 'first answer'], ['user', 'second question']])
    } finally {
      await core.close()
    }
  })
})
