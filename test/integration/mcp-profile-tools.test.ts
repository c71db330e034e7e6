// How a profile's `mcp:<id>` items meet the rest of its tool set (issue #10; written for the mutants of
// profile-tool-set.ts and agent-steps.ts that the agents group's tests left alive, issue #13). On the real core, a real
// SQLite file and the recording fake provider, with tools served by REAL SDK MCP servers (test/support/sdk-mcp-runtime.ts).
// What a user would notice: a profile whose workspace folder is gone refuses the turn even when it offers MCP tools
// only (the folder is still theirs to fix), and a server tool named like a built-in one is the tool that runs when
// its call is approved — not the built-in one writing into the workspace.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { profileToolSet } from '../../src/main/core/agents/profile-tool-set'
import type { ProfileTool, ResolvedSessionProfile } from '../../src/main/core/agents/profiles'
import { KeelError } from '../../src/main/core/errors'
import type { ToolSetItem } from '../../src/shared/agent-profiles'
import { toolNamesOffered } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { mcpEntry, writeAgentConfig } from '../support/mcp-servers'
import { SdkMcpRuntime, closedAfterEach, echoTool, type SdkTool } from '../support/sdk-mcp-runtime'

const fake = fakeProviderForFile()
const opened = closedAfterEach<CoreHarness>()
const echo = echoTool

/** The real core whose one session gets its tools from profileToolSet: `builtins` and the items over `tools`. */
async function setUp(tools: SdkTool[] | Record<string, SdkTool[]>, items: ToolSetItem[], opts: { builtins?: ProfileTool[]; workspace?: string | null } = {}) {
  const runtime = new SdkMcpRuntime()
  const defs = Array.isArray(tools) ? { tools } : tools
  for (const [id, t] of Object.entries(defs)) runtime.define(id, t)
  const dataDir = tempDataDir('keel-mcp-profile-tools')
  const servers = Object.keys(defs).map((id) => mcpEntry({ id, name: id[0]!.toUpperCase() + id.slice(1), transport: { type: 'stdio', command: process.execPath, args: [`${id}-server.js`] } }))
  const prefix = `/mcp-pt-${Math.random().toString(36).slice(2, 8)}`
  writeAgentConfig(dataDir, `${fake.url}${prefix}/v1`, { id: 'tools-agent', name: 'Tools agent', tools: items }, servers)
  const profile: ResolvedSessionProfile = {
    missing: false,
    id: 'tools-agent',
    name: 'Tools agent',
    revision: 'r',
    instructions: '',
    binding: { mode: 'follow-default' },
    parameters: {},
    tools: opts.builtins ?? [],
    toolSet: items,
    approvals: [],
    stepLimit: 25,
    workspace: opts.workspace ?? null,
  }
  const h = await CoreHarness.open(dataDir, testKeychainService(), {
    toolSet: () => profileToolSet(profile, null, { runtime, entry: (id) => servers.find((e) => e.id === id) }),
  })
  opened.push({ h, runtime })
  const session = await h.call('sessions.create', { profileId: 'tools-agent' })
  const requests = () => fake.requests().filter((r) => r.path.startsWith(`${prefix}/`) && r.protocol !== 'models')
  return { h, runtime, sessionId: session.id, requests }
}

describe("a profile's MCP tools next to its workspace and built-in tools", () => {
  it('a profile of MCP tools only whose workspace folder is gone refuses the turn, naming the folder, before anything is sent', async () => {
    const gone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keel-gone-')), 'moved-away')
    const s = await setUp([echo], [{ source: 'mcp:tools', name: '*' }], { workspace: gone })
    const err = await s.h.fail('chat.send', { sessionId: s.sessionId, text: 'echo please' })
    expect(err).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(err.message).toContain(`The workspace folder "${gone}"`)
    expect(err.message).toContain('Nothing was sent.')
    expect(s.requests()).toEqual([])
    expect((await s.h.call('sessions.open', { id: s.sessionId })).messages).toEqual([])
  })

  it('a server tool named like a built-in one: approving its call runs the server tool, and the built-in one writes nothing', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-ws-'))
    const saved: string[] = []
    const serverWrite: SdkTool = {
      name: 'write_file',
      description: 'Saves a note on the server',
      inputSchema: { path: z.string(), content: z.string() },
      annotations: { destructiveHint: true },
      handler: async (args) => {
        saved.push(`${String(args.path)}=${String(args.content)}`)
        return { content: [{ type: 'text', text: `saved ${String(args.path)} on the server` }] }
      },
    }
    const s = await setUp(
      [serverWrite],
      [
        { source: 'builtin', name: 'write_file' },
        { source: 'mcp:tools', name: '*' },
      ],
      { builtins: [{ source: 'builtin', name: 'write_file', effect: 'write', approval: 'ask' }], workspace },
    )
    fake.sequence([{ toolCalls: [{ name: 'tools__write_file', id: 'call_srv', arguments: { path: 'note.txt', content: 'hello' } }] }, { toolResultFor: 'call_srv', reply: 'Saved.' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'save a note' })
    const asked = await s.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000)
    expect(asked).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const [row] = (await s.h.call('sessions.open', { id: s.sessionId })).toolCalls ?? []
    expect(row).toMatchObject({ source: 'mcp:tools', toolName: 'write_file', state: 'awaiting-approval' })

    const since = s.h.mark()
    await s.h.call('tools.approve', { callId: row!.id, scope: 'once' })
    expect(await s.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000, since)).toMatchObject({ status: 'done' })
    expect(saved).toEqual(['note.txt=hello'])
    expect(fs.readdirSync(workspace)).toEqual([])
    const [done] = (await s.h.call('sessions.open', { id: s.sessionId })).toolCalls ?? []
    expect(done).toMatchObject({ source: 'mcp:tools', state: 'succeeded', resultPreview: 'saved note.txt on the server' })
  })

  it('two servers that go away during a turn are both named in one notice, and the next step goes on without their tools', async () => {
    let runtime: SdkMcpRuntime | null = null
    // The tool answers, and meanwhile both servers become unusable (their launch changed, say): the next step
    // cannot start either of them again.
    const leave: SdkTool = {
      name: 'leave',
      annotations: { readOnlyHint: true },
      handler: async () => {
        runtime!.refuse('notes', KeelError.of('conflict', 'Notes changed its launch; trust it again.'))
        runtime!.refuse('files', KeelError.of('conflict', 'Files changed its launch; trust it again.'))
        return { content: [{ type: 'text', text: 'left' }] }
      },
    }
    const s = await setUp({ notes: [leave], files: [echo] }, [
      { source: 'mcp:notes', name: '*' },
      { source: 'mcp:files', name: '*' },
    ])
    runtime = s.runtime
    fake.sequence([{ toolCalls: [{ name: 'notes__leave', id: 'call_leave', arguments: {} }] }, { toolResultFor: 'call_leave', reply: 'Both are gone.' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'leave' })
    expect(await s.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000)).toMatchObject({ status: 'done' })
    const [first, second] = s.requests()
    expect(toolNamesOffered(first!)).toEqual(['notes__leave', 'files__echo'])
    expect(toolNamesOffered(second!)).toEqual([])
    const notices = s.h.events('notice').filter((n) => n.sessionId === s.sessionId && n.level === 'warning')
    expect(notices.map((n) => n.text)).toEqual([
      'The MCP server "Notes" is not available: Notes changed its launch; trust it again. The MCP server "Files" is not available: Files changed its launch; trust it again. The turn goes on without its tools (they are offered again once it is back).',
    ])
  })

  it('a profile naming an MCP server that is not configured refuses the turn, saying where to add or remove it; nothing is sent', async () => {
    const s = await setUp([echo], [{ source: 'mcp:ghost', name: '*' }])
    const err = await s.h.fail('chat.send', { sessionId: s.sessionId, text: 'echo please' })
    expect(err).toMatchObject({
      kind: 'not-found',
      field: 'tools',
      message: 'The agent profile "Tools agent" uses the MCP server "ghost", which is not configured. Nothing was sent.',
      fix: 'Add the server in Settings → MCP servers, or remove it from "Tools agent" in Settings → Agents.',
    })
    expect(s.requests()).toEqual([])
    expect((await s.h.call('sessions.open', { id: s.sessionId })).messages).toEqual([])
  })

  it('a server that cannot start and has no fix of its own: the refusal names it, its profile and the reason, and says where to check it', async () => {
    const s = await setUp([echo], [{ source: 'mcp:tools', name: '*' }])
    s.runtime.refuse('tools', KeelError.of('internal', 'Its process exited with code 1 before it answered.'))
    const err = await s.h.fail('chat.send', { sessionId: s.sessionId, text: 'echo please' })
    expect(err).toMatchObject({
      kind: 'internal',
      message: 'The MCP server "Tools" (used by the agent profile "Tools agent") is not ready: Its process exited with code 1 before it answered. Nothing was sent.',
      fix: 'Check "Tools" in Settings → MCP servers.',
    })
    expect(s.requests()).toEqual([])
  })

  it("each server offers the tools its own items name (one server's named tool, another's all, \"*\" next to a named tool) at every step, and no notice while all are up", async () => {
    const remove: SdkTool = { name: 'remove', inputSchema: { item: z.string() }, annotations: { destructiveHint: true }, handler: async () => ({ content: [{ type: 'text', text: 'removed' }] }) }
    const s = await setUp({ notes: [echo, remove], files: [echo, remove], links: [echo, remove] }, [
      { source: 'mcp:notes', name: 'echo' },
      { source: 'mcp:files', name: '*' },
      { source: 'mcp:links', name: '*' },
      { source: 'mcp:links', name: 'echo' },
    ])
    fake.sequence([{ toolCalls: [{ name: 'notes__echo', id: 'call_echo', arguments: { message: 'hi' } }] }, { toolResultFor: 'call_echo', reply: 'Echoed.' }])
    const { turnId } = await s.h.call('chat.send', { sessionId: s.sessionId, text: 'hello' })
    expect(await s.h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000)).toMatchObject({ status: 'done' })
    const steps = s.requests()
    expect(steps).toHaveLength(2)
    // The same tools at both steps (the second step asks the servers again), and no notice: every server is up.
    for (const step of steps) {
      expect(((step.body as { tools: Array<{ function: { name: string } }> }).tools).map((t) => t.function.name)).toEqual([
        'notes__echo',
        'files__echo',
        'files__remove',
        'links__echo',
        'links__remove',
      ])
    }
    expect(s.h.events('notice').filter((n) => n.sessionId === s.sessionId)).toEqual([])
  })
})
