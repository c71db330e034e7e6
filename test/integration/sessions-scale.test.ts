// Scale: the list and the open view come in pages whose cursors stay correct while sessions change underneath;
// search is full-text (FTS5) and stays in sync with every write; events name what changed; the schema change that
// brings this migrates an existing database; and the queries the app runs while in use never scan a whole table.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { SessionSummary } from '../../src/shared/domain'
import { backupDatabase, openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()

async function withProvider() {
  const h = await CoreHarness.open(tempDataDir(), service)
  await h.call('providers.create', { name: 'P', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'm', key: testKey('p') })
  return h
}

/** A second connection to the core's database file, as another tool (or an import) would write it. */
function sideConnection(h: CoreHarness): Database.Database {
  const db = new Database(path.join(h.dataDir, 'keel.db'))
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  return db
}

async function allPages(h: CoreHarness, limit: number, between?: (pageNo: number) => Promise<void>): Promise<SessionSummary[]> {
  const seen: SessionSummary[] = []
  let cursor: string | undefined
  for (let n = 0; ; n++) {
    const page = await h.call('sessions.list', { cursor, limit })
    seen.push(...page.items)
    if (!page.nextCursor) return seen
    cursor = page.nextCursor
    await between?.(n)
  }
}

describe('paged session list', () => {
  it('pages in list order with a total, and a cursor stays correct while sessions are added, moved and deleted', async () => {
    const h = await withProvider()
    const ids: string[] = []
    for (let i = 0; i < 23; i++) ids.push((await h.call('sessions.create', {})).id)
    const first = await h.call('sessions.list', { limit: 5 })
    expect(first.total).toBe(23)
    expect(first.items).toHaveLength(5)

    // Untouched, the pages hold every session once, in the one list order.
    const plain = await allPages(h, 5)
    expect(plain.map((s) => s.id).sort()).toEqual([...ids].sort())
    const order = plain.map((s) => s.id)

    // Now change things between pages: new sessions (they sort first, above the cursor), a session from further
    // down pinned (it moves above the cursor), one further down deleted, one renamed in place.
    const created: string[] = []
    const moved = order[20]!
    const deleted = order[17]!
    const renamed = order[18]!
    const changing = await allPages(h, 5, async (n) => {
      if (n === 0) created.push((await h.call('sessions.create', {})).id)
      if (n === 1) await h.call('sessions.pin', { id: moved, pinned: true })
      if (n === 1) await h.call('sessions.delete', { id: deleted })
      if (n === 2) await h.call('sessions.rename', { id: renamed, title: 'Renamed while paging' })
    })
    const got = changing.map((s) => s.id)
    // Nothing repeated, nothing unchanged skipped, nothing deleted served; the moved and new ones are above the
    // cursor (the events below tell a window to place them).
    expect(new Set(got).size).toBe(got.length)
    const unchanged = order.filter((id) => id !== moved && id !== deleted)
    expect(got.filter((id) => unchanged.includes(id))).toEqual(unchanged)
    expect(got).not.toContain(deleted)
    expect(changing.find((s) => s.id === renamed)?.title).toBe('Renamed while paging')
    expect((await h.call('sessions.list', { limit: 1 })).items[0]!.id).toBe(moved)
    expect((await h.call('sessions.list', {})).total).toBe(23)

    // A cursor Keel did not hand out is refused with a clear error, not a guess.
    expect(await h.fail('sessions.list', { cursor: 'page-2' })).toMatchObject({ kind: 'invalid-input', field: 'cursor', message: 'That page cursor is not one Keel handed out.', fix: 'Reload the list from its first page.' })
    await h.close()
  })

  it('sessions events name the changed sessions and the kind of change; summaries re-read just those', async () => {
    const h = await withProvider()
    let since = h.mark()
    const s = await h.call('sessions.create', {})
    expect(await h.waitFor('sessions', (e) => e.changes.some((c) => c.id === s.id), 2000, since)).toMatchObject({ changes: [{ id: s.id, kind: 'created' }], all: false })
    since = h.mark()
    await h.call('sessions.rename', { id: s.id, title: 'Named' })
    expect(await h.waitFor('sessions', () => true, 2000, since)).toMatchObject({ reason: 'renamed', changes: [{ id: s.id, kind: 'updated' }] })
    since = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hello' })
    await h.turnEnded(turnId)
    expect(await h.waitFor('sessions', (e) => e.reason === 'turn-ended', 2000, since)).toMatchObject({ changes: [{ id: s.id, kind: 'updated' }] })
    const [fresh] = await h.call('sessions.summaries', { ids: [s.id, 'gone'] })
    expect(fresh).toMatchObject({ id: s.id, title: 'Named', messageCount: 2, running: false })
    since = h.mark()
    await h.call('sessions.delete', { id: s.id })
    expect(await h.waitFor('sessions', () => true, 2000, since)).toMatchObject({ changes: [{ id: s.id, kind: 'deleted' }] })
    expect(await h.call('sessions.summaries', { ids: [s.id] })).toEqual([])
    // A key change may change every identity: the event says so instead of listing every session.
    since = h.mark()
    await h.call('providers.setKey', { id: 'p', key: testKey('p2') })
    expect(await h.waitFor('sessions', (e) => e.all, 2000, since)).toMatchObject({ all: true, changes: [] })
    await h.close()
  })
})

describe('paged messages', () => {
  it('opens on the latest page; older pages load by cursor without gaps or repeats while messages are appended', async () => {
    const h = await withProvider()
    const s = await h.call('sessions.create', {})
    const side = sideConnection(h)
    const store = new SessionStore(side)
    const t0 = Date.now()
    for (let i = 1; i <= 120; i++) store.appendMessage({ sessionId: s.id, turnId: null, role: i % 2 ? 'user' : 'assistant', content: `message number ${i}`, now: t0 + i })
    const view = await h.call('sessions.open', { id: s.id, limit: 50 })
    expect(view.messages.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `message number ${71 + i}`))
    expect(view.page).toMatchObject({ total: 120, newerCursor: null })
    expect(view.page.olderCursor).not.toBeNull()
    expect(view.session.messageCount).toBe(120)

    // New messages arrive underneath while the user scrolls up: the older pages do not shift.
    for (let i = 121; i <= 125; i++) store.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content: `message number ${i}`, now: t0 + i })
    const older = await h.call('sessions.messages', { id: s.id, before: view.page.olderCursor!, limit: 50 })
    expect(older.messages.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `message number ${21 + i}`))
    const oldest = await h.call('sessions.messages', { id: s.id, before: older.page.olderCursor!, limit: 50 })
    expect(oldest.messages.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `message number ${1 + i}`))
    expect(oldest.page.olderCursor).toBeNull()
    expect(oldest.page.total).toBe(125)
    // And below the first page, what came since.
    const newer = await h.call('sessions.messages', { id: s.id, after: view.page.endCursor!, limit: 50 })
    expect(newer.messages.map((m) => m.content)).toEqual([121, 122, 123, 124, 125].map((i) => `message number ${i}`))
    expect(newer.page.newerCursor).toBeNull()

    // Jump to a search hit: the page around that message, with cursors both ways.
    const hit = (await h.call('sessions.search', { query: 'message number 37' })).hits
    expect(hit.length).toBeGreaterThan(0)
    const target = hit.find((x) => x.field === 'message' && x.snippet.some((seg) => seg.match && seg.text === '37'))!
    expect(target).toBeDefined()
    const around = await h.call('sessions.open', { id: s.id, around: target.messageId!, limit: 30 })
    expect(around.messages.map((m) => m.id)).toContain(target.messageId)
    expect(around.messages[0]!.content).toBe('message number 27')
    expect(around.page.olderCursor).not.toBeNull()
    expect(around.page.newerCursor).not.toBeNull()
    const below = await h.call('sessions.messages', { id: s.id, after: around.page.newerCursor!, limit: 5 })
    expect(below.messages[0]!.content).toBe('message number 57')
    expect(await h.fail('sessions.open', { id: s.id, around: 'not-a-message' })).toMatchObject({ kind: 'not-found', field: 'around' })
    expect(await h.fail('sessions.messages', { id: s.id, before: 'x1' })).toMatchObject({ kind: 'invalid-input', field: 'before', message: 'That page cursor is not one Keel handed out.', fix: 'Reopen the session.' })
    side.close()
    await h.close()
  })

  it('a page carries the turns of its own messages, including a turn that failed without a reply', async () => {
    const h = await withProvider()
    const s = await h.call('sessions.create', {})
    for (const text of ['first', 'second', 'third']) await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text })).turnId)
    fake.script({ status: 400, times: 1 })
    await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text: 'fourth fails' })).turnId)
    const view = await h.call('sessions.open', { id: s.id, limit: 3 })
    expect(view.messages.map((m) => m.content)).toEqual(['third', 'Echo [m]: third', 'fourth fails'])
    // The turns of "third" and of the failed "fourth" (no reply: its error shows under its message), no others.
    expect(view.turns.map((t) => t.status)).toEqual(['done', 'error'])
    const older = await h.call('sessions.messages', { id: s.id, before: view.page.olderCursor!, limit: 3 })
    expect(older.messages.map((m) => m.content)).toEqual(['Echo [m]: first', 'second', 'Echo [m]: second'])
    // "first" (its reply is here) and "second".
    expect(older.turns.map((t) => t.status)).toEqual(['done', 'done'])
    await h.close()
  })
})

describe('full-text search', () => {
  it('finds titles and message text, ranked, with highlighted snippets, and follows edits, deletes and imports', async () => {
    const h = await withProvider()
    const a = await h.call('sessions.create', {})
    const b = await h.call('sessions.create', {})
    await h.turnEnded((await h.call('chat.send', { sessionId: a.id, text: 'the lighthouse keeper of Lisbon' })).turnId)
    await h.turnEnded((await h.call('chat.send', { sessionId: b.id, text: 'notes about gardening' })).turnId)
    const hits = (await h.call('sessions.search', { query: 'lisbon' })).hits
    // The title (taken from the first message) ranks first, then the two messages; snippets mark the match.
    expect(hits.map((x) => [x.session.id, x.field])).toEqual([
      [a.id, 'title'],
      [a.id, 'message'],
      [a.id, 'message'],
    ])
    expect(hits[1]!.snippet.filter((seg) => seg.match).map((seg) => seg.text)).toEqual(['Lisbon'])
    // Accents and case do not matter; the last word matches as a prefix while typing.
    expect((await h.call('sessions.search', { query: 'LISBÓN' })).hits).toHaveLength(3)
    expect((await h.call('sessions.search', { query: 'garden' })).hits.map((x) => x.session.id)).toEqual([b.id, b.id, b.id])

    // Rename: the new title is found, the old one no longer (the message text still is).
    await h.call('sessions.rename', { id: b.id, title: 'Compost heap' })
    expect((await h.call('sessions.search', { query: 'compost' })).hits.map((x) => [x.session.id, x.field])).toEqual([[b.id, 'title']])
    expect((await h.call('sessions.search', { query: 'gardening' })).hits.every((x) => x.field === 'message')).toBe(true)

    // Delete: every hit of the session goes with it.
    await h.call('sessions.delete', { id: a.id })
    expect((await h.call('sessions.search', { query: 'lisbon' })).hits).toEqual([])

    // Import: rows written by another connection (a restore, an import) are indexed by the same triggers.
    const side = sideConnection(h)
    const imported = 'aaaaaaaa-0000-4000-8000-000000000001'
    side.transaction(() => {
      side.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, 'Imported voyage', 1, 1)").run(imported)
      new SessionStore(side).appendMessage({ sessionId: imported, turnId: null, role: 'user', content: 'a caravel bound for Madeira' })
    })()
    side.close()
    expect((await h.call('sessions.search', { query: 'madeira' })).hits.map((x) => x.session.id)).toEqual([imported])
    expect((await h.call('sessions.search', { query: 'voyage' })).hits.map((x) => x.field)).toEqual(['title'])

    // The index and the tables agree after all of it.
    const check = sideConnection(h)
    expect(() => check.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check'); INSERT INTO titles_fts (titles_fts) VALUES ('integrity-check')")).not.toThrow()
    check.close()
    await h.close()
  })

  it('never fails on query syntax: whatever the user types is searched as text', async () => {
    const h = await withProvider()
    const s = await h.call('sessions.create', {})
    await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text: 'C++ "quoted" NEAR(x y) col:value AND OR NOT 100%_' })).turnId)
    for (const query of ['"unbalanced', 'AND', 'OR NOT', '*', 'col:value', '(', 'NEAR(x y)', "'; DROP TABLE sessions; --", '^start', 'a"b', '   ', '%%%', 'x'.repeat(200)]) {
      const result = await h.core.dispatch('sessions.search', { query })
      expect(result.ok, query).toBe(true)
    }
    expect((await h.call('sessions.search', { query: 'col:value' })).hits.length).toBeGreaterThan(0)
    expect((await h.call('sessions.search', { query: '"quoted"' })).hits.length).toBeGreaterThan(0)
    expect((await h.call('sessions.search', { query: '%%%' })).hits).toEqual([])
    await h.close()
  })

  it('pages through many hits without repeats', async () => {
    const h = await withProvider()
    const s = await h.call('sessions.create', {})
    const side = sideConnection(h)
    const store = new SessionStore(side)
    for (let i = 0; i < 30; i++) store.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content: `zebra sighting ${i}` })
    side.close()
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await h.call('sessions.search', { query: 'zebra', cursor, limit: 7 })
      ids.push(...page.hits.map((x) => x.messageId!))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
    await h.close()
  })
})

describe('migration 004 (search and paging indexes)', () => {
  it('migrates a database made by the previous version: backup first, old text searchable, counts right', async () => {
    // The previous version's schema, written the way it wrote rows.
    const old = openAtSchema(3)
    const { dataDir, file, backups } = old
    expect(old.schemaVersion).toBe(3)
    const store = new SessionStore(old.db)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = store.create(1000 + i)
      ids.push(id)
      store.rename(id, `Old session ${i} about ${['otters', 'beavers', 'herons'][i]}`)
      for (let m = 0; m < 4; m++) store.appendMessage({ sessionId: id, turnId: null, role: m % 2 ? 'assistant' : 'user', content: `old text ${i}.${m} ${i === 1 ? 'estuary' : 'river'}`, now: 2000 + m })
    }
    old.db.close()

    const h = await CoreHarness.open(dataDir, service)
    const state = await h.call('app.state', {})
    expect(state.schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    // The backup was taken before migrating, and is the previous version's file.
    const backupFiles = fs.readdirSync(backups).filter((f) => f.endsWith('.db'))
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(backups, backupFiles[0]!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(old.schemaVersion)
    backup.close()
    // Existing text and titles were indexed by the migration.
    expect((await h.call('sessions.search', { query: 'estuary' })).hits.map((x) => x.session.id)).toEqual([ids[1], ids[1], ids[1], ids[1]])
    expect((await h.call('sessions.search', { query: 'herons' })).hits.map((x) => [x.session.id, x.field])).toEqual([[ids[2], 'title']])
    const page = await h.call('sessions.list', {})
    expect(page.total).toBe(3)
    expect(page.items.map((s) => s.messageCount)).toEqual([4, 4, 4])
    // The migration is recorded for diagnostics.
    const diag = await h.call('diagnostics.app', {})
    expect(diag.migrations.some((m) => m.version === 4 && /full-text search \(indexed 12 messages and 3 titles\)/.test(m.summary))).toBe(true)
    await h.close()

    // A backup of the migrated file (VACUUM INTO) keeps the index in step with its tables.
    const reopened = openDatabase(file, backups)
    const copy = backupDatabase(reopened.db, backups, 'check')
    reopened.db.close()
    const c = new Database(copy)
    expect(() => c.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check'); INSERT INTO titles_fts (titles_fts) VALUES ('integrity-check')")).not.toThrow()
    expect(c.prepare("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'estuary'").get()).toEqual({ n: 4 })
    c.close()
  })
})

describe('query plans', () => {
  it('no statement the app runs while in use scans a whole table', async () => {
    // Record every statement prepared after startup, while exercising the hot paths, then ask SQLite for its plan.
    const h = await withProvider()
    const prepared = new Set<string>()
    const original = Database.prototype.prepare
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.add(sql)
      return original.call(this, sql)
    } as typeof original
    try {
      const s = await h.call('sessions.create', {})
      for (let i = 0; i < 3; i++) await h.call('sessions.create', {})
      for (const text of ['alpha', 'beta']) await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text })).turnId)
      // Branches (issue #12): regenerate, edit, and moving between versions walk the tree by key too.
      const [question, answer] = (await h.call('sessions.open', { id: s.id })).messages
      await h.turnEnded((await h.call('chat.regenerate', { sessionId: s.id, messageId: answer!.id })).turnId)
      await h.turnEnded((await h.call('chat.edit', { sessionId: s.id, messageId: question!.id, text: 'alpha again' })).turnId)
      await h.call('sessions.selectBranch', { sessionId: s.id, messageId: question!.id })
      await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text: 'gamma' })).turnId)
      const first = await h.call('sessions.list', { limit: 2 })
      await h.call('sessions.list', { limit: 2, cursor: first.nextCursor! })
      await h.call('sessions.summaries', { ids: [s.id] })
      const hit = (await h.call('sessions.search', { query: 'alpha' })).hits[0]!
      const view = await h.call('sessions.open', { id: s.id, limit: 1 })
      await h.call('sessions.open', { id: s.id, around: hit.messageId ?? view.messages[0]!.id, limit: 2 })
      await h.call('sessions.messages', { id: s.id, before: view.page.olderCursor! })
      await h.call('tray.menu', {})
      await h.call('sessions.rename', { id: s.id, title: 'x' })
      await h.call('sessions.pin', { id: s.id, pinned: true })
      await h.call('sessions.saveDraft', { id: s.id, text: 'draft' })
      await h.call('sessions.quickResume', { id: s.id })
    } finally {
      Database.prototype.prepare = original
    }
    const db = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    const scans: string[] = []
    for (const sql of prepared) {
      if (!/^\s*(WITH|SELECT|UPDATE|DELETE|INSERT)/i.test(sql)) continue
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null)) as Array<{ detail: string }>
      for (const { detail } of plan) {
        // A SCAN of a table without an index is a full scan; scanning an index in order with a LIMIT, a virtual
        // table (FTS5, json_each) or a constant row is not; nor is the branch walk's own queue (`ancestors`: the rows
        // a recursive query found by primary key, a page's worth).
        if (/^SCAN /.test(detail) && !/USING (COVERING )?INDEX|VIRTUAL TABLE|CONSTANT ROW/.test(detail) && detail !== 'SCAN ancestors') scans.push(`${detail}  ←  ${sql.replace(/\s+/g, ' ').slice(0, 140)}`)
      }
    }
    db.close()
    expect(prepared.size).toBeGreaterThan(10)
    expect(scans).toEqual([])
    await h.close()
  })
})
