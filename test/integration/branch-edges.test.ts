// Message branches (issue #12) at their edges, on the real core, real SQLite and the recording fake provider: a
// search hit opened with a page of one or two messages, a search hit above the point where the user went back to
// an earlier version (that version stays shown and sent), and versions of the session's first prompt (the version
// navigator ‹ n / m › at the first message, and what is sent after switching). Written for the mutants StrykerJS
// left alive in sessions/branches.ts (issue #13); each assertion is what the user sees or the provider receives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, testKeychainService } from '../support/core-harness'
import { openAgentHarness, requestsTo, sessionOnFakeApi } from '../support/agent-sessions'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import type { RecordedRequest } from '../fake-provider/types'
import type { ChatMessage } from '../../src/shared/domain'

const fake = fakeProviderForFile()
const service = testKeychainService()
let h: CoreHarness

beforeAll(async () => {
  ;({ h } = await openAgentHarness('keel-branch-edges', service, new Map<string, SessionToolSet>()))
})
afterAll(async () => {
  await h.close()
})

let entries = 0
async function session() {
  entries += 1
  return sessionOnFakeApi(h, fake, 'openai-chat', { id: `e${entries}` })
}

async function turn(p: Promise<{ turnId: string }>) {
  const { turnId } = await p
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
}

/** The user and assistant text of a Chat Completions request, in order. */
function textsSent(r: RecordedRequest): string[] {
  const body = r.body as { messages?: Array<{ role: string; content: unknown }> }
  return (body.messages ?? []).filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
}

const shown = async (sessionId: string): Promise<ChatMessage[]> => (await h.call('sessions.open', { id: sessionId })).messages
const texts = (ms: ChatMessage[]) => ms.map((m) => m.content)

async function hitFor(sessionId: string, query: string): Promise<string> {
  const hit = (await h.call('sessions.search', { query })).hits.find((x) => x.session.id === sessionId && x.field === 'message')
  expect(hit?.messageId).toBeTruthy()
  return hit!.messageId!
}

describe('a search hit opened with a small page', () => {
  it('a page of one shows the hit itself, a page of two the hit and its reply (nothing above it)', async () => {
    const { sessionId } = await session()
    for (const text of ['first question', 'quokka question', 'third question']) await turn(h.call('chat.send', { sessionId, text }))
    const hit = await hitFor(sessionId, 'quokka')
    const one = await h.call('sessions.open', { id: sessionId, around: hit, limit: 1 })
    expect(texts(one.messages)).toEqual(['quokka question'])
    const two = await h.call('sessions.open', { id: sessionId, around: hit, limit: 2 })
    expect(two.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(two.messages[0]!.content).toBe('quokka question')
    // A page of three puts one message above the hit (a third of the way down).
    const three = await h.call('sessions.open', { id: sessionId, around: hit, limit: 3 })
    expect(three.messages.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant'])
    expect(three.messages[1]!.content).toBe('quokka question')
  })
})

describe('a search hit on the active branch', () => {
  it('keeps the earlier version the user went back to: it stays shown and is what is sent next', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'wombat opener' }))
    await turn(h.call('chat.send', { sessionId, text: 'second question' }))
    const [, , , firstTake] = await shown(sessionId)
    fake.script({ pathPrefix: prefix, reply: 'second take', times: 1 })
    await turn(h.call('chat.regenerate', { sessionId, messageId: firstTake!.id }))
    // Back to the first take of the reply: the newest version is one step away, not shown.
    await h.call('sessions.selectBranch', { sessionId, messageId: firstTake!.id })
    expect(texts(await shown(sessionId)).at(-1)).toBe(firstTake!.content)

    // A hit on the opening message (above the version point, on the branch shown) changes nothing.
    const opened = await h.call('sessions.open', { id: sessionId, around: await hitFor(sessionId, 'wombat') })
    expect(texts(opened.messages)).toEqual(['wombat opener', expect.any(String), 'second question', firstTake!.content])
    expect(opened.messages[3]!.versions).toMatchObject({ index: 0, count: 2 })
    await turn(h.call('chat.send', { sessionId, text: 'go on' }))
    const sent = textsSent(requestsTo(fake, prefix).at(-1)!)
    expect(sent.slice(2)).toEqual(['second question', firstTake!.content, 'go on'])
    expect(sent).not.toContain('second take')
  })
})

describe('versions of the first prompt', () => {
  it('the first message shows ‹ 2 / 2 › after an edit and ‹ 1 / 2 › after switching back; what is sent follows', async () => {
    const { sessionId, prefix } = await session()
    await turn(h.call('chat.send', { sessionId, text: 'original opener' }))
    await turn(h.call('chat.send', { sessionId, text: 'follow-up' }))
    const [u1] = await shown(sessionId)
    expect(u1!.versions).toBeUndefined()

    fake.script({ pathPrefix: prefix, reply: 'answer to the edit', times: 1 })
    const edited = await h.call('chat.edit', { sessionId, messageId: u1!.id, text: 'edited opener' })
    expect(await h.turnEnded(edited.turnId)).toMatchObject({ status: 'done' })
    // The edit of the first prompt is sent alone: nothing came before it.
    expect(textsSent(requestsTo(fake, prefix).at(-1)!)).toEqual(['edited opener'])
    let view = await shown(sessionId)
    expect(texts(view)).toEqual(['edited opener', 'answer to the edit'])
    expect(view[0]!.versions).toEqual({ index: 1, count: 2, siblingIds: [u1!.id, edited.messageId] })
    expect(view[1]!.versions).toBeUndefined()
    // The branch ends at the reply: no version waits below it (no "other replies" link on the last message).
    expect(view[1]!.replyVersions).toBeUndefined()
    // A page holding only the first message (a search hit opened with a page of one) shows its navigator too.
    const alone = await h.call('sessions.open', { id: sessionId, around: edited.messageId, limit: 1 })
    expect(texts(alone.messages)).toEqual(['edited opener'])
    expect(alone.messages[0]!.versions).toEqual({ index: 1, count: 2, siblingIds: [u1!.id, edited.messageId] })

    await h.call('sessions.selectBranch', { sessionId, messageId: u1!.id })
    view = await shown(sessionId)
    expect(texts(view)[0]).toBe('original opener')
    expect(texts(view)[2]).toBe('follow-up')
    expect(view[0]!.versions).toEqual({ index: 0, count: 2, siblingIds: [u1!.id, edited.messageId] })
    await turn(h.call('chat.send', { sessionId, text: 'after switching back' }))
    const sent = textsSent(requestsTo(fake, prefix).at(-1)!)
    expect(sent[0]).toBe('original opener')
    expect(sent).not.toContain('edited opener')
    expect(sent.at(-1)).toBe('after switching back')
  })
})
