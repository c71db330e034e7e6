// MCP tools in agent turns through the whole core (issue #10): servers added and trusted through the contract as
// Settings does, started by Keel's own runtime (McpServers) when a session's profile needs them, and turns driven by
// the recording fake provider. Real servers only: the reference everything and filesystem servers (stdio, started
// with this Node) and an in-test Streamable HTTP server built with the SDK. What is asserted is what reached the
// provider on the wire (tool definitions by wire name, result text), what the user sees (calls, their states,
// approvals) and what the server saw.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ToolCallView } from '../../src/shared/domain'
import { toolNamesOffered, toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, defaultHttpTools, startHttpMcpServer, type TestHttpMcpServer, type TestHttpTool } from '../support/mcp-servers'

const fake = fakeProviderForFile()
const cores: CoreHarness[] = []
const httpServers: TestHttpMcpServer[] = []
afterEach(async () => {
  for (const h of cores.splice(0)) await h.core.close()
  for (const s of httpServers.splice(0)) await s.close()
})

interface Agent {
  h: CoreHarness
  dataDir: string
  sessionId: string
  prefix: string
}

/** A core with a provider on the fake, the given MCP servers added (and trusted unless said), and a session on a profile using them. */
async function agentWith(servers: Array<{ name: string; transport: unknown; trust?: boolean; timeoutMs?: number; tools?: Array<{ name: string; except?: string[] }> }>): Promise<Agent> {
  const dataDir = tempDataDir('keel-mcp-agent')
  const h = await CoreHarness.open(dataDir, testKeychainService())
  cores.push(h)
  const prefix = `/mcpa-${Math.random().toString(36).slice(2, 8)}`
  await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}${prefix}/v1`, defaultModel: 'gpt-work', key: testKey('work') })
  const items: Array<{ source: string; name: string; except?: string[] }> = []
  for (const s of servers) {
    const view = await h.call('mcp.create', { name: s.name, transport: s.transport, ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}) } as never)
    if (s.trust !== false) await h.call('mcp.trust', { id: view.entry.id, launchHash: view.launchHash })
    for (const t of s.tools ?? [{ name: '*' }]) items.push({ source: `mcp:${view.entry.id}`, ...t })
  }
  const profile = await h.call('profiles.create', { name: 'MCP agent', tools: items } as never)
  const session = await h.call('sessions.create', { profileId: profile.id })
  return { h, dataDir, sessionId: session.id, prefix }
}

const requests = (a: Agent) => fake.requests().filter((r) => r.path.startsWith(`${a.prefix}/`) && r.protocol !== 'models')
const ended = (a: Agent, turnId: string, since = 0) => a.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 30_000, since)
const callIn = (a: Agent, match: (c: ToolCallView) => boolean, since = 0) =>
  a.h.waitFor('chat', (e) => e.type === 'tool-call' && match(e.call), 30_000, since).then((e) => (e as { call: ToolCallView }).call)
const calls = async (a: Agent) => (await a.h.call('sessions.open', { id: a.sessionId })).toolCalls ?? []

const everything = { name: 'Everything', transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] } }

describe('MCP tools in agent turns (Keel runtime, real servers)', () => {
  it("everything's echo and get-sum: offered by wire name with the server's schema, called, and their results sent back", async () => {
    const a = await agentWith([everything])
    fake.sequence([
      {
        toolCalls: [
          { name: 'everything__echo', id: 'call_echo', arguments: { message: 'hello from Keel' } },
          { name: 'everything__get-sum', id: 'call_sum', arguments: { a: 2, b: 40 } },
          { name: 'everything__get-tiny-image', id: 'call_image', arguments: {} },
        ],
      },
      { toolResultFor: 'call_image', reply: 'Done.' },
    ])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'echo and add' })
    expect(await ended(a, turnId)).toMatchObject({ status: 'done' })
    const [first, second] = requests(a)
    const names = toolNamesOffered(first!)
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum', 'everything__trigger-long-running-operation']))
    const sum = (first!.body as { tools: Array<{ function: { name: string; parameters: Record<string, unknown> } }> }).tools.find((t) => t.function.name === 'everything__get-sum')!
    expect(sum.function.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } })
    expect(sum.function.parameters).not.toHaveProperty('$schema')
    const results = toolResultsSent(second!)
    expect(results.map((r) => r.callId)).toEqual(['call_echo', 'call_sum', 'call_image'])
    expect(results[0]!.content).toBe('Echo: hello from Keel')
    expect(String(results[1]!.content)).toContain('42')
    // An image is named (type and size), never inlined as base64 text; Chat Completions takes no image in a tool
    // result, so the model is told it was not passed (Anthropic gets it: mcp-agent-tools.test.ts).
    expect(String(results[2]!.content)).toMatch(/\[The tool returned an image \(image\/png, [\d,]+ bytes\)\.\]/)
    expect(String(results[2]!.content)).toMatch(/\n\[The image is not passed to the model: this API takes no images in tool results\.\]$/)
    expect(String(results[2]!.content)).not.toMatch(/[A-Za-z0-9+/]{200}/)
    expect((await calls(a)).map((c) => [c.source, c.toolName, c.effect, c.state])).toEqual([
      ['mcp:everything', 'echo', 'read', 'succeeded'],
      ['mcp:everything', 'get-sum', 'read', 'succeeded'],
      ['mcp:everything', 'get-tiny-image', 'read', 'succeeded'],
    ])
    // Settings → Agents can offer the running server's tools, grouped under its name.
    const options = (await a.h.call('profiles.list', {})).tools.filter((t) => t.source === 'mcp:everything')
    expect(options).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'echo', effect: 'read', group: 'Everything' })]))
  })

  it("the filesystem server's annotations drive approval: read_text_file runs, write_file waits and writes only once allowed", async () => {
    const dir = fs.realpathSync(tempDataDir('keel-mcp-files'))
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'first line\n')
    const a = await agentWith([{ name: 'Files', transport: { type: 'stdio', command: process.execPath, args: [FILESYSTEM_SERVER, dir] } }])
    const target = path.join(dir, 'out.txt')
    fake.sequence([
      {
        toolCalls: [
          { name: 'files__read_text_file', id: 'call_read', arguments: { path: path.join(dir, 'notes.txt') } },
          { name: 'files__write_file', id: 'call_write', arguments: { path: target, content: 'written by the agent\n' } },
        ],
      },
      { toolResultFor: 'call_write', reply: 'Read and wrote.' },
    ])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'read then write' })
    const waiting = await callIn(a, (c) => c.providerCallId === 'call_write' && c.state === 'awaiting-approval')
    expect(waiting).toMatchObject({ source: 'mcp:files', toolName: 'write_file', effect: 'write' })
    expect(await ended(a, turnId)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const read = (await calls(a)).find((c) => c.providerCallId === 'call_read')!
    expect(read).toMatchObject({ state: 'succeeded', effect: 'read' })
    expect(read.resultPreview).toContain('first line')
    expect(fs.existsSync(target)).toBe(false)
    const since = a.h.mark()
    await a.h.call('tools.approve', { callId: waiting.id, scope: 'once' })
    expect(await ended(a, turnId, since)).toMatchObject({ status: 'done' })
    expect(fs.readFileSync(target, 'utf8')).toBe('written by the agent\n')
  })

  it('an untrusted server refuses the turn with the trust message before anything is stored or sent', async () => {
    const a = await agentWith([{ ...everything, trust: false }])
    const err = await a.h.fail('chat.send', { sessionId: a.sessionId, text: 'echo' })
    expect(err.message).toMatch(/trust/i)
    expect(err.message).toContain('Nothing was sent.')
    expect(requests(a)).toEqual([])
    expect((await a.h.call('sessions.open', { id: a.sessionId })).messages).toEqual([])
  })

  it('a server whose paged tool list repeats a tool (the list changed between pages) offers it once at every step', async () => {
    // A real stdio server (the SDK's low-level Server) that pages its tools/list: page 1 has echo, page 2 echo again
    // and note, as a list that grew at the front between the two requests does. Keel's runtime joins the pages; two
    // tools under one name would have the provider refuse the request (Anthropic: "Tool names must be unique").
    const sdk = path.resolve(import.meta.dirname, '../../node_modules/@modelcontextprotocol/sdk/dist/cjs')
    const script = [
      `const { Server } = require(${JSON.stringify(`${sdk}/server/index.js`)})`,
      `const { StdioServerTransport } = require(${JSON.stringify(`${sdk}/server/stdio.js`)})`,
      `const { ListToolsRequestSchema, CallToolRequestSchema } = require(${JSON.stringify(`${sdk}/types.js`)})`,
      `const echo = { name: 'echo', description: 'Echoes the message', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] }, annotations: { readOnlyHint: true } }`,
      `const note = { name: 'note', description: 'Reads the note', inputSchema: { type: 'object', properties: {} }, annotations: { readOnlyHint: true } }`,
      `const server = new Server({ name: 'paged', version: '1.0.0' }, { capabilities: { tools: {} } })`,
      `server.setRequestHandler(ListToolsRequestSchema, async (req) => (req.params && req.params.cursor === 'page-2' ? { tools: [echo, note] } : { tools: [echo], nextCursor: 'page-2' }))`,
      `server.setRequestHandler(CallToolRequestSchema, async (req) => ({ content: [{ type: 'text', text: 'Echo: ' + String((req.params.arguments || {}).message) }] }))`,
      `void server.connect(new StdioServerTransport())`,
    ].join('\n')
    const a = await agentWith([{ name: 'Paged', transport: { type: 'stdio', command: process.execPath, args: ['-e', script] } }])
    fake.sequence([{ toolCalls: [{ name: 'paged__echo', id: 'call_echo', arguments: { message: 'once' } }] }, { toolResultFor: 'call_echo', reply: 'Echoed.' }])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'echo once' })
    expect(await ended(a, turnId)).toMatchObject({ status: 'done' })
    const steps = requests(a)
    expect(steps).toHaveLength(2)
    for (const step of steps) expect(toolNamesOffered(step)).toEqual(['paged__echo', 'paged__note'])
    expect(toolResultsSent(steps[1]!).map((r) => [r.callId, r.content])).toEqual([['call_echo', 'Echo: once']])
    expect((await calls(a)).map((c) => [c.source, c.toolName, c.state])).toEqual([['mcp:paged', 'echo', 'succeeded']])
  })

  it('Stop while a long-running tool runs on the server: the call ends cancelled and the turn stops', async () => {
    const a = await agentWith([everything])
    fake.sequence([{ toolCalls: [{ name: 'everything__trigger-long-running-operation', id: 'call_long', arguments: { duration: 60, steps: 60 } }] }])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'take your time' })
    await callIn(a, (c) => c.providerCallId === 'call_long' && c.state === 'running')
    await a.h.call('chat.stop', { sessionId: a.sessionId })
    expect(await ended(a, turnId)).toMatchObject({ status: 'stopped' })
    const [row] = await calls(a)
    expect(row).toMatchObject({ toolName: 'trigger-long-running-operation', state: 'cancelled' })
  })
})

describe('MCP tools over Streamable HTTP (in-test SDK server)', () => {
  const remove = (schema: Record<string, z.ZodType>): TestHttpTool => ({
    name: 'remove',
    description: 'Removes an item',
    inputSchema: schema,
    annotations: { destructiveHint: true },
    handler: async (args) => ({ content: [{ type: 'text', text: `removed ${String(args.item)}` }] }),
  })

  it('an "always" approval stops applying when the server changes the tool schema (list_changed): it asks again', async () => {
    const server = await startHttpMcpServer({ tools: [remove({ item: z.string() })] })
    httpServers.push(server)
    const a = await agentWith([{ name: 'Remote', transport: { type: 'http', url: server.url } }])
    fake.sequence([{ toolCalls: [{ name: 'remote__remove', id: 'call_1', arguments: { item: 'one' } }] }, { toolResultFor: 'call_1', reply: 'ok' }])
    const first = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'remove one' })
    const asked = await callIn(a, (c) => c.providerCallId === 'call_1' && c.state === 'awaiting-approval')
    let since = a.h.mark()
    await a.h.call('tools.approve', { callId: asked.id, scope: 'always' })
    expect(await ended(a, first.turnId, since)).toMatchObject({ status: 'done' })
    const [grant] = await a.h.call('grants.list', {})
    expect(grant).toMatchObject({ source: 'mcp:remote', toolName: 'remove', scope: 'always' })

    fake.sequence([{ toolCalls: [{ name: 'remote__remove', id: 'call_2', arguments: { item: 'two' } }] }, { toolResultFor: 'call_2', reply: 'ok' }])
    const second = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'remove two' })
    expect(await ended(a, second.turnId)).toMatchObject({ status: 'done' })
    expect((await calls(a)).find((c) => c.providerCallId === 'call_2')).toMatchObject({ state: 'succeeded' })
    expect(server.callCount('remove')).toBe(2)

    // The server's tool gets a new input schema; the client hears list_changed and the runtime re-lists.
    const changed = a.h.mark()
    server.setTools([remove({ item: z.string(), force: z.boolean().optional() })])
    await a.h.waitFor('mcp', (e) => e.serverId === 'remote', 10_000, changed)
    fake.sequence([{ toolCalls: [{ name: 'remote__remove', id: 'call_3', arguments: { item: 'three' } }] }, { toolResultFor: 'call_3', reply: 'ok' }])
    since = a.h.mark()
    const third = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'remove three' })
    await callIn(a, (c) => c.providerCallId === 'call_3' && c.state === 'awaiting-approval', since)
    expect(server.callCount('remove')).toBe(2)
    await a.h.call('chat.stop', { sessionId: a.sessionId })
    await ended(a, third.turnId, since)
  })

  it('a kept approval is tied to the server launch: after the server entry changes (and is trusted again) the tool asks again', async () => {
    const server = await startHttpMcpServer({ tools: [remove({ item: z.string() })] })
    httpServers.push(server)
    const a = await agentWith([{ name: 'Remote', transport: { type: 'http', url: server.url } }])
    fake.sequence([{ toolCalls: [{ name: 'remote__remove', id: 'call_1', arguments: { item: 'one' } }] }, { toolResultFor: 'call_1', reply: 'ok' }])
    const first = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'remove one' })
    const asked = await callIn(a, (c) => c.providerCallId === 'call_1' && c.state === 'awaiting-approval')
    let since = a.h.mark()
    await a.h.call('tools.approve', { callId: asked.id, scope: 'session' })
    expect(await ended(a, first.turnId, since)).toMatchObject({ status: 'done' })

    // The user adds a plain header: what answers for the server changed, so trust and the kept approval go.
    const edited = await a.h.call('mcp.update', { id: 'remote', patch: { transport: { type: 'http', url: server.url, headers: { 'X-Team': 'blue' } } } })
    expect(edited.trusted).toBe(false)
    const refused = await a.h.fail('chat.send', { sessionId: a.sessionId, text: 'remove two' })
    expect(refused.message).toContain('Nothing was sent.')
    await a.h.call('mcp.trust', { id: 'remote', launchHash: edited.launchHash })
    fake.sequence([{ toolCalls: [{ name: 'remote__remove', id: 'call_2', arguments: { item: 'two' } }] }, { toolResultFor: 'call_2', reply: 'ok' }])
    since = a.h.mark()
    const second = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'remove two' })
    await callIn(a, (c) => c.providerCallId === 'call_2' && c.state === 'awaiting-approval', since)
    expect(server.callCount('remove')).toBe(1)
    await a.h.call('chat.stop', { sessionId: a.sessionId })
    await ended(a, second.turnId, since)
  })

  it("progress from the server keeps a call alive past the entry's timeout: it ends with its result", async () => {
    const server = await startHttpMcpServer({
      tools: [
        {
          name: 'steps',
          description: 'Works in steps, reporting progress',
          annotations: { readOnlyHint: true },
          // Sixteen steps of 250 ms: 4 s in all, past the 3 s timeout, but never more than 250 ms without progress
          // (a wide margin, so a loaded machine's pauses do not end it).
          handler: async (_args, extra) => {
            for (let i = 1; i <= 16; i++) {
              await new Promise((resolve) => setTimeout(resolve, 250))
              await extra.sendProgress(i, 16)
            }
            return { content: [{ type: 'text', text: 'all sixteen steps done' }] }
          },
        },
      ],
    })
    httpServers.push(server)
    const a = await agentWith([{ name: 'Remote', transport: { type: 'http', url: server.url }, timeoutMs: 3000 }])
    fake.sequence([{ toolCalls: [{ name: 'remote__steps', id: 'call_p', arguments: {} }] }, { toolResultFor: 'call_p', reply: 'Done.' }])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'work' })
    expect(await ended(a, turnId)).toMatchObject({ status: 'done' })
    expect((await calls(a))[0]).toMatchObject({ toolName: 'steps', state: 'succeeded', resultPreview: 'all sixteen steps done' })
  })

  it("a call the server never answers ends timed-out after the entry's timeout, and the model reads that", async () => {
    const server = await startHttpMcpServer({ tools: [] })
    httpServers.push(server)
    server.setTools(defaultHttpTools(() => server).filter((t) => t.name === 'hang'))
    const a = await agentWith([{ name: 'Remote', transport: { type: 'http', url: server.url }, timeoutMs: 1000 }])
    fake.sequence([{ toolCalls: [{ name: 'remote__hang', id: 'call_h', arguments: {} }] }, { toolResultFor: 'call_h', reply: 'It hung.' }])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'hang' })
    expect(await ended(a, turnId)).toMatchObject({ status: 'done' })
    const [row] = await calls(a)
    expect(row).toMatchObject({ toolName: 'hang', state: 'timed-out' })
    expect(toolResultsSent(requests(a).at(-1)!)).toEqual([expect.objectContaining({ callId: 'call_h', content: row!.resultPreview })])
  })

  it('a server that dies mid-call: the call is answered failed, the next step carries that result without the server tools, and a notice says why', async () => {
    let server: TestHttpMcpServer | null = null
    server = await startHttpMcpServer({
      tools: [
        {
          name: 'crash',
          description: 'Dies while answering',
          annotations: { readOnlyHint: true },
          handler: () => {
            setImmediate(() => server!.crash())
            return new Promise(() => undefined)
          },
        },
      ],
    })
    httpServers.push(server)
    const a = await agentWith([{ name: 'Remote', transport: { type: 'http', url: server.url } }])
    fake.sequence([{ toolCalls: [{ name: 'remote__crash', id: 'call_x', arguments: {} }] }, { toolResultFor: 'call_x', reply: 'It crashed.' }])
    const { turnId } = await a.h.call('chat.send', { sessionId: a.sessionId, text: 'crash' })
    expect(await ended(a, turnId)).toMatchObject({ status: 'done' })
    const [row] = await calls(a)
    expect(row).toMatchObject({ toolName: 'crash', state: 'failed' })
    expect(row!.resultPreview).toMatch(/closed|exited/)
    // The ledger stays paired: the next step carried the call's result, so the model could say what happened.
    const last = requests(a).at(-1)!
    expect(toolResultsSent(last)).toEqual([expect.objectContaining({ callId: 'call_x', content: row!.resultPreview })])
    // The server is gone, so that step went out without its tools, and the user was told why.
    expect(toolNamesOffered(last)).toEqual([])
    expect(a.h.events('notice').some((n) => n.sessionId === a.sessionId && n.level === 'warning' && n.text.includes('"Remote" is not available'))).toBe(true)
  })
})
