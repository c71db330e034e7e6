// What an agent session's history puts on the wire (agents/agent-steps.ts, buildWireHistory): each step that made
// calls once, its calls then its results, between the turn's question and its reply; nothing for a step that made
// none; the calls of a turn that failed after them right after its question, before the next one; and, on
// Anthropic, the error flag on exactly the results of calls that did not succeed; and the steps of a continuation
// (a turn with no question of its own, after a crash) on every later step and before its reply; and no blank assistant
// message for a reply that was only whitespace (kept in the session, not sent). Real core, real
// files, a real SIGKILL, the recording fake provider (strict tool pairing on).
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { sessionToCrash } from '../support/agent-sessions'
import { gatedTool } from '../support/agent-tools'
import { CHILD_PROCESS_TIMEOUT_MS, crashDuringTool } from '../support/crash'
import { readFileTool } from '../../src/main/core/tools/read-tools'
import { INTERRUPTED_RESULT } from '../../src/main/core/agents/tool-ledger'
import { RECOVERY_NOTE } from '../../src/main/core/agents/recovery'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** A session with a read-only agent profile (read_file runs without asking) on `a.txt` ("apple"), bound to `entryId`. */
async function readerSession(h: CoreHarness, entryId: string, model: string): Promise<string> {
  const workspace = fs.mkdtempSync(path.join(h.dataDir, 'ws-'))
  fs.writeFileSync(path.join(workspace, 'a.txt'), 'apple\n')
  await h.call('profiles.create', { name: 'Reader', tools: [{ source: 'builtin', name: 'read_file' }], approvals: [{ source: 'builtin', name: 'read_file', approval: 'allow' }], workspace })
  const s = await h.call('sessions.create', { profileId: 'reader' })
  await h.call('sessions.bind', { id: s.id, entryId, model })
  return s.id
}

async function send(h: CoreHarness, sessionId: string, text: string) {
  const since = h.mark()
  const { turnId } = await h.call('chat.send', { sessionId, text })
  return h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 15_000, since)
}

/** The Chat Completions messages of every request sent under `prefix`, in order. */
const chatSent = (prefix: string) =>
  fake
    .requests()
    .filter((r) => r.protocol === 'openai-chat' && r.path.startsWith(prefix))
    .map((r) => (r.body as { messages: unknown[] }).messages)

const callA = { id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }

describe("an agent turn's steps on the wire", () => {
  it('a step that made calls goes once, calls then results, between the question and the reply; a step without calls adds nothing', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-steps'), service)
    await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/steps-once/v1`, auth: 'none', defaultModel: 'm-1' })
    const sessionId = await readerSession(h, 'work', 'm-1')
    fake.sequence([
      { pathPrefix: '/steps-once', toolCalls: [{ id: 'call_a', name: 'read_file', arguments: { path: 'a.txt' } }] },
      { pathPrefix: '/steps-once', toolResultFor: 'call_a', reply: 'It says apple.' },
      { pathPrefix: '/steps-once', reply: 'Still apple.' },
    ])
    expect(await send(h, sessionId, 'read a.txt')).toMatchObject({ status: 'done' })
    expect(await send(h, sessionId, 'and now?')).toMatchObject({ status: 'done' })

    const [first, second, third] = chatSent('/steps-once')
    expect(chatSent('/steps-once')).toHaveLength(3)
    // The first step: the question alone (the step being sent has no calls yet, and puts nothing on the wire).
    expect(first).toEqual([{ role: 'user', content: 'read a.txt' }])
    // The second: the call, then its result, and no user text after the result (the results' message has none).
    expect(second).toHaveLength(3)
    expect(second.slice(0, 2)).toEqual([{ role: 'user', content: 'read a.txt' }, { role: 'assistant', content: null, tool_calls: [callA] }])
    expect(second[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_a' })
    expect((second[2] as { content: string }).content).toContain('apple')
    // The next turn: the earlier one whole, its reply once (its last step, which made no calls, is not sent again).
    expect(third).toEqual([...second, { role: 'assistant', content: 'It says apple.' }, { role: 'user', content: 'and now?' }])
    await h.close()
  })

  it('the calls of a turn that failed after them stay right after its question, before the next question', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-steps'), service)
    await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/steps-failed/v1`, auth: 'none', defaultModel: 'm-1' })
    const sessionId = await readerSession(h, 'work', 'm-1')
    fake.sequence([
      { pathPrefix: '/steps-failed', toolCalls: [{ id: 'call_a', name: 'read_file', arguments: { path: 'a.txt' } }] },
      { pathPrefix: '/steps-failed', toolResultFor: 'call_a', status: 400, message: 'this request is not accepted' },
      { pathPrefix: '/steps-failed', reply: 'Here I am.' },
    ])
    // The turn ends in an error after its call ran: it has no reply message, only its question and its step.
    expect(await send(h, sessionId, 'read a.txt')).toMatchObject({ status: 'error' })
    expect(await send(h, sessionId, 'try again')).toMatchObject({ status: 'done' })

    const sent = chatSent('/steps-failed')
    expect(sent).toHaveLength(3)
    const [, failed, next] = sent
    expect(failed.slice(0, 2)).toEqual([{ role: 'user', content: 'read a.txt' }, { role: 'assistant', content: null, tool_calls: [callA] }])
    expect(next).toEqual([...failed, { role: 'user', content: 'try again' }])
    await h.close()
  })

  it("on Anthropic a result is flagged is_error exactly when its call did not succeed", async () => {
    const h = await CoreHarness.open(tempDataDir('keel-steps'), service)
    await h.call('providers.create', { id: 'claude', name: 'Claude', kind: 'anthropic', baseUrl: `${fake.url}/steps-claude`, key: testKey('steps') })
    const sessionId = await readerSession(h, 'claude', 'claude-x')
    fake.sequence([
      {
        pathPrefix: '/steps-claude',
        toolCalls: [
          { id: 'toolu_found', name: 'read_file', arguments: { path: 'a.txt' } },
          { id: 'toolu_missing', name: 'read_file', arguments: { path: 'no-such-file.txt' } },
        ],
      },
      { pathPrefix: '/steps-claude', toolResultFor: 'toolu_missing', reply: 'One of them is missing.' },
    ])
    expect(await send(h, sessionId, 'read both')).toMatchObject({ status: 'done' })

    // The ledger's word on each call, as the window shows it.
    const finalState = (providerCallId: string) => h.events('chat').filter((e) => e.type === 'tool-call' && e.call.providerCallId === providerCallId).map((e) => (e.type === 'tool-call' ? e.call.state : null)).at(-1)
    expect(finalState('toolu_found')).toBe('succeeded')
    expect(finalState('toolu_missing')).toBe('failed')

    const requests = fake.requests().filter((r) => r.protocol === 'anthropic-messages' && r.path.startsWith('/steps-claude'))
    expect(requests).toHaveLength(2)
    const results = toolResultsSent(requests[1])
    expect(results.map((r) => r.callId)).toEqual(['toolu_found', 'toolu_missing'])
    expect(results[0].isError).toBeUndefined()
    expect(results[1].isError).toBe(true)
    await h.close()
  })

  it('a reply that was only whitespace is kept in the session but not sent back: no blank assistant message on the wire', async () => {
    const h = await CoreHarness.open(tempDataDir('keel-steps'), service)
    await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/steps-blank/v1`, auth: 'none', defaultModel: 'm-1' })
    const sessionId = await readerSession(h, 'work', 'm-1')
    fake.sequence([
      { pathPrefix: '/steps-blank', toolCalls: [{ id: 'call_a', name: 'read_file', arguments: { path: 'a.txt' } }] },
      // The step after the call answers with newlines and spaces only (models do this after a tool call).
      { pathPrefix: '/steps-blank', toolResultFor: 'call_a', reply: '\n\n  \n' },
      { pathPrefix: '/steps-blank', reply: 'It says apple.' },
    ])
    expect(await send(h, sessionId, 'read a.txt')).toMatchObject({ status: 'done' })
    // The blank reply is a message of the session (the window shows the turn's reply, whatever it is).
    const stored = await h.call('sessions.messages', { id: sessionId, limit: 10 })
    expect(stored.messages.map((m) => [m.role, m.content])).toEqual([['user', 'read a.txt'], ['assistant', '\n\n  \n']])
    expect(await send(h, sessionId, 'what does it say?')).toMatchObject({ status: 'done' })

    const sent = chatSent('/steps-blank')
    expect(sent).toHaveLength(3)
    const [, second, third] = sent
    // The next question follows the turn's call and result directly: the blank reply adds nothing to the wire.
    expect(shape(third)).toEqual(['user: read a.txt', 'calls call_a', 'result call_a', 'user: what does it say?'])
    expect(third).toEqual([...second, { role: 'user', content: 'what does it say?' }])
    await h.close()
  })
})

/** A Chat Completions history in short: each message's role and text, or the ids of its calls or of its result. */
type ChatMessageSent = { role: string; content: string | null; tool_calls?: { id: string }[]; tool_call_id?: string }
const shape = (messages: unknown[]) =>
  (messages as ChatMessageSent[]).map((m) =>
    m.tool_calls ? `calls ${m.tool_calls.map((c) => c.id).join(' ')}` : m.role === 'tool' ? `result ${m.tool_call_id}` : `${m.role}: ${m.content}`,
  )

describe("a continuation's steps on the wire", { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it("a continuation that made calls: they go on its next step, and later before its reply, not after the next question", async () => {
    const { dataDir, service: ownService, workspace, sessionId, prefix } = await sessionToCrash(fake, 'keel-steps-continued', 'openai-chat', { id: 'c', prefix: '/steps-continued', key: testKey('continued') })
    fs.writeFileSync(path.join(workspace, 'a.txt'), 'apple\n')
    fake.sequence([
      // The turn the crash cuts short (in the child process), during its call.
      { pathPrefix: prefix, toolCalls: [{ id: 'call_crash', name: 'slow_exec', arguments: { label: 'crash' } }] },
      // The continuation after the restart: a call of its own, then its reply.
      { pathPrefix: prefix, toolResultFor: 'call_crash', toolCalls: [{ id: 'call_a', name: 'read_file', arguments: { path: 'a.txt' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_a', reply: 'It says apple.' },
      { pathPrefix: prefix, reply: 'Still apple.' },
    ])
    await crashDuringTool(dataDir, ownService, sessionId, workspace)

    const { tool } = gatedTool('slow_exec', dataDir, 'execute')
    const h = await CoreHarness.open(dataDir, ownService, { toolSet: () => ({ tools: [tool, readFileTool], workspace, approval: () => 'allow' }) })
    try {
      // The automatic continuation (same identity), a turn with no message of the user's.
      const continued = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId)
      expect(continued).toMatchObject({ status: 'done', error: null })
      expect(await send(h, sessionId, 'and now?')).toMatchObject({ status: 'done' })

      const sent = chatSent(prefix)
      expect(sent).toHaveLength(4)
      const [, first, second, next] = sent
      expect(shape(first)).toEqual(['user: run the slow command', 'calls call_crash', 'result call_crash', `user: ${RECOVERY_NOTE}`])
      expect(first[2]).toMatchObject({ content: INTERRUPTED_RESULT })
      // Its second step carries its own call and result (the continuation has no reply yet, nor a question).
      expect(shape(second)).toEqual(['user: run the slow command', 'calls call_crash', 'result call_crash', 'calls call_a', 'result call_a'])
      expect((second[4] as ChatMessageSent).content).toContain('apple')
      // The next question: the continuation's steps stay before its reply, and the question comes last.
      expect(next).toEqual([...second, { role: 'assistant', content: 'It says apple.' }, { role: 'user', content: 'and now?' }])
    } finally {
      await h.close()
    }
  })
})
