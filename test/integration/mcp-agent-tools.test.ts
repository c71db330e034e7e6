// MCP tools in the agent loop (issue #10), on the real core, a real SQLite file and the recording fake provider, with
// tools served by REAL SDK MCP servers (test/support/sdk-mcp-runtime.ts: the SDK's McpServer and Client over its
// in-memory transport). The session's tool set is built by profileToolSet from the profile's `mcp:<id>` items, and the
// core wraps it with the grants as for any session. What a user (or the model) would notice: the tools reach the
// provider under `<server>__<tool>` names with the server's schemas, results come back as the server's text, the
// server's annotations decide what asks, an approval kept "always" stops applying when the tool's schema changes,
// a server that cannot start refuses the turn before anything is sent, a server that dies mid-call answers the call
// (the ledger stays paired), and Stop cancels a call that is running on the server.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { profileToolSet } from '../../src/main/core/agents/profile-tool-set'
import type { ResolvedSessionProfile } from '../../src/main/core/agents/profiles'
import { KeelError } from '../../src/main/core/errors'
import { launchHash } from '../../src/main/core/mcp/launch'
import { mcpEffect, mcpWireName, toolWireName } from '../../src/main/core/tools/mcp-tool'
import type { ToolApproval, ToolSetItem } from '../../src/shared/agent-profiles'
import type { McpServerEntry } from '../../src/shared/mcp'
import type { ToolCallView } from '../../src/shared/domain'
import { toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { mcpEntry } from '../support/mcp-servers'
import { SdkMcpRuntime, closedAfterEach, echoTool, type SdkTool } from '../support/sdk-mcp-runtime'

const fake = fakeProviderForFile()
const opened = closedAfterEach<CoreHarness>()
const echo = echoTool
const getSum: SdkTool = {
  name: 'get-sum',
  description: 'Adds two numbers',
  inputSchema: { a: z.number(), b: z.number() },
  annotations: { readOnlyHint: true },
  handler: async (args) => ({ content: [{ type: 'text', text: `The sum of ${String(args.a)} and ${String(args.b)} is ${Number(args.a) + Number(args.b)}.` }] }),
}
const removed: string[] = []
const remove: SdkTool = {
  name: 'remove',
  description: 'Removes an item',
  inputSchema: { item: z.string() },
  annotations: { destructiveHint: true },
  handler: async (args) => {
    removed.push(String(args.item))
    return { content: [{ type: 'text', text: `removed ${String(args.item)}` }] }
  },
}
const lookUp: SdkTool = {
  name: 'look_up',
  description: 'Searches the web',
  inputSchema: { q: z.string() },
  annotations: { readOnlyHint: false, openWorldHint: true },
  handler: async () => ({ content: [{ type: 'text', text: 'found' }] }),
}

interface Setup {
  h: CoreHarness
  runtime: SdkMcpRuntime
  server: McpServerEntry
  sessionId: string
  profileId: string
  prefix: string
}

/** The real core whose sessions get their tools from profileToolSet over the SDK servers in `runtime`. */
async function setUp(tools: SdkTool[], items: ToolSetItem[] = [{ source: 'mcp:tools', name: '*' }], approvals: ToolApproval[] = [], api: 'openai-chat' | 'anthropic-messages' = 'openai-chat'): Promise<Setup> {
  const runtime = new SdkMcpRuntime()
  runtime.define('tools', tools)
  const dataDir = tempDataDir('keel-mcp-agent')
  // The server's entry lives in config.json as a user's would (its launch hash is what grants are tied to).
  const server = mcpEntry({ id: 'tools', name: 'Tools', transport: { type: 'stdio', command: process.execPath, args: ['tools-server.js'] } })
  const prefix = `/mcp-${Math.random().toString(36).slice(2, 8)}`
  // config.json as a user would write it: a provider (no key needed), the agent profile, the MCP server entry.
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [
        api === 'anthropic-messages'
          ? { id: 'work', name: 'Work', kind: 'anthropic', api, baseUrl: `${fake.url}${prefix}`, defaultModel: 'gpt-work', auth: 'none' }
          : { id: 'work', name: 'Work', kind: 'openai-compatible', api, baseUrl: `${fake.url}${prefix}/v1`, defaultModel: 'gpt-work', auth: 'none' },
      ],
      default: { entryId: 'work', model: 'gpt-work' },
      agentProfiles: [{ id: 'tools-agent', name: 'Tools agent', tools: items, approvals }],
      mcpServers: [server],
    }),
  )
  const profileId = 'tools-agent'
  const h = await CoreHarness.open(dataDir, testKeychainService(), {
    toolSet: (sessionId) => {
      void sessionId
      const profile: ResolvedSessionProfile = {
        missing: false,
        id: profileId,
        name: 'Tools agent',
        revision: 'r',
        instructions: '',
        binding: { mode: 'follow-default' },
        parameters: {},
        tools: [],
        toolSet: items,
        approvals,
        stepLimit: 25,
        workspace: null,
      }
      return profileToolSet(profile, null, { runtime, entry: (id) => (id === server.id ? server : undefined) })
    },
  })
  opened.push({ h, runtime })
  const session = await h.call('sessions.create', { profileId })
  return { h, runtime, server, sessionId: session.id, profileId, prefix }
}

const requests = (s: Setup) => fake.requests().filter((r) => r.path.startsWith(`${s.prefix}/`) && r.protocol !== 'models')
const ended = (s: Setup, turnId: string, since = 0) => s.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000, since)
const callEvent = (s: Setup, match: (c: ToolCallView) => boolean, since = 0) =>
  s.h.waitFor('chat', (e) => e.type === 'tool-call' && match(e.call), 10_000, since).then((e) => (e as { call: ToolCallView }).call)
async function calls(s: Setup): Promise<ToolCallView[]> {
  return (await s.h.call('sessions.open', { id: s.sessionId })).toolCalls ?? []
}

describe('wire names and effect classes of MCP tools', () => {
  it('are <server>__<tool>, kept to [A-Za-z0-9_-] and 64 characters, and never collide', () => {
    expect(mcpWireName('everything', 'get-sum')).toBe('everything__get-sum')
    expect(toolWireName('mcp:everything', 'echo')).toBe('everything__echo')
    expect(toolWireName('builtin', 'read_file')).toBe('read_file')
    const dotted = mcpWireName('fs', 'read.file')
    const underscored = mcpWireName('fs', 'read_file')
    expect(dotted).toMatch(/^fs__read_file_[0-9a-f]{8}$/)
    expect(underscored).toBe('fs__read_file')
    const long = 'x'.repeat(100)
    const a = mcpWireName('server', long)
    const b = mcpWireName('server', `${long}y`)
    for (const n of [a, b, dotted]) expect(n).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    expect(a).not.toBe(b)
    // A pure function: the same tool always has the same name (the history of earlier steps uses it).
    expect(mcpWireName('server', long)).toBe(a)
  })

  it('take the effect from the annotations: read-only reads, open-world reaches the network, anything else writes', () => {
    expect(mcpEffect({ readOnlyHint: true })).toBe('read')
    expect(mcpEffect({ readOnlyHint: true, openWorldHint: true })).toBe('read')
    expect(mcpEffect({ openWorldHint: true })).toBe('network')
    expect(mcpEffect({ destructiveHint: true })).toBe('write')
    expect(mcpEffect({})).toBe('write')
  })
})

describe('MCP tools in an agent turn', () => {
  it('offers the server tools under wire names with their schemas, runs echo and get-sum, and sends their results', async () => {
    const s = await setUp([echo, getSum])
    fake.sequence([
      { toolCalls: [{ name: 'tools__echo', id: 'call_echo', arguments: { message: 'hi' } }, { name: 'tools__get-sum', id: 'call_sum', arguments: { a: 2, b: 3 } }] },
      { toolResultFor: 'call_sum', reply: 'All done.' },
    ])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'echo and add' })
    expect(await ended(s, turnId)).toMatchObject({ status: 'done' })

    const [first, second] = requests(s)
    const offered = (first!.body as { tools: Array<{ function: { name: string; description: string; parameters: { properties: Record<string, unknown> } } }> }).tools
    expect(offered.map((t) => t.function.name)).toEqual(['tools__echo', 'tools__get-sum'])
    expect(offered[1]!.function.description).toBe('Adds two numbers')
    expect(Object.keys(offered[1]!.function.parameters.properties).sort()).toEqual(['a', 'b'])
    const results = toolResultsSent(second!)
    expect(results.map((r) => [r.callId, r.content])).toEqual([
      ['call_echo', 'Echo: hi'],
      ['call_sum', 'The sum of 2 and 3 is 5.'],
    ])
    // The assistant's calls in the history keep their wire names.
    const history = (second!.body as { messages: Array<{ tool_calls?: Array<{ function: { name: string } }> }> }).messages
    expect(history.flatMap((m) => m.tool_calls ?? []).map((c) => c.function.name)).toEqual(['tools__echo', 'tools__get-sum'])

    // The ledger names the tool by its reference: the server as source, the server's own tool name.
    const rows = await calls(s)
    expect(rows.map((c) => ({ source: c.source, toolName: c.toolName, effect: c.effect, state: c.state }))).toEqual([
      { source: 'mcp:tools', toolName: 'echo', effect: 'read', state: 'succeeded' },
      { source: 'mcp:tools', toolName: 'get-sum', effect: 'read', state: 'succeeded' },
    ])
    // Diagnostics: each step's offered tools, with the schema hashes the server's schemas have.
    const diag = await s.h.call('diagnostics.session', { id: s.sessionId })
    const listed = s.runtime.tools('tools')
    expect(diag.agent?.toolsOffered).toEqual(listed.map((t) => ({ source: 'mcp:tools', name: t.name, schemaHash: t.schemaHash })))
    expect(diag.agent?.lastTurn?.steps.map((st) => st.tools?.map((t) => t.name))).toEqual([
      ['echo', 'get-sum'],
      ['echo', 'get-sum'],
    ])
  })

  it('checks arguments against the server schema: a wrong type is answered at once and never reaches the server', async () => {
    let reached = 0
    const s = await setUp([{ ...getSum, handler: async (a) => ((reached += 1), getSum.handler(a, { signal: new AbortController().signal, sendProgress: async () => undefined })) }])
    fake.sequence([{ toolCalls: [{ name: 'tools__get-sum', id: 'call_bad', arguments: { a: 'two', b: 3 } }] }, { toolResultFor: 'call_bad', reply: 'I see.' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'add' })
    expect(await ended(s, turnId)).toMatchObject({ status: 'done' })
    const [row] = await calls(s)
    expect(row).toMatchObject({ state: 'failed', toolName: 'get-sum' })
    expect(row!.resultPreview).toMatch(/^Invalid arguments for get-sum: .*a.*number/)
    expect(reached).toBe(0)
  })

  it("the server's annotations choose the default: read-only runs, destructive and open-world ask; a profile setting overrides", async () => {
    const s = await setUp([echo, remove, lookUp])
    fake.sequence([
      {
        toolCalls: [
          { name: 'tools__echo', id: 'call_r', arguments: { message: 'x' } },
          { name: 'tools__remove', id: 'call_w', arguments: { item: 'a' } },
          { name: 'tools__look_up', id: 'call_n', arguments: { q: 'keel' } },
        ],
      },
      { toolResultFor: 'call_n', reply: 'ok' },
    ])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'go' })
    expect(await ended(s, turnId)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const rows = await calls(s)
    expect(rows.map((c) => [c.toolName, c.effect, c.state])).toEqual([
      ['echo', 'read', 'succeeded'],
      ['remove', 'write', 'awaiting-approval'],
      ['look_up', 'network', 'awaiting-approval'],
    ])
    expect(removed).not.toContain('a')
    await s.h.call('tools.deny', { callId: rows[2]!.id })
    const since = s.h.mark()
    await s.h.call('tools.approve', { callId: rows[1]!.id, scope: 'once' })
    expect(await ended(s, turnId, since)).toMatchObject({ status: 'done' })
    expect(removed).toContain('a')

    // The profile allows the server's destructive tool: it runs without asking.
    const allowed = await setUp([remove], [{ source: 'mcp:tools', name: '*' }], [{ source: 'mcp:tools', name: 'remove', approval: 'allow' }])
    fake.sequence([{ toolCalls: [{ name: 'tools__remove', id: 'call_p', arguments: { item: 'b' } }] }, { toolResultFor: 'call_p', reply: 'gone' }])
    const t2 = await allowed.h.call('chat.send', { sessionId: allowed.sessionId, text: 'remove b' })
    expect(await ended(allowed, t2.turnId)).toMatchObject({ status: 'done' })
    expect((await calls(allowed))[0]).toMatchObject({ state: 'succeeded' })
  })

  it('an image a tool returns goes to Anthropic in the tool_result (text and image block), at every later step too', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
    const picture: SdkTool = { name: 'picture', annotations: { readOnlyHint: true }, handler: async () => ({ content: [{ type: 'text', text: 'a dot' }, { type: 'image', data: png, mimeType: 'image/png' }] }) }
    const s = await setUp([picture, echo], undefined, undefined, 'anthropic-messages')
    fake.sequence([
      { toolCalls: [{ name: 'tools__picture', id: 'toolu_pic', arguments: {} }] },
      { toolResultFor: 'toolu_pic', toolCalls: [{ name: 'tools__echo', id: 'toolu_echo', arguments: { message: 'again' } }] },
      { toolResultFor: 'toolu_echo', reply: 'I saw a dot.' },
    ])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'draw' })
    expect(await ended(s, turnId)).toMatchObject({ status: 'done' })
    const [, second, third] = requests(s)
    for (const r of [second!, third!]) {
      const sent = toolResultsSent(r).find((x) => x.callId === 'toolu_pic')!
      expect(sent.content).toEqual([
        { type: 'text', text: expect.stringMatching(/^a dot\n\[The tool returned an image \(image\/png, \d+ bytes\)\.\]$/) },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
      ])
    }
    // The ledger (and so the transcript and search) holds the text only; the row says it has an image, and the
    // image itself comes from tools.images (the tool row's "Show image").
    const [row] = await calls(s)
    expect(row!.resultPreview).not.toContain(png)
    expect(row!.images).toBe(1)
    expect(await s.h.call('tools.images', { callId: row!.id })).toEqual({ images: [{ mimeType: 'image/png', data: png }] })
    expect(await s.h.fail('tools.images', { callId: '../../keel.db' })).toMatchObject({ kind: 'invalid-input', field: 'callId' })
    expect((await calls(s))[1]!.images).toBeUndefined()
  })

  it('a tool left out of the profile ("*" except it) is not offered', async () => {
    const s = await setUp([echo, remove], [{ source: 'mcp:tools', name: '*', except: ['remove'] }])
    fake.sequence([{ reply: 'fine' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'hi' })
    expect(await ended(s, turnId)).toMatchObject({ status: 'done' })
    const offered = (requests(s)[0]!.body as { tools: Array<{ function: { name: string } }> }).tools
    expect(offered.map((t) => t.function.name)).toEqual(['tools__echo'])
  })

  it('an "always" grant is tied to the server launch hash and the schema: after list_changed with a new schema it asks again', async () => {
    const s = await setUp([remove])
    fake.sequence([{ toolCalls: [{ name: 'tools__remove', id: 'call_1', arguments: { item: 'one' } }] }, { toolResultFor: 'call_1', reply: 'ok' }])
    const first = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'remove one' })
    const asked = await callEvent(s, (c) => c.providerCallId === 'call_1' && c.state === 'awaiting-approval')
    expect(asked).toMatchObject({ source: 'mcp:tools', toolName: 'remove' })
    const since = s.h.mark()
    await s.h.call('tools.approve', { callId: asked.id, scope: 'always' })
    expect(await ended(s, first.turnId, since)).toMatchObject({ status: 'done' })
    const oldHash = s.runtime.tools('tools')[0]!.schemaHash
    expect(await s.h.call('grants.list', {})).toEqual([
      expect.objectContaining({ source: 'mcp:tools', toolName: 'remove', schemaHash: oldHash, sourceConfigHash: launchHash(s.server), scope: 'always' }),
    ])

    // The grant applies: the next call runs without asking.
    fake.sequence([{ toolCalls: [{ name: 'tools__remove', id: 'call_2', arguments: { item: 'two' } }] }, { toolResultFor: 'call_2', reply: 'ok' }])
    const second = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'remove two' })
    expect(await ended(s, second.turnId)).toMatchObject({ status: 'done' })
    expect(removed).toContain('two')

    // The server changes the tool's input schema (notifications/tools/list_changed): the grant no longer applies.
    await s.runtime.replaceTool('tools', { ...remove, inputSchema: { item: z.string(), force: z.boolean().optional() } })
    expect(s.runtime.tools('tools')[0]!.schemaHash).not.toBe(oldHash)
    fake.sequence([{ toolCalls: [{ name: 'tools__remove', id: 'call_3', arguments: { item: 'three' } }] }, { toolResultFor: 'call_3', reply: 'ok' }])
    const mark = s.h.mark()
    const third = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'remove three' })
    const again = await callEvent(s, (c) => c.providerCallId === 'call_3' && c.state === 'awaiting-approval', mark)
    expect(again.toolName).toBe('remove')
    expect(removed).not.toContain('three')
    // And the new schema is what the model was offered.
    const offered = (requests(s).at(-1)!.body as { tools: Array<{ function: { parameters: { properties: Record<string, unknown> } } }> }).tools
    expect(Object.keys(offered[0]!.function.parameters.properties).sort()).toEqual(['force', 'item'])
    await s.h.call('chat.stop', { sessionId: s.sessionId })
    void third
  })

  // The tool set is listed afresh before every step after a turn's first (withGrants wraps what refresh hands back),
  // so a kept approval must still apply to a call the model makes in a later step (issue #13, grants.ts:230).
  it('a session grant still applies to a call in a later step of a turn, after the tools were listed afresh', async () => {
    removed.length = 0
    const s = await setUp([echo, remove])
    fake.sequence([{ toolCalls: [{ name: 'tools__remove', id: 'call_1', arguments: { item: 'one' } }] }, { toolResultFor: 'call_1', reply: 'ok' }])
    const first = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'remove one' })
    const asked = await callEvent(s, (c) => c.providerCallId === 'call_1' && c.state === 'awaiting-approval')
    let since = s.h.mark()
    await s.h.call('tools.approve', { callId: asked.id, scope: 'session' })
    expect(await ended(s, first.turnId, since)).toMatchObject({ status: 'done' })
    expect(await s.h.call('grants.list', {})).toEqual([expect.objectContaining({ source: 'mcp:tools', toolName: 'remove', scope: 'session', sessionId: s.sessionId })])

    // Step 0 reads (runs without asking); step 1, on the refreshed tool set, removes: the grant covers it.
    fake.sequence([
      { toolCalls: [{ name: 'tools__echo', id: 'call_2', arguments: { message: 'look first' } }] },
      { toolResultFor: 'call_2', toolCalls: [{ name: 'tools__remove', id: 'call_3', arguments: { item: 'two' } }] },
      { toolResultFor: 'call_3', reply: 'removed two' },
    ])
    since = s.h.mark()
    const second = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'look, then remove two' })
    expect(await ended(s, second.turnId, since)).toMatchObject({ status: 'done' })
    const states = (await calls(s)).map((c) => [c.providerCallId, c.step, c.state])
    expect(states).toEqual(expect.arrayContaining([['call_2', 0, 'succeeded'], ['call_3', 1, 'succeeded']]))
    expect(removed).toEqual(['one', 'two'])
  })

  it('a server that cannot start refuses the turn with its reason before anything is stored or sent', async () => {
    const s = await setUp([echo])
    s.runtime.refuse('tools', KeelError.of('conflict', 'The MCP server "Tools" is not trusted yet: nothing of it runs until you trust it.', { fix: 'Trust it in Settings → MCP servers.' }))
    const err = await s.h.fail('chat.send', { sessionId: s.sessionId, text: 'echo please' })
    expect(err).toMatchObject({ kind: 'conflict', fix: 'Trust it in Settings → MCP servers.' })
    expect(err.message).toContain('is not trusted yet')
    expect(err.message).toContain('Nothing was sent.')
    expect(requests(s)).toEqual([])
    const view = await s.h.call('sessions.open', { id: s.sessionId })
    expect(view.messages).toEqual([])
  })

  it('a server that dies mid-call answers the call failed, and the next step carries that result (the ledger stays paired)', async () => {
    let runtime: SdkMcpRuntime | null = null
    const crash: SdkTool = {
      name: 'crash',
      annotations: { readOnlyHint: true },
      handler: () => {
        setImmediate(() => void runtime!.kill('tools'))
        return new Promise(() => undefined)
      },
    }
    const s = await setUp([crash, echo])
    runtime = s.runtime
    fake.sequence([{ toolCalls: [{ name: 'tools__crash', id: 'call_x', arguments: {} }] }, { toolResultFor: 'call_x', reply: 'The server crashed.' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'crash it' })
    expect(await ended(s, turnId)).toMatchObject({ status: 'done' })
    const [row] = await calls(s)
    expect(row).toMatchObject({ toolName: 'crash', state: 'failed' })
    expect(row!.resultPreview).toMatch(/server exited/)
    const last = requests(s).at(-1)!
    expect(toolResultsSent(last)).toEqual([expect.objectContaining({ callId: 'call_x', content: expect.stringMatching(/server exited/) })])
    // The server is started again for the next step (it was offered again after it exited).
    expect(s.runtime.starts.get('tools')).toBe(2)
  })

  it('Stop cancels a call running on the server: the server sees the cancellation and the call ends cancelled', async () => {
    let markStarted: () => void = () => undefined
    const started = new Promise<void>((resolve) => (markStarted = resolve))
    let markCancelled: () => void = () => undefined
    const cancelled = new Promise<void>((resolve) => (markCancelled = resolve))
    const slow: SdkTool = {
      name: 'slow',
      annotations: { readOnlyHint: true },
      handler: (_args, extra) =>
        new Promise((_, reject) => {
          extra.signal.addEventListener('abort', () => {
            markCancelled()
            reject(new Error('cancelled'))
          })
          markStarted()
        }),
    }
    const s = await setUp([slow])
    fake.sequence([{ toolCalls: [{ name: 'tools__slow', id: 'call_s', arguments: {} }] }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'be slow' })
    await started
    await s.h.call('chat.stop', { sessionId: s.sessionId })
    expect(await ended(s, turnId)).toMatchObject({ status: 'stopped' })
    const [row] = await calls(s)
    expect(row).toMatchObject({ toolName: 'slow', state: 'cancelled' })
    // The server's handler saw the cancellation (notifications/cancelled), not only Keel's side giving up.
    await cancelled
  })
})
