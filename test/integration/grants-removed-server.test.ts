// The approval of a call whose MCP server was removed from Settings while the model was answering (invariant 16;
// written for grants.ts's withGrants, whose unknown-source branch no test of the agents group reached, issue #13).
// Keel no longer knows the server's config, so no grant can apply to its tools: the profile's per-tool setting
// decides, as it would without grants (and the effect default where the profile says nothing). On the real core, a
// real SQLite file and the recording fake provider; the tools are served by a REAL SDK MCP server
// (test/support/sdk-mcp-runtime.ts), and the server entry is removed through the core's own `mcp.delete`.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { profileToolSet } from '../../src/main/core/agents/profile-tool-set'
import type { ResolvedSessionProfile } from '../../src/main/core/agents/profiles'
import type { ToolApproval } from '../../src/shared/agent-profiles'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { mcpEntry, writeAgentConfig } from '../support/mcp-servers'
import { SdkMcpRuntime, closedAfterEach, type SdkTool } from '../support/sdk-mcp-runtime'

const fake = fakeProviderForFile()
const opened = closedAfterEach<CoreHarness>()

/** What the server's tools were asked to do, in order. */
const ran: string[] = []
// Effects from the annotations: save writes, peek reads (mcp-tool.ts).
const save: SdkTool = {
  name: 'save',
  inputSchema: { note: z.string() },
  annotations: { destructiveHint: true },
  handler: async (args) => {
    ran.push(`save ${String(args.note)}`)
    return { content: [{ type: 'text', text: 'saved' }] }
  },
}
const peek: SdkTool = {
  name: 'peek',
  annotations: { readOnlyHint: true },
  handler: async () => {
    ran.push('peek')
    return { content: [{ type: 'text', text: 'nothing new' }] }
  },
}

/** A core whose one session runs as a profile offering the "notes" server's tools, with these approval settings. */
async function setUp(approvals: ToolApproval[]) {
  const runtime = new SdkMcpRuntime()
  runtime.define('notes', [save, peek])
  const dataDir = tempDataDir('keel-grants-removed')
  const notes = mcpEntry({ id: 'notes', name: 'Notes', transport: { type: 'stdio', command: process.execPath, args: ['notes-server.js'] } })
  const prefix = `/grants-removed-${Math.random().toString(36).slice(2, 8)}`
  writeAgentConfig(dataDir, `${fake.url}${prefix}/v1`, { id: 'notes-agent', name: 'Notes agent', tools: [{ source: 'mcp:notes', name: '*' }], approvals }, [notes])
  const profile: ResolvedSessionProfile = {
    missing: false,
    id: 'notes-agent',
    name: 'Notes agent',
    revision: 'r',
    instructions: '',
    binding: { mode: 'follow-default' },
    parameters: {},
    tools: [],
    toolSet: [{ source: 'mcp:notes', name: '*' }],
    approvals,
    stepLimit: 25,
    workspace: null,
  }
  // The tool set is the product's (profileToolSet), built at the turn's start while the entry still exists.
  const h = await CoreHarness.open(dataDir, testKeychainService(), {
    toolSet: () => profileToolSet(profile, null, { runtime, entry: (id) => (id === 'notes' ? notes : undefined) }),
  })
  opened.push({ h, runtime })
  const session = await h.call('sessions.create', { profileId: 'notes-agent' })
  return { h, sessionId: session.id }
}

/**
 * Sends a message answered by calls of save and peek; while that reply is held mid-stream (the tools were listed
 * already), the server is removed. Returns the calls' states once the turn ended or paused.
 */
async function callsAfterRemoval(approvals: ToolApproval[]) {
  ran.length = 0
  const { h, sessionId } = await setUp(approvals)
  fake.sequence([
    { toolCalls: [{ name: 'notes__save', id: 'call_save', arguments: { note: 'milk' } }, { name: 'notes__peek', id: 'call_peek', arguments: {} }], hold: 'removing' },
    { toolResults: true, reply: 'Done.' },
  ])
  // chat.send returns once the turn's tool set is built; the reply cannot end (nor its calls be decided) before the
  // release, which comes after the removal.
  const { turnId } = await h.call('chat.send', { sessionId, text: 'save milk and look' })
  await h.call('mcp.delete', { id: 'notes' })
  expect((await h.call('mcp.list', {})).map((s) => s.entry.id)).toEqual([])
  fake.release('removing')
  const ended = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, 10_000)
  const calls = (await h.call('sessions.open', { id: sessionId })).toolCalls ?? []
  const state = (name: string) => calls.find((c) => c.toolName === name)?.state
  return { ended, save: state('save'), peek: state('peek') }
}

describe('a call of a server removed while the model answered', () => {
  it("follows the profile's setting: a write the profile allows runs without asking, a read it marks 'ask' waits", async () => {
    const r = await callsAfterRemoval([
      { source: 'mcp:notes', name: 'save', approval: 'allow' },
      { source: 'mcp:notes', name: 'peek', approval: 'ask' },
    ])
    expect(r.ended).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    expect(r.save).toBe('succeeded')
    expect(r.peek).toBe('awaiting-approval')
    expect(ran).toEqual(['save milk'])
  })

  it('without a profile setting, the effect decides: the read runs, the write waits for approval', async () => {
    const r = await callsAfterRemoval([])
    expect(r.ended).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    expect(r.save).toBe('awaiting-approval')
    expect(r.peek).toBe('succeeded')
    expect(ran).toEqual(['peek'])
  })
})
