// What the user types in the search box and how the hits page (issue #13, written for the survivors of
// session-store.ts's ftsQuery, search() and the cursor decoders): several words and short words find what the user
// expects and not more; title hits, then message hits, then tool call hits come each exactly once, in order, for
// every page size and every page start, with "more" exactly while hits remain; cursors Keel did not hand out are
// refused. Real SQLite file; the messages and tool calls are written by a second connection as the agent loop does.
import Database from 'better-sqlite3'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'

const service = testKeychainService()
const IDENTITY = { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }

function side(h: CoreHarness) {
  const db = new Database(path.join(h.dataDir, 'keel.db'))
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  return { db, sessions: new SessionStore(db), ledger: new ToolLedger(db) }
}

/** A turn with one tool call whose arguments hold `text` (its user message says nothing searched for). */
function toolCall(w: ReturnType<typeof side>, sessionId: string, text: string): string {
  const userMessageId = w.sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: 'please look' })
  const turnId = w.sessions.startTurn({ sessionId, userMessageId, identity: IDENTITY })
  const call: NewToolCall = { sessionId, turnId, step: 0, position: 0, providerCallId: 'call_0', source: 'builtin', name: 'read_file', schemaHash: 'h', argumentsJson: JSON.stringify({ path: text }), effect: 'read', identityKey: 'k1', state: 'approved' }
  return w.ledger.record(call)
}

/** A hit as the user tells them apart: what kind, which session, which message or call. */
const key = (x: { field: string; session: { id: string }; messageId: string | null; tool?: { callId: string } }) => `${x.field}:${x.session.id}:${x.tool?.callId ?? x.messageId ?? ''}`

describe('what a typed query finds', () => {
  it('several words, a word being typed, short words and stray punctuation find what the user expects and not more', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    const w = side(h)
    const add = (content: string) => w.sessions.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content })
    const heronBird = add('a bird and a heron by the lake')
    const birdsong = add('birdsong and a heron at dawn')
    const he = add('he said nothing')
    w.db.close()
    const found = async (query: string) => (await h.call('sessions.search', { query })).hits.map((x) => x.messageId).sort()

    // The last word matches as a prefix while it is being typed (three letters or more)...
    expect(await found('hero')).toEqual([heronBird, birdsong].sort())
    expect(await found('her')).toEqual([heronBird, birdsong].sort())
    // ...but a word of one or two letters only matches itself, not every word that starts with it.
    expect(await found('he')).toEqual([he])
    // A word before the last is a whole word: "bird" does not find "birdsong".
    expect(await found('bird heron')).toEqual([heronBird])
    expect(await found('bird')).toEqual([heronBird, birdsong].sort())
    // Spaces around and between the words, and punctuation standing alone, change nothing.
    expect(await found('  bird   heron  ')).toEqual([heronBird])
    expect(await found('heron -')).toEqual([heronBird, birdsong].sort())
    expect(await found('- , heron')).toEqual([heronBird, birdsong].sort())
    // A "word" with no letter or digit in it, like an icon glyph pasted from a terminal prompt (a private-use
    // character, which the index would otherwise keep as a word), is left out like punctuation, not required.
    expect(await found('heron \uE0A0')).toEqual([heronBird, birdsong].sort())
    // Only punctuation: nothing to search, and no next page to ask for.
    expect(await h.call('sessions.search', { query: '- , ;' })).toEqual({ hits: [], nextCursor: null })
    await h.close()
  })

  it('a word with a double quote inside it (12"x18") finds the text that has those words side by side', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    const w = side(h)
    const add = (content: string) => w.sessions.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content })
    const poster = add('the poster is 12"x18" framed in oak')
    add('x18 is not 12 and not a poster size')
    w.db.close()
    const found = async (query: string) => (await h.call('sessions.search', { query })).hits.map((x) => x.messageId)

    // The quote stays part of the word as typed (doubled inside FTS5's quotes): the index splits the text there, so
    // the word is "12" then "x18", next to each other, not the one word "12x18" that no text has.
    expect(await found('12"x18"')).toEqual([poster])
    expect(await found('12"x18" framed')).toEqual([poster])
    // A word quoted as a whole is the word itself.
    expect(await found('"framed"')).toEqual([poster])
    await h.close()
  })

  it("a hit's snippet is exactly the text, with the matched word marked and no empty pieces", async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: s.id, title: 'heron log' })
    const hits = (await h.call('sessions.search', { query: 'heron' })).hits
    expect(hits.map((x) => x.snippet)).toEqual([[{ text: 'heron', match: true }, { text: ' log', match: false }]])
    await h.close()
  })
})

describe('search paging across titles, messages and tool calls', () => {
  it('every page size and every page start gives each hit exactly once, in order, with more exactly while hits remain', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const a = await h.call('sessions.create', {})
    const b = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: a.id, title: 'heron log' })
    await h.call('sessions.rename', { id: b.id, title: 'the heron pond' })
    const w = side(h)
    for (let i = 0; i < 3; i++) w.sessions.appendMessage({ sessionId: i % 2 ? a.id : b.id, turnId: null, role: 'user', content: `saw a heron ${i}` })
    const calls = [0, 1, 2].map((i) => toolCall(w, i % 2 ? b.id : a.id, `notes/heron-${i}.txt`))
    w.db.close()

    // The whole list in one page: 2 titles, 3 messages, 3 tool calls, in that order.
    const all = await h.call('sessions.search', { query: 'heron', limit: 200 })
    expect(all.nextCursor).toBeNull()
    const order = all.hits.map(key)
    expect(all.hits.map((x) => x.field)).toEqual(['title', 'title', 'message', 'message', 'message', 'tool', 'tool', 'tool'])
    expect(all.hits.filter((x) => x.field === 'tool').map((x) => x.tool!.callId).sort()).toEqual([...calls].sort())
    const total = order.length

    // Following the cursors with every page size: pages end at, before and after each boundary between kinds.
    for (let limit = 1; limit <= total + 1; limit++) {
      const seen: string[] = []
      let cursor: string | undefined
      for (;;) {
        const page = await h.call('sessions.search', { query: 'heron', cursor, limit })
        seen.push(...page.hits.map(key))
        const remaining = seen.length < total
        // "More" is offered exactly while hits remain: not after a last page that ends right at the last hit.
        expect([limit, seen.length, page.nextCursor !== null]).toEqual([limit, seen.length, remaining])
        if (!page.nextCursor) break
        cursor = page.nextCursor
      }
      expect([limit, seen]).toEqual([limit, order])
    }
    // Starting a page anywhere (past all title hits, in the middle of the message hits, past all of them) gives
    // the hits from there on.
    for (let offset = 0; offset <= total; offset++) {
      for (const limit of [1, 2, 3]) {
        const page = await h.call('sessions.search', { query: 'heron', cursor: String(offset), limit })
        expect([offset, limit, page.hits.map(key)]).toEqual([offset, limit, order.slice(offset, offset + limit)])
        expect([offset, limit, page.nextCursor]).toEqual([offset, limit, offset + limit < total ? String(offset + limit) : null])
      }
    }
    await h.close()
  })

  it('a page cursor Keel did not hand out is refused, not read as a nearby offset', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: s.id, title: 'heron log' })
    for (const cursor of ['1x', '1 ', '-1', '1.5']) {
      expect(await h.fail('sessions.search', { query: 'heron', cursor })).toMatchObject({ kind: 'invalid-input', field: 'cursor', message: 'That page cursor is not one Keel handed out.' })
    }
    expect(await h.fail('sessions.messages', { id: s.id, before: '3x' })).toMatchObject({ kind: 'invalid-input', field: 'before' })
    await h.close()
  })
})

describe('session list cursors', () => {
  it('a page that ends among pinned sessions continues with the rest of them, then the others', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await h.call('sessions.create', {})).id)
    for (const id of ids.slice(0, 3)) await h.call('sessions.pin', { id, pinned: true })
    const order = (await h.call('sessions.list', { limit: 200 })).items.map((x) => x.id)
    expect(order.slice(0, 3).sort()).toEqual(ids.slice(0, 3).sort())
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await h.call('sessions.list', { cursor, limit: 2 })
      seen.push(...page.items.map((x) => x.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(seen).toEqual(order)
    await h.close()
  })

  it('a cursor with text before or after the parts Keel writes is refused', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('sessions.create', {})
    await h.call('sessions.create', {})
    const first = await h.call('sessions.list', { limit: 1 })
    const good = first.nextCursor!
    expect((await h.call('sessions.list', { cursor: good, limit: 1 })).items).toHaveLength(1)
    for (const cursor of [`x${good}`, `2${good}`, `${good.replace(/:[^:]*$/, ':')}${'a'.repeat(65)}`, `${good}\nx`]) {
      expect(await h.fail('sessions.list', { cursor })).toMatchObject({ kind: 'invalid-input', field: 'cursor', message: 'That page cursor is not one Keel handed out.', fix: 'Reload the list from its first page.' })
    }
    await h.close()
  })
})
