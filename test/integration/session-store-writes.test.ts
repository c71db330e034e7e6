// What the session store writes and what the current Keel then shows (issue #13, written for the survivors of
// session-store.ts's appendMessage on a schema before branches, startTurn and the checkpoints): a reply written on
// a schema-14 database keeps the runtime that produced it; a continuation's turn records the turn it continues; a
// turn's checkpoint appends only onto exactly the text it was told is stored, restarts empty at a step's end, and
// is the interrupted reply the user sees after a crash; continuing one interrupted reply leaves the question about
// another one open. Real SQLite files made by the real migrations, the recording fake provider.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { openAtSchema } from '../support/previous-schema'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { sessionOnFakeApi } from '../support/agent-sessions'
import { gatedTool } from '../support/agent-tools'
import { CHILD_PROCESS_TIMEOUT_MS, crashDuringTool } from '../support/crash'
import { INTERRUPTED_RESULT } from '../../src/main/core/agents/tool-ledger'

const fake = fakeProviderForFile()
const service = testKeychainService()
const LATEST = MIGRATIONS.at(-1)!.version
const IDENTITY = { identityKey: 'k1', entryId: 'gone', model: 'm-1', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }
const bytes = (s: string) => Buffer.byteLength(s)

describe('what the session store writes', () => {
  it('a reply written on a schema-14 database (before branches) keeps the runtime that produced it, and the current Keel shows it', async () => {
    const old = openAtSchema(14)
    const store = new SessionStore(old.db)
    const sessionId = store.create()
    store.appendMessage({ sessionId, turnId: null, role: 'user', content: 'which river?' })
    const producedWith = { entryId: 'river-host', model: 'r-2', baseUrl: 'http://127.0.0.1:9/v1', api: 'anthropic' }
    store.appendMessage({ sessionId, turnId: null, role: 'assistant', content: 'the Loire', producedWith })
    old.db.close()

    const h = await CoreHarness.open(old.dataDir, service)
    try {
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.messages.map((m) => [m.role, m.content])).toEqual([['user', 'which river?'], ['assistant', 'the Loire']])
      expect(view.messages[0]!.producedWith).toBeNull()
      expect(view.messages[1]!.producedWith).toMatchObject(producedWith)
    } finally {
      await h.close()
    }
  })

  it('a continuation records the turn it continues; a turn of the user records none', () => {
    const { db } = openAtSchema(LATEST)
    const store = new SessionStore(db)
    const sessionId = store.create()
    const userMessageId = store.appendMessage({ sessionId, turnId: null, role: 'user', content: 'tell me a story' })
    const cut = store.startTurn({ sessionId, userMessageId, identity: IDENTITY })
    store.endTurn(cut, 'interrupted', null, '')
    const continuation = store.startTurn({ sessionId, userMessageId: null, identity: IDENTITY, continues: cut })
    expect(store.turn(continuation)).toMatchObject({ kind: 'continuation', continuesTurnId: cut, userMessageId: null })
    expect(store.turn(cut)).toMatchObject({ kind: 'user', continuesTurnId: null })
    db.close()
  })

  it('checkpoints append onto exactly the stored text, restart empty at a step end, and are the interrupted reply after a crash', async () => {
    const old = openAtSchema(LATEST)
    const store = new SessionStore(old.db)
    const sessionId = store.create()
    const userMessageId = store.appendMessage({ sessionId, turnId: null, role: 'user', content: 'look it up' })
    const turnId = store.startTurn({ sessionId, userMessageId, identity: IDENTITY })

    // Step one streams (the lengths are UTF-8 bytes: "é" is two), then ends with tool calls: its text moves to
    // the step's ledger row and the turn's checkpoint restarts empty.
    expect(store.appendCheckpoint(turnId, 0, 'Je vais ')).toBe(true)
    expect(store.appendCheckpoint(turnId, bytes('Je vais '), 'vérifier.')).toBe(true)
    expect(store.turn(turnId)!.partialText).toBe('Je vais vérifier.')
    // A length that is not the stored one (counted in characters, not bytes) writes nothing and says so.
    expect(store.appendCheckpoint(turnId, 'Je vais vérifier.'.length, ' Encore')).toBe(false)
    expect(store.turn(turnId)!.partialText).toBe('Je vais vérifier.')
    store.checkpoint(turnId, '')
    expect(store.turn(turnId)!.partialText).toBe('')

    // Step two streams from empty; a stale length (step one's) is refused, and the whole text is written instead.
    expect(store.appendCheckpoint(turnId, bytes('Je vais vérifier.'), 'Found')).toBe(false)
    expect(store.appendCheckpoint(turnId, 0, 'Found it')).toBe(true)
    store.checkpoint(turnId, 'Found it: the Loire')
    expect(store.appendCheckpoint(turnId, bytes('Found it: the Loire'), ' is the longest')).toBe(true)
    old.db.close()

    // Keel stopped here (the turn is still running): the next start keeps step two's text as the interrupted reply.
    const h = await CoreHarness.open(old.dataDir, service)
    try {
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.messages.map((m) => [m.role, m.status, m.content])).toEqual([
        ['user', 'complete', 'look it up'],
        ['assistant', 'interrupted', 'Found it: the Loire is the longest'],
      ])
      expect(view.recovery).toMatchObject({ turnId, status: 'pending' })
    } finally {
      await h.close()
    }
  })

  it('continuing one interrupted reply automatically leaves the question about a later one, on another runtime, open', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service)
    await h.call('providers.create', { id: 'here', name: 'Here', kind: 'openai-compatible', baseUrl: `${fake.url}/here/v1`, auth: 'none', api: 'openai-chat' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'here', model: 'h-1' })
    const first = await h.call('chat.send', { sessionId: s.id, text: 'hello' })
    expect(await h.turnEnded(first.turnId)).toMatchObject({ status: 'done' })
    await h.close()

    // Two replies of this session left running when Keel stopped: A on the session's runtime (its end refused by a
    // full disk leaves a turn running, and the user may go on), then B on another model (the session re-bound back
    // to h-1 while B streamed, then the crash). Written as the agent loop writes them.
    const db = new Database(path.join(dataDir, 'keel.db'))
    const store = new SessionStore(db)
    const identity = store.turns(s.id)[0]!
    const askA = store.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content: 'first question' })
    const a = store.startTurn({ sessionId: s.id, userMessageId: askA, identity })
    const askB = store.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content: 'second question' })
    const b = store.startTurn({ sessionId: s.id, userMessageId: askB, identity: { ...identity, identityKey: `${identity.identityKey}-h-2`, model: 'h-2' } })
    db.close()

    // At the next start A, on the same runtime, is continued on its own; B, on another, is left for the user.
    fake.script({ reply: 'the rest of the first answer', times: 1 })
    h = await CoreHarness.open(dataDir, service)
    try {
      const continued = await h.waitFor('chat', (e) => e.type === 'turn-started' && e.sessionId === s.id)
      expect(await h.turnEnded(continued.turnId)).toMatchObject({ status: 'done' })
      const view = await h.call('sessions.open', { id: s.id })
      expect(view.recovery).toMatchObject({ turnId: b, status: 'pending', differences: [{ field: 'model', active: 'h-2', config: 'h-1' }] })
      const check = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
      expect(new SessionStore(check).turn(a)?.recovery).toBe('continued')
      check.close()
      // Continue is still offered for B, and continues it.
      fake.script({ reply: 'the rest of the second answer', times: 1 })
      const again = await h.call('sessions.continue', { id: s.id })
      expect(await h.turnEnded(again.turnId)).toMatchObject({ status: 'done' })
      expect((await h.call('sessions.open', { id: s.id })).recovery).toMatchObject({ turnId: b, status: 'continued' })
    } finally {
      await h.close()
    }
  })

  it('a crash while a step\'s tool runs: the text of that step is not brought back as an interrupted reply', { timeout: CHILD_PROCESS_TIMEOUT_MS }, async () => {
    const dataDir = tempDataDir()
    const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
    const setup = await CoreHarness.open(dataDir, service)
    const { sessionId, prefix } = await sessionOnFakeApi(setup, fake, 'openai-chat', { id: 'steps', prefix: '/steps-crash', key: testKey('steps') })
    await setup.close()
    // Step one says something, then calls the tool; the crash comes while the tool runs (its text is in the step's
    // ledger row by then, and the turn's checkpoint restarted empty for the next step).
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me run it first.', toolCalls: [{ id: 'call_steps', name: 'slow_exec', arguments: { label: 'crash' } }] },
      { pathPrefix: prefix, toolResultFor: 'call_steps', reply: 'It was cut short by the restart.' },
    ])
    await crashDuringTool(dataDir, service, sessionId, workspace)

    const { tool } = gatedTool('slow_exec', dataDir, 'execute')
    const h = await CoreHarness.open(dataDir, service, { toolSet: () => ({ tools: [tool], workspace, approval: () => 'allow' }) })
    try {
      const ended = await h.waitFor('chat', (e) => e.type === 'turn-ended' && e.sessionId === sessionId)
      expect(ended).toMatchObject({ status: 'done', error: null })
      const view = await h.call('sessions.open', { id: sessionId })
      expect(view.toolCalls).toMatchObject([{ providerCallId: 'call_steps', state: 'interrupted', resultPreview: INTERRUPTED_RESULT }])
      // No interrupted reply repeating step one's text: the user's message, then the continuation's reply.
      expect(view.messages.map((m) => [m.role, m.status, m.content])).toEqual([
        ['user', 'complete', 'run the slow command'],
        ['assistant', 'complete', 'It was cut short by the restart.'],
      ])
    } finally {
      await h.close()
    }
  })
})
