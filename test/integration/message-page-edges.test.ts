// The edges of paging a conversation (sessions.open / sessions.messages) and of the session rows around it, on a
// real SQLite file seeded as Keel writes it: a page asked for after the newest message or before the first, a session
// with none, a page that ends at a user message whose reply opens the next page (its turn and tool calls come with
// it), the card of a turn that has no reply (it shows on the one page whose messages it sits among, never on
// another), a page's turns oldest first, the "Show the earlier reply" versions (only at the end of the branch), a
// draft for a session deleted meanwhile, and an imported session's last activity.
import { describe, expect, it } from 'vitest'
import type Database from 'better-sqlite3'
import type { MessagePage } from '../../src/shared/domain'
import { longTexts, seededCoreEachTest } from '../support/seeded-core'
import { LONG_SESSION_ID, longMessageText } from '../e2e/support/seed'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'

const open = seededCoreEachTest('keel-page-edges')

const texts = (page: Pick<MessagePage, 'messages'>) => page.messages.map((m) => m.content)
const expected = longTexts

const IDENTITY = { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }
/** The id of the seeded long session's message `seq`, and when it was written. */
const msg = (seq: number) => `${LONG_SESSION_ID}-m${seq}`
const writtenAt = (db: Database.Database, seq: number) => (db.prepare('SELECT created_at AS t FROM messages WHERE id = ?').get(msg(seq)) as { t: number }).t

/**
 * A turn from the long session's last message, `asked`, answered by the next one (the text `longTexts` expects of
 * it), written as the agent loop does; with a tool call it made on the way. Returns the turn's id.
 */
function repliedTurn(db: Database.Database, asked: number, call?: { name: string; argumentsJson: string }): string {
  const sessions = new SessionStore(db)
  const turnId = sessions.startTurn({ sessionId: LONG_SESSION_ID, userMessageId: msg(asked), identity: IDENTITY, now: writtenAt(db, asked) })
  if (call) {
    const row: NewToolCall = { sessionId: LONG_SESSION_ID, turnId, step: 0, position: 0, providerCallId: 'call_0', source: 'builtin', name: call.name, schemaHash: 'h', argumentsJson: call.argumentsJson, effect: 'read', identityKey: 'k1', state: 'approved' }
    new ToolLedger(db).record(row, writtenAt(db, asked))
  }
  sessions.appendMessage({ sessionId: LONG_SESSION_ID, turnId, role: 'assistant', content: longMessageText(asked + 1), now: writtenAt(db, asked) + 1 })
  sessions.endTurn(turnId, 'done', null, '', writtenAt(db, asked) + 1)
  return turnId
}

/** More messages of the long session after its last, `from`..`to`, one millisecond apart as the seed writes them. */
function moreMessages(db: Database.Database, from: number, to: number): void {
  const sessions = new SessionStore(db)
  const base = writtenAt(db, 1) - 1
  for (let seq = from; seq <= to; seq++) sessions.appendMessage({ sessionId: LONG_SESSION_ID, turnId: null, role: seq % 2 === 1 ? 'user' : 'assistant', content: longMessageText(seq), now: base + seq })
}

describe('a page after the newest message', () => {
  it('is empty and not a dead end: its older cursor leads back to the newest messages, every one once', async () => {
    const h = await open({ sessions: 1, long: { title: 'Long', messages: 60 } })
    const latest = await h.call('sessions.messages', { id: LONG_SESSION_ID, limit: 20 })
    expect(texts(latest)).toEqual(expected(41, 60))
    expect(latest.page).toMatchObject({ newerCursor: null, endCursor: '60', total: 60 })

    // "What was appended since": nothing. Still, there are older messages, and the cursor says where they end.
    const since = await h.call('sessions.messages', { id: LONG_SESSION_ID, after: latest.page.endCursor!, limit: 20 })
    expect(since.messages).toEqual([])
    expect(since.page).toMatchObject({ newerCursor: null, endCursor: null, total: 60 })
    expect(since.page.olderCursor).not.toBeNull()

    // Scrolling up from there gives the newest message first and then every message once, in order, down to the first.
    let page = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: since.page.olderCursor!, limit: 20 })
    expect(texts(page)).toEqual(expected(41, 60))
    const seen = [...texts(page)]
    while (page.page.olderCursor) {
      page = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: page.page.olderCursor, limit: 20 })
      seen.unshift(...texts(page))
    }
    expect(seen).toEqual(expected(1, 60))

    // A cursor far past the end is the same: nothing newer, the older ones reachable.
    const far = await h.call('sessions.messages', { id: LONG_SESSION_ID, after: '5000', limit: 20 })
    expect(far.messages).toEqual([])
    expect(far.page.newerCursor).toBeNull()
    expect(texts(await h.call('sessions.messages', { id: LONG_SESSION_ID, before: far.page.olderCursor!, limit: 20 }))).toEqual(expected(41, 60))
  })

  it('in a session with no messages, nothing is older or newer, whichever cursor is asked', async () => {
    const h = await open({ sessions: 0, long: { title: 'Empty', messages: 0 } })
    const none = { messages: [], turns: [], page: { olderCursor: null, newerCursor: null, endCursor: null, total: 0 } }
    const view = await h.call('sessions.open', { id: LONG_SESSION_ID })
    expect({ messages: view.messages, turns: view.turns, page: view.page }).toEqual(none)
    for (const at of [{}, { after: '0' }, { after: '7' }, { before: '1' }, { before: '7' }]) {
      const page = await h.call('sessions.messages', { id: LONG_SESSION_ID, ...at })
      expect({ messages: page.messages, turns: page.turns, page: page.page }).toEqual(none)
    }
  })
})

describe('a page before the first message', () => {
  it('is empty and says nothing is older or newer, for position 0 as for the first message (not the newest messages again)', async () => {
    const h = await open({ sessions: 0, long: { title: 'Long', messages: 60 } })
    const none = { messages: [], turns: [], page: { olderCursor: null, newerCursor: null, endCursor: null, total: 60 } }
    for (const before of ['0', '1']) {
      const page = await h.call('sessions.messages', { id: LONG_SESSION_ID, before, limit: 20 })
      expect({ messages: page.messages, turns: page.turns, page: page.page }).toEqual(none)
    }
  })
})

describe('a page that ends at a user message whose reply opens the next page', () => {
  it('shows that turn with it: the tool call the turn made sits right under the message, before the reply is loaded', async () => {
    // Message 33 asked, the agent read a file, message 34 is its reply; message 27 mentions a pelican (a search hit).
    let turnId = ''
    const h = await open({ sessions: 0, long: { title: 'Long', messages: 33, mark: { seq: 27, text: 'pelican' } } }, (db) => {
      turnId = repliedTurn(db, 33, { name: 'read_file', argumentsJson: JSON.stringify({ path: 'tide-table.txt' }) })
      moreMessages(db, 35, 40)
    })
    const hit = (await h.call('sessions.search', { query: 'pelican' })).hits.find((x) => x.field === 'message')
    expect(hit?.messageId).toBe(msg(27))
    // A page of 10 around the hit: 3 above it, the hit and 6 below, so it ends at message 33; 34 opens the next page.
    const view = await h.call('sessions.open', { id: LONG_SESSION_ID, around: hit!.messageId!, limit: 10 })
    const withMark = (from: number, to: number) => expected(from, to).map((t) => (t === longMessageText(27) ? `${t} pelican` : t))
    expect(texts(view)).toEqual(withMark(24, 33))
    expect(view.page.newerCursor).toBe('33')
    const calls = (page: Pick<MessagePage, 'toolCalls'>) => (page.toolCalls ?? []).map((c) => [c.turnId, c.toolName, c.arguments])
    const tideTable = [[turnId, 'read_file', JSON.stringify({ path: 'tide-table.txt' })]]
    expect(view.turns.map((t) => [t.id, t.userMessageId, t.status])).toEqual([[turnId, msg(33), 'done']])
    expect(calls(view)).toEqual(tideTable)

    // The next page begins with the reply and has the turn too; scrolling up from it gives the same page as above.
    const newer = await h.call('sessions.messages', { id: LONG_SESSION_ID, after: view.page.newerCursor!, limit: 10 })
    expect(texts(newer)).toEqual(expected(34, 40))
    expect(newer.turns.map((t) => t.id)).toEqual([turnId])
    const above = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: newer.page.olderCursor!, limit: 10 })
    expect(texts(above)).toEqual(withMark(24, 33))
    expect(above.turns.map((t) => t.id)).toEqual([turnId])
    expect(calls(above)).toEqual(tideTable)
  })
})

describe('turns without a reply', () => {
  it('the turns of a page come oldest first: a continuation card before the turn of a later reply', async () => {
    // A continuation that ended before any text after message 45, and a turn from message 57 answered by 58.
    let replied = ''
    const h = await open({ sessions: 0, long: { title: 'Long', messages: 57 } }, (db) => {
      db.prepare(
        "INSERT INTO turns (id, session_id, seq, status, user_message_id, identity_key, entry_id, model, base_url, api, started_at, ended_at, kind) VALUES ('continuation', ?, 1, 'stopped', NULL, 'k', 'e', 'm', 'http://127.0.0.1:9/v1', 'openai-chat', ?, ?, 'continuation')",
      ).run(LONG_SESSION_ID, writtenAt(db, 45), writtenAt(db, 45))
      replied = repliedTurn(db, 57)
      moreMessages(db, 59, 60)
    })
    const view = await h.call('sessions.open', { id: LONG_SESSION_ID, limit: 20 })
    expect(texts(view)).toEqual(expected(41, 60))
    expect(view.turns.map((t) => t.id)).toEqual(['continuation', replied])
  })


  it("a continuation's card comes with the page of the messages it sits among, and with no other page", async () => {
    // Two continuations that ended before any text (a crash recovery stopped at once): one after message 10, one
    // after message 55. Pages of 20: 41–60 (the latest), 21–40, 1–20.
    const h = await open({ sessions: 1, long: { title: 'Long', messages: 60 } }, (db) => {
      const at = (seq: number) => (db.prepare('SELECT created_at AS t FROM messages WHERE session_id = ? AND seq = ?').get(LONG_SESSION_ID, seq) as { t: number }).t
      const turn = db.prepare(
        "INSERT INTO turns (id, session_id, seq, status, user_message_id, identity_key, entry_id, model, base_url, api, started_at, ended_at, kind) VALUES (?, ?, ?, 'stopped', NULL, 'k', 'e', 'm', 'http://127.0.0.1:9/v1', 'openai-chat', ?, ?, 'continuation')",
      )
      turn.run('early-continuation', LONG_SESSION_ID, 1, at(10), at(10))
      turn.run('late-continuation', LONG_SESSION_ID, 2, at(55), at(55))
    })
    const view = await h.call('sessions.open', { id: LONG_SESSION_ID, limit: 20 })
    expect(texts(view)).toEqual(expected(41, 60))
    const middle = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: view.page.olderCursor!, limit: 20 })
    expect(texts(middle)).toEqual(expected(21, 40))
    const first = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: middle.page.olderCursor!, limit: 20 })
    expect(texts(first)).toEqual(expected(1, 20))
    expect(first.page.olderCursor).toBeNull()

    expect(view.turns.map((t) => t.id)).toEqual(['late-continuation'])
    expect(middle.turns.map((t) => t.id)).toEqual([])
    expect(first.turns.map((t) => t.id)).toEqual(['early-continuation'])
  })
})

describe('versions at the end of the branch', () => {
  it('a conversation without versions offers no "Show the earlier reply" on any message', async () => {
    const h = await open({ sessions: 0, long: { title: 'Long', messages: 30 } })
    const view = await h.call('sessions.open', { id: LONG_SESSION_ID, limit: 10 })
    const older = await h.call('sessions.messages', { id: LONG_SESSION_ID, before: view.page.olderCursor!, limit: 10 })
    for (const m of [...older.messages, ...view.messages]) {
      expect(m.replyVersions).toBeUndefined()
      expect(m.versions).toBeUndefined()
    }
  })
})

describe('session rows', () => {
  it('a draft typed into a session deleted meanwhile is refused as not found, and no session comes back', async () => {
    const h = await open({ sessions: 2 })
    await h.call('sessions.saveDraft', { id: 'seed-session-0', text: 'kept' })
    expect((await h.call('sessions.open', { id: 'seed-session-0' })).draft).toBe('kept')
    await h.call('sessions.delete', { id: 'seed-session-0' })
    const refused = await h.fail('sessions.saveDraft', { id: 'seed-session-0', text: 'half a thought' })
    expect(refused).toMatchObject({ kind: 'not-found', message: 'That session no longer exists.' })
    const list = await h.call('sessions.list', {})
    expect(list.items.map((s) => s.id)).toEqual(['seed-session-1'])
    expect(list.total).toBe(1)
  })

  it('an imported session keeps its last activity from the file, so the list orders it as it was', async () => {
    const h = await open({ sessions: 3, long: { title: 'Long', messages: 4 } })
    const [long] = await h.call('sessions.summaries', { ids: [LONG_SESSION_ID] })
    expect(long!.updatedAt).not.toBe(long!.createdAt)
    const json = await h.call('data.exportSession', { id: LONG_SESSION_ID, format: 'json' })
    const imported = await h.call('data.import', { format: 'keel', text: json.text })
    const [copy] = await h.call('sessions.summaries', { ids: [imported.sessions[0]!.id] })
    expect(copy!.updatedAt).toBe(long!.updatedAt)
    expect(copy!.createdAt).toBe(long!.createdAt)
    // The seeded sessions were active before the long one: the copy sits beside the original, above them.
    const order = (await h.call('sessions.list', {})).items.map((s) => s.id)
    expect(order.slice(2)).toEqual(['seed-session-2', 'seed-session-1', 'seed-session-0'])
    expect(order.slice(0, 2).sort()).toEqual([LONG_SESSION_ID, copy!.id].sort())
  })
})
