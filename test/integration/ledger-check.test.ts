// The doctor's ledger check, in process (doctor-ledger.test.ts runs the doctor as a child, which mutation testing
// cannot see): on a real keel.db with a call in every state — open without a result, open with a stray result,
// awaiting approval with and without one, answered, answered whose result text was removed outside Keel — exactly
// which calls the doctor reports, whether --fix answers them, and the explanation the user reads; next to a live
// Keel, a running turn's calls are not flagged; one session's report leaves the others out.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { findLedgerProblems } from '../../src/main/core/agents/ledger-check'
import { formatDoctorReport, runDoctor } from '../../src/main/core/diagnostics/doctor'
import { INTERRUPTED_RESULT, LEDGER_RESULT_CAP, ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** A data dir with two sessions of one answered turn each (Keel closed), and the ledger of the first turn. */
async function twoSessions(prefix: string) {
  const dataDir = tempDataDir()
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'good', name: 'Good', kind: 'openai-compatible', baseUrl: `${fake.url}${prefix}/v1`, defaultModel: 'g-1', key: testKey('good') })
  const ids: string[] = []
  for (const text of ['one', 'two']) {
    const s = await h.call('sessions.create', {})
    fake.script({ pathPrefix: prefix, reply: 'hello' })
    const mark = h.mark()
    await h.call('chat.send', { sessionId: s.id, text })
    await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, mark)
    ids.push(s.id)
  }
  await h.close()
  const db = new Database(path.join(dataDir, 'keel.db'))
  const turnOf = (sessionId: string) => (db.prepare('SELECT id, status FROM turns WHERE session_id = ?').get(sessionId) as { id: string; status: string })
  const ledger = new ToolLedger(db)
  let created = 1_000
  const call = (sessionId: string, position: number, state: NewToolCall['state']): string => {
    const turnId = turnOf(sessionId).id
    if (position === 0) ledger.startStep(turnId, 0, 'idk')
    return ledger.record({ sessionId, turnId, step: 0, position, providerCallId: `call_${position}`, source: 'builtin', name: `tool_${position}`, schemaHash: 'h', argumentsJson: '{}', effect: 'write', identityKey: 'idk', state }, (created += 1))
  }
  return { dataDir, db, ledger, call, turnOf, first: ids[0]!, second: ids[1]! }
}

describe('doctor: the ledger check, in process', () => {
  it('names every broken pair in the order made, says which --fix answers and why each is broken; sound rows are not reported', async () => {
    const { dataDir, db, ledger, call, turnOf, first } = await twoSessions('/every-state')
    const turn = turnOf(first)
    expect(turn.status).not.toBe('running')
    const running = call(first, 0, 'approved')
    ledger.markRunning(running)
    const approved = call(first, 1, 'approved')
    const proposed = call(first, 2, 'proposed')
    const stray = call(first, 3, 'proposed')
    db.prepare('UPDATE tool_calls SET result_text = ? WHERE id = ?').run('a result nobody asked for', stray)
    call(first, 4, 'awaiting-approval')
    const waitingWithResult = call(first, 5, 'awaiting-approval')
    db.prepare('UPDATE tool_calls SET result_text = ? WHERE id = ?').run('an early result', waitingWithResult)
    const answered = call(first, 6, 'approved')
    ledger.answer(answered, 'succeeded', 'written')
    const emptied = call(first, 7, 'approved')
    ledger.answer(emptied, 'failed', 'no such file')
    db.prepare('UPDATE tool_calls SET result_text = NULL WHERE id = ?').run(emptied)

    const base = (callId: string, position: number, state: string) => ({ callId, sessionId: first, turnId: turn.id, providerCallId: `call_${position}`, toolName: `tool_${position}`, state })
    const orphan = (state: string) => `The call is ${state} but its turn is ${turn.status} and Keel is not running: nothing will answer it. Keel's next start (or doctor --fix) answers it "${INTERRUPTED_RESULT}".`
    const expected = [
      { ...base(running, 0, 'running'), kind: 'call-without-result', fixable: true, explanation: orphan('running') },
      { ...base(approved, 1, 'approved'), kind: 'call-without-result', fixable: true, explanation: orphan('approved') },
      { ...base(proposed, 2, 'proposed'), kind: 'call-without-result', fixable: true, explanation: orphan('proposed') },
      { ...base(stray, 3, 'proposed'), kind: 'result-without-call', fixable: true, explanation: 'The call is proposed yet holds a result: the model would be told it has none.' },
      { ...base(waitingWithResult, 5, 'awaiting-approval'), kind: 'result-without-call', fixable: false, explanation: 'The call is awaiting-approval yet holds a result: the model would be told it has none.' },
      { ...base(emptied, 7, 'failed'), kind: 'call-without-result', fixable: false, explanation: 'The call is failed but has no result text (the row was changed outside Keel); the model is told it was not answered.' },
    ]
    expect(findLedgerProblems(db, { keelRunning: false })).toEqual(expected)
    db.close()

    // What the doctor (in process, Keel not running) tells the user: the same six, the unfixable ones marked so.
    const report = await runDoctor({ dataDir, keychainService: service })
    expect(report.toolCalls).toEqual(expected)
    const text = formatDoctorReport(report)
    expect(text).toMatch(/TOOL CALLS {2}6 /)
    expect(text).toContain(`result-without-call  tool_5 (${waitingWithResult}, session ${first}, awaiting-approval)  not fixable by --fix`)
    expect(text).toContain(`call-without-result  tool_0 (${running}, session ${first}, running)\n      ${orphan('running')}`)

    // --fix answers the four fixable ones as a restart does; the two it cannot fix are still reported.
    const fixed = await runDoctor({ dataDir, keychainService: service, fix: true })
    expect(fixed.answeredCalls?.callIds.sort()).toEqual([running, approved, proposed, stray].sort())
    expect(fixed.toolCalls.map((p) => p.callId)).toEqual([waitingWithResult, emptied])
  })

  it('next to a live Keel a running turn\'s open calls are its business; an open call of a finished turn is still an orphan, without "Keel is not running"', async () => {
    const { db, call, turnOf, first, second } = await twoSessions('/live')
    // The first session's turn is running (as in a live Keel); the second's has ended.
    db.prepare("UPDATE turns SET status = 'running' WHERE id = ?").run(turnOf(first).id)
    const inProgress = call(first, 0, 'proposed')
    const waitingWithResult = call(first, 1, 'awaiting-approval')
    db.prepare('UPDATE tool_calls SET result_text = ? WHERE id = ?').run('an early result', waitingWithResult)
    const orphan = call(second, 0, 'approved')
    const ended = turnOf(second).status

    const live = findLedgerProblems(db, { keelRunning: true })
    expect(live).toEqual([
      {
        callId: orphan, sessionId: second, turnId: turnOf(second).id, providerCallId: 'call_0', toolName: 'tool_0', state: 'approved', kind: 'call-without-result', fixable: true,
        explanation: `The call is approved but its turn is ${ended}: nothing will answer it. Keel's next start (or doctor --fix) answers it "${INTERRUPTED_RESULT}".`,
      },
    ])
    // Without a live Keel the running turn cannot be running: its calls are orphans too.
    expect(findLedgerProblems(db, { keelRunning: false }).map((p) => [p.callId, p.kind, p.explanation.includes('its turn is running and Keel is not running')])).toEqual([
      [inProgress, 'call-without-result', true],
      [waitingWithResult, 'result-without-call', false],
      [orphan, 'call-without-result', false],
    ])
    // One session's report lists only that session's calls.
    expect(findLedgerProblems(db, { keelRunning: false, sessionId: second }).map((p) => p.callId)).toEqual([orphan])
    expect(findLedgerProblems(db, { keelRunning: false, sessionId: first }).map((p) => p.callId)).toEqual([inProgress, waitingWithResult])
    db.close()
  })

  it('a database without a tool ledger (made before it existed) has no ledger problems', () => {
    const db = new Database(path.join(tempDataDir(), 'keel.db'))
    db.exec('CREATE TABLE turns (id TEXT PRIMARY KEY, status TEXT)')
    expect(findLedgerProblems(db, { keelRunning: false })).toEqual([])
    db.close()
  })
})

describe('the tool ledger: answers', () => {
  it('a result longer than the cap is stored cut, with a note saying so; Stop answers every open call of the turn, and only those', async () => {
    const { db, ledger, call, first: sessionId } = await twoSessions('/answers')
    const long = call(sessionId, 0, 'approved')
    ledger.answer(long, 'succeeded', 'x'.repeat(LEDGER_RESULT_CAP + 10))
    const open1 = call(sessionId, 1, 'approved')
    const open2 = call(sessionId, 2, 'awaiting-approval')
    const text = (id: string) => (db.prepare('SELECT state, result_text FROM tool_calls WHERE id = ?').get(id) as { state: string; result_text: string })
    expect(text(long).result_text).toBe(`${'x'.repeat(LEDGER_RESULT_CAP)}\n[Truncated.]`)

    const turnId = (db.prepare('SELECT turn_id FROM tool_calls WHERE id = ?').get(open1) as { turn_id: string }).turn_id
    expect(ledger.answerOpen(turnId, 'cancelled', 'cancelled by the user').sort()).toEqual([open1, open2].sort())
    expect(text(open1)).toEqual({ state: 'cancelled', result_text: 'cancelled by the user' })
    expect(text(open2)).toEqual({ state: 'cancelled', result_text: 'cancelled by the user' })
    expect(text(long).state).toBe('succeeded')
    db.close()
  })

  it('a result exactly as long as the cap is stored whole; an approval moves only a call still waiting for one, and says whether it did', async () => {
    const { db, ledger, call, first: sessionId } = await twoSessions('/at-cap')
    const row = (id: string) => db.prepare('SELECT state, arguments_json, result_text FROM tool_calls WHERE id = ?').get(id) as { state: string; arguments_json: string; result_text: string | null }
    // Nothing was cut, so no note may say it was.
    const atCap = call(sessionId, 0, 'approved')
    expect(ledger.answer(atCap, 'succeeded', 'y'.repeat(LEDGER_RESULT_CAP))).toBe(true)
    expect(row(atCap).result_text).toBe('y'.repeat(LEDGER_RESULT_CAP))

    // A card denied in the meantime: the late approval changes nothing and reports false (approve turns that into a conflict).
    const denied = call(sessionId, 1, 'awaiting-approval')
    expect(ledger.answer(denied, 'denied', 'denied by the user')).toBe(true)
    expect(ledger.transition(denied, ['awaiting-approval'], 'approved', '{"edited":true}')).toBe(false)
    expect(row(denied)).toEqual({ state: 'denied', arguments_json: '{}', result_text: 'denied by the user' })
    const waiting = call(sessionId, 2, 'awaiting-approval')
    expect(ledger.transition(waiting, ['awaiting-approval'], 'approved', '{"edited":true}')).toBe(true)
    expect(row(waiting)).toEqual({ state: 'approved', arguments_json: '{"edited":true}', result_text: null })
    db.close()
  })
})
