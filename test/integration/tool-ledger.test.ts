// The tool-call ledger on a real SQLite file: migration 006 on a database made by schema 5 (backed up first, data
// kept), forward-only states (a call is answered once), startup interruption (awaiting-approval survives), and
// the wire pairing guarantee applied before every request (invariant 13).
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { INTERRUPTED_RESULT, ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'
import { anthropicMessages, chatMessages, pairToolHistory, responsesInput, UNANSWERED_RESULT, type WireMessage } from '../../src/main/core/providers/tool-wire'
import { pairingProblem } from '../fake-provider/tool-pairing'
import { tempDataDir } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const LEDGER_VERSION = 6
const opened: OpenedDatabase[] = []
afterEach(() => {
  for (const o of opened.splice(0)) o.db.close()
})

const IDENTITY = { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }

function open(dir = tempDataDir('keel-ledger')) {
  const o = openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups'))
  opened.push(o)
  const sessions = new SessionStore(o.db)
  return { dir, db: o.db, sessions, ledger: new ToolLedger(o.db) }
}

function newTurn(sessions: SessionStore) {
  const sessionId = sessions.create()
  const userMessageId = sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: 'hi' })
  const turnId = sessions.startTurn({ sessionId, userMessageId, identity: IDENTITY })
  return { sessionId, turnId }
}

function call(t: { sessionId: string; turnId: string }, n: number, state: NewToolCall['state']): NewToolCall {
  return { ...t, step: 0, position: n, providerCallId: `call_${n}`, source: 'builtin', name: 'read_file', schemaHash: 'h', argumentsJson: '{"path":"a"}', effect: 'read', identityKey: 'k1', state }
}

describe('migration 006', () => {
  it('adds the ledger to a schema-5 database after a backup, keeping its sessions and turns', () => {
    const old = openAtSchema(LEDGER_VERSION - 1, tempDataDir('keel-ledger-migration'))
    const { dataDir: dir, backups } = old
    const oldSessions = new SessionStore(old.db)
    const t = newTurn(oldSessions)
    oldSessions.endTurn(t.turnId, 'done', null, '')
    old.db.close()

    const { db, sessions, ledger } = open(dir)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version)
    expect(sessions.turn(t.turnId)?.status).toBe('done')
    expect((db.prepare('SELECT summary FROM migration_log WHERE version = ?').get(LEDGER_VERSION) as { summary: string }).summary).toMatch(/tool-call ledger/)
    const backupFiles = fs.readdirSync(backups).sort()
    const backup = new Database(path.join(backups, backupFiles.at(-1)!), { readonly: true })
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(old.schemaVersion)
      expect(backup.prepare("SELECT name FROM sqlite_master WHERE name = 'tool_calls'").get()).toBeUndefined()
    } finally {
      backup.close()
    }
    // The migrated file takes ledger rows.
    const id = ledger.record(call(t, 0, 'approved'))
    expect(ledger.markRunning(id)).toBe(true)
    expect(ledger.call(id)?.state).toBe('running')
  })
})

describe('ToolLedger', () => {
  it('a call is answered once: a later answer never overwrites the first, and it cannot run again', () => {
    const { sessions, ledger } = open()
    const t = newTurn(sessions)
    const id = ledger.record(call(t, 0, 'approved'))
    expect(ledger.markRunning(id)).toBe(true)
    expect(ledger.answer(id, 'succeeded', 'the result')).toBe(true)
    expect(ledger.answer(id, 'cancelled', 'cancelled by the user')).toBe(false)
    expect(ledger.markRunning(id)).toBe(false)
    expect(ledger.call(id)).toMatchObject({ state: 'succeeded', resultText: 'the result' })
  })

  it('startup answers proposed, approved and running calls "interrupted by a restart: effect unknown"; awaiting-approval stays', () => {
    const { sessions, ledger } = open()
    const t = newTurn(sessions)
    const running = ledger.record(call(t, 0, 'approved'))
    ledger.markRunning(running)
    const approved = ledger.record(call(t, 1, 'approved'))
    const proposed = ledger.record(call(t, 2, 'proposed'))
    const waiting = ledger.record(call(t, 3, 'awaiting-approval'))
    const done = ledger.record(call(t, 4, 'approved'))
    ledger.answer(done, 'succeeded', 'ok')
    expect(ledger.interruptAtStartup().map((c) => c.id).sort()).toEqual([running, approved, proposed].sort())
    for (const id of [running, approved, proposed]) expect(ledger.call(id)).toMatchObject({ state: 'interrupted', resultText: INTERRUPTED_RESULT })
    expect(ledger.call(waiting)).toMatchObject({ state: 'awaiting-approval', resultText: null })
    expect(ledger.call(done)).toMatchObject({ state: 'succeeded', resultText: 'ok' })
  })

  it('rows go with their session', () => {
    const { sessions, ledger, db } = open()
    const t = newTurn(sessions)
    ledger.startStep(t.turnId, 0, 'k1')
    ledger.record(call(t, 0, 'proposed'))
    sessions.delete(t.sessionId)
    expect((db.prepare('SELECT COUNT(*) AS n FROM tool_calls').get() as { n: number }).n).toBe(0)
    expect((db.prepare('SELECT COUNT(*) AS n FROM turn_steps').get() as { n: number }).n).toBe(0)
  })
})

describe('pairToolHistory (invariant 13, before every request)', () => {
  const calls: WireMessage = { role: 'assistant', content: 'Reading.', toolCalls: [{ id: 'c1', name: 'read_file', argumentsJson: '{}' }, { id: 'c2', name: 'read_file', argumentsJson: '{' }] }
  const histories: Array<[string, WireMessage[]]> = [
    ['a call with no result at the end', [{ role: 'user', content: 'go' }, calls]],
    ['a call whose result is missing before the next user message', [{ role: 'user', content: 'go' }, calls, { role: 'user', content: 'next' }]],
    ['one of two results missing', [{ role: 'user', content: 'go' }, calls, { role: 'user', content: '', toolResults: [{ callId: 'c2', content: 'r2', isError: false }] }]],
    ['a result with no call', [{ role: 'user', content: 'go' }, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'x', toolResults: [{ callId: 'zz', content: 'r', isError: false }] }]],
    ['an assistant message right after the calls', [{ role: 'user', content: 'go' }, calls, { role: 'assistant', content: 'more' }]],
  ]
  it.each(histories)('%s: every API accepts the paired history', (_name, history) => {
    const paired = pairToolHistory(history)
    expect(pairingProblem('openai-chat', { messages: chatMessages(paired) })).toBeNull()
    expect(pairingProblem('openai-responses', { input: responsesInput(paired) })).toBeNull()
    expect(pairingProblem('anthropic-messages', { messages: anthropicMessages(paired) })).toBeNull()
  })

  it('answers a missing result explicitly and keeps the results that are there, in call order', () => {
    const paired = pairToolHistory(histories[2]![1])
    expect(paired.at(-1)!.toolResults).toEqual([
      { callId: 'c1', content: UNANSWERED_RESULT, isError: true },
      { callId: 'c2', content: 'r2', isError: false },
    ])
  })

  it('without the guarantee the same histories are rejected (the check has teeth)', () => {
    const raw = histories[1]![1]
    expect(pairingProblem('openai-chat', { messages: chatMessages(raw) })?.message).toMatch(/must be followed by tool messages/)
    expect(pairingProblem('openai-responses', { input: responsesInput(raw) })?.message).toMatch(/No tool output found/)
    expect(pairingProblem('anthropic-messages', { messages: anthropicMessages(raw) })?.message).toMatch(/without `tool_result` blocks/)
  })

  it('a plain history is sent exactly as before tools existed', () => {
    const plain: WireMessage[] = [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }]
    const expected = plain.map((m) => ({ role: m.role, content: m.content }))
    expect(chatMessages(pairToolHistory(plain))).toEqual(expected)
    expect(responsesInput(pairToolHistory(plain))).toEqual(expected)
    expect(anthropicMessages(pairToolHistory(plain))).toEqual(expected)
  })
})
