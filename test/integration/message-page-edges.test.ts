// The edges of paging a conversation (sessions.open / sessions.messages) and of the session rows around it, on a
// real SQLite file seeded as Keel writes it: a page asked for after the newest message, a session with none, the
// card of a turn that has no reply (it shows on the one page whose messages it sits among, never on another), the
// "Show the earlier reply" versions (only at the end of the branch), a draft for a session deleted meanwhile, and an
// imported session's last activity.
import { describe, expect, it } from 'vitest'
import type { MessagePage } from '../../src/shared/domain'
import { longTexts, seededCoreEachTest } from '../support/seeded-core'
import { LONG_SESSION_ID } from '../e2e/support/seed'

const open = seededCoreEachTest('keel-page-edges')

const texts = (page: Pick<MessagePage, 'messages'>) => page.messages.map((m) => m.content)
const expected = longTexts

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

describe('turns without a reply', () => {
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
