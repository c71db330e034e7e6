// SIGKILL in the middle of a running tool call, then a restart (invariants 13 and 14): the call is answered
// "interrupted by a restart: effect unknown", never re-run (it executes), and the request that follows — the
// automatic continuation — carries that result and the recovery note (stored nowhere) and is accepted by the fake's
// strict pairing check, on each API. A continuation that waits for approval: while its approved call resumes it,
// Retry of the crashed turn's message is refused.
import Database from 'better-sqlite3'
import { CHILD_PROCESS_TIMEOUT_MS, crashDuringTool } from '../support/crash'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { sessionToCrash, WIRE_APIS } from '../support/agent-sessions'
import { toolResultsSent, type RecordedRequest } from '../fake-provider/server'
import { gatedTool } from '../support/agent-tools'
import { INTERRUPTED_RESULT } from '../../src/main/core/agents/tool-ledger'
import { RECOVERY_NOTE } from '../../src/main/core/agents/recovery'
import { filesContaining } from '../support/data-scan'

const fake = fakeProviderForFile()

/** The last thing a request says, as its API carries it: the role it goes as and its last part (text, or the part's type). */
function lastSaid(r: RecordedRequest): { role: string; text: string } {
  const body = r.body as { messages?: unknown[]; input?: unknown[] }
  const last = (body.messages ?? body.input)!.at(-1) as { role: string; content: string | Array<{ type: string; text?: string }> }
  // On Anthropic the note shares the user message that carries the tool result, after that result.
  const part = typeof last.content === 'string' ? { type: 'text', text: last.content } : last.content.at(-1)
  return { role: last.role, text: part?.type === 'text' ? part.text! : `(${part?.type})` }
}

describe.each(WIRE_APIS)('SIGKILL during a running tool on %s', { timeout: CHILD_PROCESS_TIMEOUT_MS }, (api) => {
  it('the call becomes interrupted with the explicit result, is never re-run, and the continuation — ending with the recovery note, stored nowhere — is accepted', async () => {
    const id = api === 'anthropic-messages' ? 'toolu_crash' : 'call_crash'
    const { dataDir, service, workspace, sessionId, prefix } = await sessionToCrash(fake, 'keel-agent-crash', api, { id: 'c', prefix: `/crash-${api}`, key: testKey('crash') })

    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id, name: 'slow_exec', arguments: { label: 'crash' } }] },
      { pathPrefix: prefix, toolResultFor: id, reply: 'Recovered after the restart.' },
    ])
    // The row said running, committed, before the effect began.
    expect(await crashDuringTool(dataDir, service, sessionId, workspace)).toBe('running')

    const { tool, gate } = gatedTool('slow_exec', dataDir, 'execute')
    const h = await CoreHarness.open(dataDir, service, { toolSet: () => ({ tools: [tool], workspace, approval: () => 'allow' }) })
    try {
      const ended = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId)
      expect(ended).toMatchObject({ status: 'done', error: null })
      const requests = fake.requests().filter((r) => r.path.startsWith(`${prefix}/`))
      expect(requests).toHaveLength(2)
      expect(toolResultsSent(requests[1]!)).toMatchObject([{ callId: id, content: INTERRUPTED_RESULT }])
      // The continuation tells the model why it goes on: the recovery note, as the user's, after the interrupted call.
      expect(lastSaid(requests[1]!)).toEqual({ role: 'user', text: RECOVERY_NOTE })
      expect(gate.runs()).toBe(0)
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.toolCalls).toMatchObject([{ providerCallId: id, state: 'interrupted', resultPreview: INTERRUPTED_RESULT, effect: 'execute' }])
      expect(view.messages.at(-1)!.content).toBe('Recovered after the restart.')
      // The interrupted turn's recovery is over: nothing left to offer.
      expect(view.recovery).toMatchObject({ status: 'continued', message: 'The interrupted reply was continued.' })
      // The recovery note went to the model only: it is stored nowhere.
      const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
      try {
        const stored = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE content LIKE '%[Keel]%'").get() as { n: number }
        expect(stored.n).toBe(0)
      } finally {
        db.close()
      }
    } finally {
      await h.close()
    }
    expect(filesContaining(dataDir, RECOVERY_NOTE)).toEqual([])
  })
})

describe('an automatic continuation that fails', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('the interrupted reply is shown as failed to continue, and Keel does not try again on its own', async () => {
    const id = 'call_fails'
    const { dataDir, service, workspace, sessionId, prefix } = await sessionToCrash(fake, 'keel-agent-crash-fail', 'openai-chat', { id: 'cf', prefix: '/crash-fails', key: testKey('crash-fails') })
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id, name: 'slow_exec', arguments: { label: 'crash' } }] },
      { pathPrefix: prefix, toolResultFor: id, status: 400 },
    ])
    expect(await crashDuringTool(dataDir, service, sessionId, workspace)).toBe('running')
    const { tool } = gatedTool('slow_exec', dataDir, 'execute')
    const h = await CoreHarness.open(dataDir, service, { toolSet: () => ({ tools: [tool], workspace, approval: () => 'allow' }) })
    try {
      const ended = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId)
      expect(ended).toMatchObject({ status: 'error' })
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.recovery).toMatchObject({ status: 'failed', message: 'Continuing the interrupted reply failed; Keel will not retry on its own.' })
      expect(fake.requests().filter((r) => r.path.startsWith(`${prefix}/`))).toHaveLength(2)
    } finally {
      await h.close()
    }
  })
})

describe('a restart while a call awaits approval', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('keeps the card: the call stays awaiting-approval, and approving it after the restart runs the same turn again (running, no longer paused), runs the call and finishes the turn', async () => {
    const dataDir = tempDataDir('keel-agent-restart')
    const service = testKeychainService()
    const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
    const prefix = '/restart-approval'
    const first = await CoreHarness.open(dataDir, service)
    await first.call('providers.create', { id: 'r', name: 'R', kind: 'openai-compatible', baseUrl: `${fake.url}${prefix}/v1`, key: testKey('restart'), api: 'openai-chat' })
    const s = await first.call('sessions.create', {})
    await first.call('sessions.bind', { id: s.id, entryId: 'r', model: 'm-1' })
    const { writeFile } = await import('../../src/main/core/tools/write-tools')
    const writeSet = () => ({ tools: [writeFile], workspace })
    await first.close()
    const h1 = await CoreHarness.open(dataDir, service, { toolSet: writeSet })
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_w', name: 'write_file', arguments: { path: 'after-restart.txt', content: 'written after restart' } }] },
      // The continuation waits before its text, so the test can look at the turn while it runs again.
      { pathPrefix: prefix, toolResultFor: 'call_w', reply: 'Done.', holdBefore: [{ chunk: 0, hold: 'restart-approval-continued' }] },
    ])
    await h1.call('chat.send', { sessionId: s.id, text: 'write it' })
    await h1.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === s.id)
    await h1.close()

    const h2 = await CoreHarness.open(dataDir, service, { toolSet: writeSet })
    try {
      const view = await h2.call('sessions.open', { id: s.id })
      expect(view.toolCalls).toMatchObject([{ providerCallId: 'call_w', state: 'awaiting-approval' }])
      expect(view.turns.at(-1)!.pause).toMatchObject({ reason: 'awaiting-approval' })
      const mark = h2.mark()
      await h2.call('tools.approve', { callId: view.toolCalls![0]!.id, scope: 'once' })
      // The same turn runs again: the session shows it running, no longer paused for an approval.
      await fake.waitForHeld('restart-approval-continued')
      const during = await h2.call('sessions.open', { id: s.id })
      expect(during.turns).toHaveLength(1)
      expect(during.turns[0]!.status).toBe('running')
      expect(during.turns[0]!.pause ?? null).toBeNull()
      fake.release('restart-approval-continued')
      const ended = await h2.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === s.id, 10_000, mark)
      expect(ended).toMatchObject({ status: 'done', error: null })
      expect(fs.readFileSync(path.join(workspace, 'after-restart.txt'), 'utf8')).toBe('written after restart')
      const requests = fake.requests().filter((r) => r.path.startsWith(`${prefix}/`))
      expect(requests).toHaveLength(2)
      expect(toolResultsSent(requests[1]!)[0]!.callId).toBe('call_w')
    } finally {
      await h2.close()
    }
  })
})

describe('a crash during a tool, then a continuation that waits for approval', { timeout: CHILD_PROCESS_TIMEOUT_MS }, () => {
  it('while the approved call resumes the continuation, Retry of the interrupted message is refused with "wait or press Stop"; nothing more is sent or stored', async () => {
    const { dataDir, service, workspace, sessionId, prefix } = await sessionToCrash(fake, 'keel-agent-crash-retry', 'openai-chat', { id: 'cr', prefix: '/crash-retry', key: testKey('crash-retry') })

    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: 'call_c1', name: 'slow_exec', arguments: { label: 'crash' } }] },
      // The continuation asks to run the command again: without the child's allow-all hook, an execute call asks.
      { pathPrefix: prefix, toolResultFor: 'call_c1', toolCalls: [{ id: 'call_c2', name: 'slow_exec', arguments: { label: 'again' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_c2', reply: 'Ran it after the restart.' },
    ])
    expect(await crashDuringTool(dataDir, service, sessionId, workspace)).toBe('running')

    const { tool, gate } = gatedTool('slow_exec', dataDir, 'execute')
    // The next lookup of the session's tools waits until the test lets it go: the approved call's turn is then
    // resuming (its tools are being looked up) but not yet running.
    let held: { reached: () => void; release: Promise<void> } | null = null
    const h = await CoreHarness.open(dataDir, service, {
      toolSet: async () => {
        const hold = held
        if (hold) {
          held = null
          hold.reached()
          await hold.release
        }
        return { tools: [tool], workspace }
      },
    })
    try {
      // The automatic continuation stops at the call waiting for approval; no text was replied to the message.
      expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.messages.map((m) => [m.role, m.content])).toEqual([['user', 'run the slow command']])
      const waiting = view.toolCalls!.find((c) => c.state === 'awaiting-approval')!
      expect(waiting).toMatchObject({ providerCallId: 'call_c2' })

      let release: () => void = () => undefined
      const reached = new Promise<void>((resolve) => (held = { reached: resolve, release: new Promise<void>((r) => (release = r)) }))
      const mark = h.mark()
      const approving = h.call('tools.approve', { callId: waiting.id, scope: 'once' })
      await reached
      expect(await h.fail('chat.retry', { sessionId })).toMatchObject({
        kind: 'conflict',
        message: 'A reply is still streaming in this session.',
        fix: 'Wait for it to finish or press Stop.',
      })
      release()
      await approving
      await gate.started
      gate.open('ran again')
      expect(await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId, 10_000, mark)).toMatchObject({ status: 'done', error: null })
      // The refused retry left nothing: the crashed turn's request and the continuation's two, one reply.
      expect(fake.requests().filter((r) => r.path.startsWith(`${prefix}/`))).toHaveLength(3)
      expect(gate.runs()).toBe(1)
      const after = await h.call('sessions.open', { id: sessionId })
      expect(after.messages.map((m) => [m.role, m.content])).toEqual([
        ['user', 'run the slow command'],
        ['assistant', 'Ran it after the restart.'],
      ])
    } finally {
      await h.close()
    }
  })
})
