// The doctor and the tool-call ledger: a call without a result (left open by a turn that is not running) and a
// result without a call are reported with exit status 1; --fix answers them as Keel's start does, after a backup;
// next to a live Keel, a call its running turn is running is not flagged. The rows are made through the real ledger.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { doctorCli } from '../support/doctor-cli'
import { gatedTool } from '../support/agent-tools'
import { INTERRUPTED_RESULT, ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'

const fake = fakeProviderForFile()
const service = testKeychainService()
const doctor = doctorCli(service)
const DOCTOR_MS = 120_000

async function sessionWithATurn(prefix: string, dataDir = tempDataDir(), options?: Parameters<typeof CoreHarness.open>[2]) {
  const h = await CoreHarness.open(dataDir, service, options)
  await h.call('providers.create', { id: 'good', name: 'Good', kind: 'openai-compatible', baseUrl: `${fake.url}${prefix}/v1`, defaultModel: 'g-1', key: testKey('good') })
  const s = await h.call('sessions.create', {})
  return { dataDir, h, sessionId: s.id }
}

describe('doctor: tool calls', () => {
  it('a call left open by a turn that is not running, and a result on an open call, exit 1; --fix answers them as a restart does, after a backup', async () => {
    const { dataDir, h, sessionId } = await sessionWithATurn('/orphans')
    fake.script({ pathPrefix: '/orphans', reply: 'hello' })
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'hi' })
    await h.waitFor('chat', (e) => e.sessionId === sessionId && e.type === 'turn-ended', 10_000, mark)
    await h.close()

    // What a crash leaves in the ledger (Keel is not running now): a call committed running, one proposed with a
    // stray result written outside Keel, one awaiting approval (its card survives: not an orphan), one answered.
    const db = new Database(path.join(dataDir, 'keel.db'))
    const turnId = (db.prepare('SELECT id FROM turns WHERE session_id = ?').get(sessionId) as { id: string }).id
    const ledger = new ToolLedger(db)
    ledger.startStep(turnId, 0, 'idk')
    const call = (position: number, state: NewToolCall['state']): NewToolCall => ({ sessionId, turnId, step: 0, position, providerCallId: `call_${position}`, source: 'builtin', name: 'write_file', schemaHash: 'h', argumentsJson: '{"path":"a.txt"}', effect: 'write', identityKey: 'idk', state })
    const running = ledger.record(call(0, 'approved'))
    ledger.markRunning(running)
    const stray = ledger.record(call(1, 'proposed'))
    db.prepare('UPDATE tool_calls SET result_text = ? WHERE id = ?').run('a result nobody asked for', stray)
    const waiting = ledger.record(call(2, 'awaiting-approval'))
    const done = ledger.record(call(3, 'approved'))
    ledger.answer(done, 'succeeded', 'written')
    db.close()

    const before = await doctor(dataDir, '--json')
    expect(before.code).toBe(1)
    const report = JSON.parse(before.stdout)
    expect(report.runningKeel).toBeNull()
    expect(report.toolCalls).toMatchObject([
      { kind: 'call-without-result', callId: running, sessionId, state: 'running', fixable: true },
      { kind: 'result-without-call', callId: stray, state: 'proposed', fixable: true },
    ])
    const text = await doctor(dataDir)
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/TOOL CALLS {2}2 /)
    expect(text.stdout).toContain(`call-without-result  write_file (${running}`)

    const fixed = await doctor(dataDir, '--fix', '--json')
    expect(fixed.code).toBe(0)
    const after = JSON.parse(fixed.stdout)
    expect(after.toolCalls).toEqual([])
    expect(after.answeredCalls.callIds.sort()).toEqual([running, stray].sort())
    expect(fs.existsSync(after.answeredCalls.backupPath)).toBe(true)
    // The backup holds the rows as they were before the answers.
    const backup = new Database(after.answeredCalls.backupPath, { readonly: true })
    expect(backup.prepare('SELECT state FROM tool_calls WHERE id = ?').get(running)).toEqual({ state: 'running' })
    backup.close()
    const check = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    const rows = Object.fromEntries((check.prepare('SELECT id, state, result_text FROM tool_calls').all() as Array<{ id: string; state: string; result_text: string | null }>).map((r) => [r.id, [r.state, r.result_text]]))
    check.close()
    expect(rows[running]).toEqual(['interrupted', INTERRUPTED_RESULT])
    expect(rows[stray]).toEqual(['interrupted', INTERRUPTED_RESULT])
    expect(rows[waiting]).toEqual(['awaiting-approval', null])
    expect(rows[done]).toEqual(['succeeded', 'written'])
    expect((await doctor(dataDir, '--json')).code).toBe(0)
  }, DOCTOR_MS)

  it('next to a live Keel, the call its running turn is running is not flagged, and --fix is refused', async () => {
    const dir = tempDataDir()
    const { tool, gate } = gatedTool('wait_here', dir)
    const { dataDir, h, sessionId } = await sessionWithATurn('/live', dir, { toolSet: () => ({ tools: [tool], workspace: fs.realpathSync(dir) }) })
    fake.sequence([
      { pathPrefix: '/live', toolCalls: [{ id: 'call_live', name: 'wait_here', arguments: { label: 'live' } }] },
      { pathPrefix: '/live', toolResultFor: 'call_live', reply: 'done' },
    ])
    const mark = h.mark()
    await h.call('chat.send', { sessionId, text: 'wait' })
    expect(await gate.started).toEqual({ state: 'running' })
    try {
      const r = await doctor(dataDir, '--json')
      const report = JSON.parse(r.stdout)
      expect(report.runningKeel).not.toBeNull()
      expect(report.toolCalls).toEqual([])
      expect(r.code).toBe(0)
      const f = await doctor(dataDir, '--fix')
      expect(f.code).toBe(2)
      expect(f.stderr).toMatch(/refuses while Keel runs/)
    } finally {
      gate.open()
      await h.waitFor('chat', (e) => e.sessionId === sessionId && e.type === 'turn-ended', 10_000, mark)
      await h.close()
    }
    const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    expect(db.prepare("SELECT state FROM tool_calls WHERE provider_call_id = 'call_live'").get()).toEqual({ state: 'succeeded' })
    db.close()
  }, DOCTOR_MS)
})
