// A session's agent profile reaches the wire and the agent loop (issue #9), on the real core, a real SQLite file,
// real files in a temp workspace and the recording fake provider, with no test hook for the tool set: the
// "Workspace agent" profile (duplicated onto a workspace) offers its built-in tools and sends its instructions as the
// system prompt; a read runs without asking, an edit waits for approval and changes the file once approved. A Chat
// session's request has neither tools nor a system prompt. Parameters go on each API's wire only when set; a
// profile whose workspace is missing refuses the turn, naming the folder, and sends nothing.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUILTIN_PROFILES, WORKSPACE_AGENT_PROFILE_ID } from '../../src/shared/agent-profiles'
import { toolResultsSent } from '../fake-provider/server'
import type { RecordedRequest } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()
const AGENT_INSTRUCTIONS = BUILTIN_PROFILES.find((p) => p.id === WORKSPACE_AGENT_PROFILE_ID)!.instructions

type Body = Record<string, unknown> & { messages?: Array<{ role: string; content: unknown }>; tools?: Array<Record<string, unknown>> }
const bodyOf = (r: RecordedRequest) => r.body as Body

/** A core (no toolSet hook: the profile decides) with one keyless Chat Completions entry as the app default. */
async function open() {
  const dataDir = tempDataDir('keel-profile-wiring')
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, auth: 'none', defaultModel: 'm-1' })
  return { dataDir, h }
}

async function sendAndFinish(h: CoreHarness, sessionId: string, text: string) {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
}

describe('agent profiles on the wire', () => {
  it('a Workspace agent session offers its tools and instructions; a read runs at once, an edit waits for approval and then changes the file', async () => {
    const { dataDir, h } = await open()
    const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    fs.writeFileSync(path.join(workspace, 'notes.txt'), 'hello world\n')
    const agent = await h.call('profiles.duplicate', { id: WORKSPACE_AGENT_PROFILE_ID, name: 'My agent' })
    await h.call('profiles.update', { id: agent.id, patch: { workspace } })
    const s = await h.call('sessions.create', { profileId: agent.id })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })

    fake.sequence([
      { toolCalls: [{ id: 'call_read', name: 'read_file', arguments: { path: 'notes.txt' } }] },
      { toolResultFor: 'call_read', toolCalls: [{ id: 'call_edit', name: 'edit_file', arguments: { path: 'notes.txt', old_string: 'hello world', new_string: 'hello Keel' } }] },
      { toolResultFor: 'call_edit', reply: 'Changed it.' },
    ])
    const since = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'fix the greeting' })
    const waiting = await h.waitFor('chat', (e) => e.type === 'tool-call' && e.call.state === 'awaiting-approval', 15_000, since)
    if (waiting.type !== 'tool-call') throw new Error('unreachable')
    expect(waiting.call).toMatchObject({ toolName: 'edit_file', providerCallId: 'call_edit' })

    // The first request: the profile's tools and its instructions as the system message, then the user's text.
    const [first, second] = fake.requests()
    const names = (bodyOf(first!).tools ?? []).map((t) => (t.function as { name: string }).name)
    expect(names).toEqual(expect.arrayContaining(['list_files', 'read_file', 'search_files', 'write_file', 'edit_file']))
    expect(bodyOf(first!).messages![0]).toEqual({ role: 'system', content: AGENT_INSTRUCTIONS })
    expect(bodyOf(first!).messages![1]).toMatchObject({ role: 'user', content: 'fix the greeting' })
    // The read ran without asking: its result (the file's text) went back in the second request.
    expect(toolResultsSent(second!).find((r) => r.callId === 'call_read')?.content).toContain('hello world')
    expect(h.events('chat').some((e) => e.type === 'tool-call' && e.call.providerCallId === 'call_read' && e.call.state === 'awaiting-approval')).toBe(false)

    // The edit waits: the session needs approval and the file is untouched until the user approves.
    const [summary] = await h.call('sessions.summaries', { ids: [s.id] })
    expect(summary!.needsApproval).toBe(true)
    expect(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('hello world\n')
    const approvedAt = h.mark()
    await h.call('tools.approve', { callId: waiting.call.id, scope: 'once' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 15_000, approvedAt)).toMatchObject({ status: 'done' })
    expect(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8')).toBe('hello Keel\n')
    // Every step of the turn carried the system prompt.
    for (const r of fake.requests()) expect(bodyOf(r).messages![0]).toEqual({ role: 'system', content: AGENT_INSTRUCTIONS })
    await h.close()
  })

  it("a profile's approval defaults for built-in tools decide over the effect's: its write runs without asking, its read asks", async () => {
    // The opposite of the effect defaults (a read runs, a write asks), so each call shows the profile was asked.
    const { dataDir, h } = await open()
    const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    fs.writeFileSync(path.join(workspace, 'notes.txt'), 'hello world\n')
    await h.call('profiles.create', {
      name: 'Scribe',
      tools: [
        { source: 'builtin', name: 'read_file' },
        { source: 'builtin', name: 'write_file' },
      ],
      approvals: [
        { source: 'builtin', name: 'write_file', approval: 'allow' },
        { source: 'builtin', name: 'read_file', approval: 'ask' },
      ],
      workspace,
    })
    const s = await h.call('sessions.create', { profileId: 'scribe' })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    fake.sequence([
      {
        toolCalls: [
          { id: 'call_write', name: 'write_file', arguments: { path: 'todo.txt', content: 'buy milk\n' } },
          { id: 'call_read', name: 'read_file', arguments: { path: 'notes.txt' } },
        ],
      },
    ])
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'write the list, then read the notes' })
    expect(await h.turnEnded(turnId)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const rows = (await h.call('sessions.open', { id: s.id })).toolCalls ?? []
    expect(rows.map((c) => [c.toolName, c.state])).toEqual([
      ['write_file', 'succeeded'],
      ['read_file', 'awaiting-approval'],
    ])
    expect(fs.readFileSync(path.join(workspace, 'todo.txt'), 'utf8')).toBe('buy milk\n')
    expect(h.events('chat').some((e) => e.type === 'tool-call' && e.call.providerCallId === 'call_write' && e.call.state === 'awaiting-approval')).toBe(false)
    await h.call('chat.stop', { sessionId: s.id })
    await h.close()
  })

  it('a Chat session sends no tools, no system prompt and no parameters (the wire of a plain chat)', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', {})
    expect(s.profile.id).toBe('chat')
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    await sendAndFinish(h, s.id, 'hi')
    const body = bodyOf(fake.requests().at(-1)!)
    // stream_options asks Chat Completions for usage in the stream (issue #11); nothing of a profile is sent.
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'stream', 'stream_options'])
    expect(body.stream_options).toEqual({ include_usage: true })
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }])
    await h.close()
  })

  it('temperature, max output tokens and reasoning effort go on each API’s wire when the profile sets them, and not when it does not', async () => {
    const { h } = await open()
    await h.call('providers.create', { id: 'claude', name: 'Claude', kind: 'anthropic', baseUrl: `${fake.url}/anthropic`, key: testKey('claude') })
    await h.call('providers.create', { id: 'oai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai') })
    await h.call('profiles.create', { name: 'Tuned', instructions: 'Be terse.', parameters: { temperature: 0.3, maxOutputTokens: 1234, reasoningEffort: 'low' } })
    await h.call('profiles.create', { name: 'Plain' })
    const requestFor = async (profileId: string, entryId: string, model: string) => {
      const s = await h.call('sessions.create', { profileId })
      await h.call('sessions.bind', { id: s.id, entryId, model })
      await sendAndFinish(h, s.id, 'ping')
      return fake.requests().at(-1)!
    }

    const chat = bodyOf(await requestFor('tuned', 'work', 'm-1'))
    expect(chat).toMatchObject({ temperature: 0.3, max_tokens: 1234, reasoning_effort: 'low' })
    expect(chat.messages![0]).toEqual({ role: 'system', content: 'Be terse.' })
    const responses = await requestFor('tuned', 'oai', 'gpt-5.5')
    expect(responses.protocol).toBe('openai-responses')
    expect(bodyOf(responses)).toMatchObject({ instructions: 'Be terse.', temperature: 0.3, max_output_tokens: 1234, reasoning: { effort: 'low' } })
    const anthropic = await requestFor('tuned', 'claude', 'claude-test-1')
    expect(anthropic.protocol).toBe('anthropic-messages')
    expect(bodyOf(anthropic)).toMatchObject({ system: 'Be terse.', temperature: 0.3, max_tokens: 1234 })
    expect(bodyOf(anthropic)).not.toHaveProperty('reasoning')

    const plainChat = bodyOf(await requestFor('plain', 'work', 'm-1'))
    for (const k of ['temperature', 'max_tokens', 'max_completion_tokens', 'reasoning_effort']) expect(plainChat).not.toHaveProperty(k)
    expect(plainChat.messages![0]).toMatchObject({ role: 'user' })
    const plainResponses = bodyOf(await requestFor('plain', 'oai', 'gpt-5.5'))
    for (const k of ['temperature', 'max_output_tokens', 'reasoning', 'instructions']) expect(plainResponses).not.toHaveProperty(k)
    const plainAnthropic = bodyOf(await requestFor('plain', 'claude', 'claude-test-1'))
    for (const k of ['temperature', 'system']) expect(plainAnthropic).not.toHaveProperty(k)
    // Anthropic requires max_tokens: without a profile setting, Keel's default.
    expect(plainAnthropic.max_tokens).toBe(4096)
    await h.close()
  })

  it('a profile with tools whose workspace is missing refuses the turn, naming the folder and where to set it, and sends nothing', async () => {
    const { dataDir, h } = await open()
    const gone = path.join(dataDir, 'moved-away')
    await h.call('profiles.create', { name: 'Lost', tools: [{ source: 'builtin', name: 'read_file' }], workspace: gone })
    await h.call('profiles.create', { name: 'Nowhere', tools: [{ source: 'builtin', name: 'read_file' }] })
    for (const profileId of ['lost', 'nowhere']) {
      const s = await h.call('sessions.create', { profileId })
      await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
      const refused = await h.fail('chat.send', { sessionId: s.id, text: 'read it' })
      expect(refused).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
      expect(refused.fix).toMatch(/Settings → Agents/)
      if (profileId === 'lost') expect(refused.message).toContain(gone)
      else expect(refused.message).toMatch(/Nowhere.*no workspace folder/)
      // Nothing was stored as sent: the session has no messages.
      expect((await h.call('sessions.open', { id: s.id })).messages).toEqual([])
    }
    // The built-in Workspace agent has no workspace and cannot be edited: the fix says to choose the session's own
    // folder in the session header, or to work on a copy.
    const builtin = await h.call('sessions.create', { profileId: WORKSPACE_AGENT_PROFILE_ID })
    await h.call('sessions.bind', { id: builtin.id, entryId: 'work', model: 'm-1' })
    const onBuiltin = await h.fail('chat.send', { sessionId: builtin.id, text: 'read it' })
    expect(onBuiltin).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(onBuiltin.message).toContain('Choose a workspace folder for this session (session header → Workspace)')
    expect(onBuiltin.fix).toMatch(/duplicate "Workspace agent"/)
    expect(fake.requests()).toEqual([])
    await h.close()
  })
})
