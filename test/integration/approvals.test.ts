// Approvals through the contract (issue #9, invariant 16), on the real core, a real SQLite file, real files in a
// workspace and the recording fake provider: a write waits for the user (the session and the tray say "needs
// approval"), the card's preview shows the diff, Allow for this session runs it with the edited arguments and lets
// the next write of the same tool run without asking, the grant is listed and revocable, and after Revoke the tool
// asks again; Deny sends the user's reason to the model.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKeelCore } from '../../src/main/core/app/keel-core'
import type { KeelCore } from '../../src/main/core/app/keel-core.types'
import { z } from 'zod'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import { defineTool, success, type BuiltinTool } from '../../src/main/core/tools/tool-definition'
import type { Channel, ChannelInput, ChannelOutput, EventName, EventPayload } from '../../src/shared/contract'
import type { ToolCallView } from '../../src/shared/domain'
import { toolResultsSent } from '../fake-provider/server'
import { fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()
const writeFile = BUILTIN_TOOLS.find((t) => t.name === 'write_file')!

/** The real core with a tool set (the loop's test hook), and waits on its events. */
async function openCore(dataDir: string, workspace: string | null, tools: () => BuiltinTool[] = () => [writeFile]) {
  const core: KeelCore = await openKeelCore({
    dataDir,
    runtime: 'host',
    keychainService: service,
    watchConfig: false,
    trayDebounceMs: 0,
    ...(workspace ? { toolSet: () => ({ tools: tools(), workspace: fs.realpathSync(workspace) }) } : {}),
  })
  const seen: Array<{ event: EventName; payload: unknown }> = []
  const waiters = new Set<() => void>()
  core.subscribe((event, payload) => {
    seen.push({ event, payload })
    for (const w of [...waiters]) w()
  })
  const call = async <C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> => {
    const r = await core.dispatch(channel, input)
    if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { data: r.error })
    return r.value as ChannelOutput<C>
  }
  const fail = async (channel: Channel, input: unknown) => {
    const r = await core.dispatch(channel, input)
    if (r.ok) throw new Error(`${channel} unexpectedly succeeded`)
    return r.error
  }
  const waitFor = <E extends EventName>(event: E, match: (p: EventPayload<E>) => boolean, since = 0) =>
    new Promise<EventPayload<E>>((resolve, reject) => {
      const check = () => {
        const hit = seen.slice(since).find((s) => s.event === event && match(s.payload as EventPayload<E>))
        if (hit) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(hit.payload as EventPayload<E>)
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        const chat = seen.filter((s) => s.event === 'chat').map((s) => s.payload as EventPayload<'chat'>)
        const story = chat.map((e) => (e.type === 'tool-call' ? `${e.call.providerCallId}:${e.call.state}` : e.type === 'turn-ended' ? `ended:${e.status}` : e.type)).filter((t) => t !== 'delta')
        reject(new Error(`timed out waiting for ${event}; chat so far: ${story.join(', ')}`))
      }, 15_000)
      waiters.add(check)
      check()
    })
  const chatEvents = () => seen.filter((s) => s.event === 'chat').map((s) => s.payload as EventPayload<'chat'>)
  const awaiting = (since = 0) =>
    waitFor('chat', (e) => e.type === 'tool-call' && e.call.state === 'awaiting-approval', since).then((e) => (e as { call: ToolCallView }).call)
  const mark = () => seen.length
  return { core, call, fail, waitFor, awaiting, chatEvents, mark }
}

const opened: KeelCore[] = []
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close()
})

async function setUp(tools?: () => BuiltinTool[]) {
  const dataDir = tempDataDir('keel-approvals')
  const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
  const h = await openCore(dataDir, workspace, tools)
  opened.push(h.core)
  await h.call('providers.create', { name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, defaultModel: 'gpt-work', key: testKey('work') })
  const profile = await h.call('profiles.create', { name: 'Writer', tools: [{ source: 'builtin', name: 'write_file' }], workspace })
  const session = await h.call('sessions.create', { profileId: profile.id })
  return { h, dataDir, workspace, profile, session }
}

const call1 = { name: 'write_file', id: 'call_a', arguments: { path: 'a.txt', content: 'from the model\n' } }
const call2 = { name: 'write_file', id: 'call_b', arguments: { path: 'b.txt', content: 'second\n' } }

describe('approvals through the contract', () => {
  it('grants.list starts empty; revoke, approve and deny say clearly what is wrong with their input', async () => {
    const { h } = await setUp()
    expect(await h.call('grants.list', {})).toEqual([])
    expect(await h.fail('grants.revoke', { id: 'no-such-grant' })).toMatchObject({ kind: 'not-found' })
    expect(await h.fail('grants.revoke', {})).toMatchObject({ kind: 'invalid-input', field: 'id' })
    expect(await h.fail('tools.approve', { callId: 'nope', scope: 'forever' })).toMatchObject({ kind: 'invalid-input', field: 'scope' })
    expect(await h.fail('tools.approve', { callId: 'nope', scope: 'once' })).toMatchObject({ kind: 'not-found' })
    expect(await h.fail('tools.deny', { callId: 'nope' })).toMatchObject({ kind: 'not-found' })
  })

  it('a write waits for approval; Allow for this session runs it with the edited arguments and covers the next write; Revoke asks again', async () => {
    const { h, workspace, session, profile } = await setUp()
    fake.sequence([{ toolCalls: [call1] }, { toolResultFor: 'call_a', toolCalls: [call2] }, { toolResultFor: 'call_b', reply: 'Both written.' }])
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'write two files' })
    const waiting = await h.awaiting()
    expect(waiting).toMatchObject({ toolName: 'write_file', source: 'builtin', effect: 'write' })
    expect(JSON.parse(waiting.arguments)).toEqual(call1.arguments)
    // Nothing ran yet, and the session says it needs approval, in the list and in the tray.
    expect(fs.existsSync(path.join(workspace, 'a.txt'))).toBe(false)
    const [summary] = await h.call('sessions.summaries', { ids: [session.id] })
    expect(summary!.needsApproval).toBe(true)
    const tray = await h.call('tray.menu', {})
    expect(tray.items.find((i) => i.type === 'session' && i.sessionId === session.id)).toMatchObject({ marker: 'needs-approval', label: expect.stringMatching(/\(needs approval\)$/) })

    // The card's diff: for the model's arguments, then for the edited ones; nothing is written by a preview.
    const preview = await h.call('tools.preview', { callId: waiting.id })
    expect(preview.diff).toMatchObject({ path: 'a.txt', created: true })
    expect(preview.diff!.diff).toContain('+from the model')
    const edited = JSON.stringify({ path: 'a.txt', content: 'edited by the user\n' })
    expect((await h.call('tools.preview', { callId: waiting.id, editedArguments: edited })).diff!.diff).toContain('+edited by the user')
    expect(fs.existsSync(path.join(workspace, 'a.txt'))).toBe(false)
    // Edited arguments that are not a JSON object are refused, and the call still waits.
    expect(await h.fail('tools.approve', { callId: waiting.id, scope: 'session', editedArguments: '{"path": ' })).toMatchObject({ kind: 'invalid-input', field: 'editedArguments' })
    expect(await h.fail('tools.approve', { callId: waiting.id, scope: 'session', editedArguments: '["a.txt"]' })).toMatchObject({ kind: 'invalid-input', field: 'editedArguments' })
    expect(await h.call('grants.list', {})).toEqual([])

    const since = h.mark()
    await h.call('tools.approve', { callId: waiting.id, scope: 'session', editedArguments: edited })
    // (The turn ended once already, paused for the approval; this is the end of the resumed turn.)
    const ended = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, since)
    expect(ended).toMatchObject({ status: 'done' })
    expect(fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8')).toBe('edited by the user\n')
    // The second write ran under the session grant: it never waited.
    expect(fs.readFileSync(path.join(workspace, 'b.txt'), 'utf8')).toBe('second\n')
    const waitedAfter = h.chatEvents().filter((e) => e.type === 'tool-call' && e.call.state === 'awaiting-approval' && e.call.providerCallId === 'call_b')
    expect(waitedAfter).toEqual([])
    // Answering twice: the call is no longer waiting, nothing runs twice.
    expect(await h.fail('tools.approve', { callId: waiting.id, scope: 'once' })).toMatchObject({ kind: 'conflict' })

    const grants = await h.call('grants.list', {})
    expect(grants).toEqual([
      expect.objectContaining({ toolName: 'write_file', source: 'builtin', effect: 'write', scope: 'session', sessionId: session.id, sessionTitle: expect.any(String), profileId: null, schemaHash: writeFile.schemaHash }),
    ])
    const [after] = await h.call('sessions.summaries', { ids: [session.id] })
    expect(after!.needsApproval).toBe(false)

    // Revoked: the same tool asks again in the same session.
    await h.call('grants.revoke', { id: grants[0]!.id })
    expect(await h.call('grants.list', {})).toEqual([])
    fake.sequence([{ toolCalls: [{ ...call2, id: 'call_c', arguments: { path: 'c.txt', content: 'third\n' } }] }, { toolResultFor: 'call_c', reply: 'ok' }])
    const again = h.mark()
    const second = await h.call('chat.send', { sessionId: session.id, text: 'one more' })
    const asked = await h.awaiting(again)
    expect(asked.providerCallId).toBe('call_c')
    expect(fs.existsSync(path.join(workspace, 'c.txt'))).toBe(false)

    // Always for this agent: kept for the profile, named in the list.
    const approvedAt = h.mark()
    await h.call('tools.approve', { callId: asked.id, scope: 'agent' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === second.turnId, approvedAt)).toMatchObject({ status: 'done' })
    expect(fs.readFileSync(path.join(workspace, 'c.txt'), 'utf8')).toBe('third\n')
    expect(await h.call('grants.list', {})).toEqual([expect.objectContaining({ scope: 'agent', profileId: profile.id, profileName: 'Writer', sessionId: null })])
  })

  it('two writes asked in one step: Allow for this session on one runs the other too (the grant covers it)', async () => {
    const { h, workspace, session } = await setUp()
    fake.sequence([{ toolCalls: [call1, call2] }, { toolResultFor: 'call_b', reply: 'Both.' }])
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'write both' })
    await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId)
    const view = await h.call('sessions.open', { id: session.id })
    const waiting = (view.toolCalls ?? []).filter((c) => c.state === 'awaiting-approval')
    expect(waiting.map((c) => c.providerCallId).sort()).toEqual(['call_a', 'call_b'])
    const since = h.mark()
    await h.call('tools.approve', { callId: waiting.find((c) => c.providerCallId === 'call_a')!.id, scope: 'session' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, since)).toMatchObject({ status: 'done' })
    expect(fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8')).toBe('from the model\n')
    expect(fs.readFileSync(path.join(workspace, 'b.txt'), 'utf8')).toBe('second\n')
  })

  it('an "always" grant does not survive a change of the tool\'s schema: the same name with another schema asks again', async () => {
    // A write_file whose arguments changed (a new field), as an update of Keel or a server would change it.
    const changed = defineTool({
      name: 'write_file',
      description: 'Write a file (changed).',
      effect: 'write',
      input: z.object({ path: z.string(), content: z.string(), append: z.boolean().optional() }),
      run: async (args, ctx) => {
        fs.writeFileSync(path.join(ctx.workspace, args.path), args.content)
        return success('written')
      },
    })
    expect(changed.schemaHash).not.toBe(writeFile.schemaHash)
    let current: BuiltinTool = writeFile
    const { h, workspace, session } = await setUp(() => [current])
    fake.sequence([{ toolCalls: [call1] }, { toolResultFor: 'call_a', reply: 'ok' }])
    const first = await h.call('chat.send', { sessionId: session.id, text: 'write' })
    const waiting = await h.awaiting()
    const at = h.mark()
    await h.call('tools.approve', { callId: waiting.id, scope: 'always' })
    await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === first.turnId, at)
    expect(await h.call('grants.list', {})).toEqual([expect.objectContaining({ scope: 'always', schemaHash: writeFile.schemaHash })])

    // Same tool, same schema: runs without asking.
    fake.sequence([{ toolCalls: [call2] }, { toolResultFor: 'call_b', reply: 'ok' }])
    const before = h.mark()
    const second = await h.call('chat.send', { sessionId: session.id, text: 'again' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === second.turnId, before)).toMatchObject({ status: 'done', pause: null })
    expect(fs.readFileSync(path.join(workspace, 'b.txt'), 'utf8')).toBe('second\n')

    // Changed schema: asks again, and nothing is written until answered.
    current = changed
    fake.sequence([{ toolCalls: [{ name: 'write_file', id: 'call_d', arguments: { path: 'd.txt', content: 'd' } }] }, { toolResultFor: 'call_d', reply: 'ok' }])
    const later = h.mark()
    await h.call('chat.send', { sessionId: session.id, text: 'and again' })
    const asked = await h.awaiting(later)
    expect(asked.providerCallId).toBe('call_d')
    expect(fs.existsSync(path.join(workspace, 'd.txt'))).toBe(false)
  })

  it("Deny answers the call with the user's reason, which the model reads; nothing is written", async () => {
    const { h, workspace, session } = await setUp()
    fake.sequence([{ toolCalls: [call1] }, { toolResultFor: 'call_a', reply: 'Understood, I will not write it.' }])
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'write a file' })
    const waiting = await h.awaiting()
    const deniedAt = h.mark()
    await h.call('tools.deny', { callId: waiting.id, reason: 'not in this folder' })
    expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId, deniedAt)).toMatchObject({ status: 'done' })
    expect(fs.existsSync(path.join(workspace, 'a.txt'))).toBe(false)
    const last = fake.requests().filter((r) => r.protocol === 'openai-chat').at(-1)!
    const results = toolResultsSent(last)
    expect(results).toHaveLength(1)
    expect(results[0]!.callId).toBe('call_a')
    expect(String(results[0]!.content)).toMatch(/denied by the user.*not in this folder/)
    expect(await h.call('grants.list', {})).toEqual([])
  })
})
