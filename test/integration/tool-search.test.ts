// Search includes tool calls (issue #9): a call's name, arguments and result are found through `sessions.search`
// on a real SQLite file, the index follows the row as its result is written later, a deleted session takes its
// tool hits with it, and migration 010 indexes the calls of a database made by schema 9 (backed up first).
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { ToolLedger, type NewToolCall } from '../../src/main/core/agents/tool-ledger'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { filesContaining } from '../support/data-scan'
import { openAtSchema } from '../support/previous-schema'

const service = testKeychainService()
const fake = fakeProviderForFile()
const SEARCH_VERSION = 10
const IDENTITY = { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }

/** A turn the way the agent loop leaves one: a user message, the turn, then the calls the model made in it. */
function turnWithCall(sessions: SessionStore, ledger: ToolLedger, sessionId: string, argumentsJson: string, name = 'read_file') {
  const userMessageId = sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: 'please look' })
  const turnId = sessions.startTurn({ sessionId, userMessageId, identity: IDENTITY })
  const call: NewToolCall = { sessionId, turnId, step: 0, position: 0, providerCallId: 'call_0', source: 'builtin', name, schemaHash: 'h', argumentsJson, effect: 'read', identityKey: 'k1', state: 'approved' }
  return { userMessageId, turnId, callId: ledger.record(call) }
}

/** The core's database file, written by a second connection as the agent loop's ledger writes it. */
function side(h: CoreHarness) {
  const db = new Database(path.join(h.dataDir, 'keel.db'))
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  return { db, sessions: new SessionStore(db), ledger: new ToolLedger(db) }
}

const words = (hit: { snippet: Array<{ text: string; match: boolean }> }) => hit.snippet.filter((s) => s.match).map((s) => s.text.toLowerCase())

describe('tool calls in search', () => {
  it("finds a call by its arguments and by its result, anchored at its turn's user message", async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    const w = side(h)
    const t = turnWithCall(w.sessions, w.ledger, s.id, JSON.stringify({ path: 'notes/pelican-survey.txt' }))
    expect(w.ledger.markRunning(t.callId)).toBe(true)
    expect(w.ledger.answer(t.callId, 'succeeded', 'Counted 14 flamingos on the east shore.')).toBe(true)
    w.db.close()

    const byArgs = (await h.call('sessions.search', { query: 'pelican' })).hits
    expect(byArgs.map((x) => [x.session.id, x.field, x.messageId, x.tool?.name, x.tool?.callId])).toEqual([[s.id, 'tool', t.userMessageId, 'read_file', t.callId]])
    expect(words(byArgs[0]!)).toEqual(['pelican'])
    const byResult = (await h.call('sessions.search', { query: 'flamingos' })).hits
    expect(byResult.map((x) => [x.field, x.messageId])).toEqual([['tool', t.userMessageId]])
    expect(words(byResult[0]!)).toEqual(['flamingos'])
    // The anchor opens the page that holds the call's turn, unchanged from a message hit.
    const view = await h.call('sessions.open', { id: s.id, around: byResult[0]!.messageId!, limit: 5 })
    expect(view.messages.map((m) => m.id)).toContain(t.userMessageId)
    await h.close()
  })

  it('a result written after the call was appended is found by its new text; the index never returns a stale row', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    const w = side(h)
    const t = turnWithCall(w.sessions, w.ledger, s.id, JSON.stringify({ command: 'ls' }), 'run_command')
    // Proposed, no result yet: only the arguments and the name are searchable.
    expect((await h.call('sessions.search', { query: 'quokka' })).hits).toEqual([])
    expect((await h.call('sessions.search', { query: 'run_command' })).hits.map((x) => x.tool?.callId)).toEqual([t.callId])
    // Arguments rewritten on approval replace the old ones in the index.
    expect(w.ledger.transition(t.callId, ['approved'], 'approved', JSON.stringify({ command: 'cat wombat.txt' }))).toBe(true)
    expect((await h.call('sessions.search', { query: 'wombat' })).hits.map((x) => x.tool?.callId)).toEqual([t.callId])
    expect((await h.call('sessions.search', { query: 'ls' })).hits).toEqual([])
    expect(w.ledger.markRunning(t.callId)).toBe(true)
    expect(w.ledger.answer(t.callId, 'succeeded', 'a quokka smiles')).toBe(true)
    w.db.close()
    const hits = (await h.call('sessions.search', { query: 'quokka' })).hits
    expect(hits.map((x) => [x.field, x.tool?.callId])).toEqual([['tool', t.callId]])
    expect(words(hits[0]!)).toEqual(['quokka'])
    // The index agrees with its content table (an FTS5 integrity check compares them).
    const check = new Database(path.join(h.dataDir, 'keel.db'), { readonly: false })
    expect(() => check.exec("INSERT INTO tool_calls_fts (tool_calls_fts) VALUES ('integrity-check')")).not.toThrow()
    check.close()
    await h.close()
  })

  it('deleting a session removes its tool hits; another session keeps its own', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const a = await h.call('sessions.create', {})
    const b = await h.call('sessions.create', {})
    const w = side(h)
    const ta = turnWithCall(w.sessions, w.ledger, a.id, JSON.stringify({ path: 'capybara.md' }))
    const tb = turnWithCall(w.sessions, w.ledger, b.id, JSON.stringify({ path: 'capybara.md' }))
    w.db.close()
    expect((await h.call('sessions.search', { query: 'capybara' })).hits.map((x) => x.tool?.callId).sort()).toEqual([ta.callId, tb.callId].sort())
    await h.call('sessions.delete', { id: a.id })
    expect((await h.call('sessions.search', { query: 'capybara' })).hits.map((x) => [x.session.id, x.tool?.callId])).toEqual([[b.id, tb.callId]])
    const db = new Database(path.join(h.dataDir, 'keel.db'), { readonly: true })
    expect(db.prepare("SELECT COUNT(*) AS n FROM tool_calls_fts WHERE tool_calls_fts MATCH 'capybara'").get()).toEqual({ n: 1 })
    db.close()
    await h.close()
  })

  it('pages titles, then messages, then tool calls in one order with an offset cursor', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    const s = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: s.id, title: 'heron log' })
    const w = side(h)
    const calls: string[] = []
    for (let i = 0; i < 4; i++) calls.push(turnWithCall(w.sessions, w.ledger, s.id, JSON.stringify({ path: `heron-${i}.txt` })).callId)
    w.sessions.appendMessage({ sessionId: s.id, turnId: null, role: 'user', content: 'the heron flew' })
    w.db.close()
    const seen: Array<[string, string | undefined]> = []
    let cursor: string | undefined
    for (;;) {
      const page = await h.call('sessions.search', { query: 'heron', cursor, limit: 2 })
      seen.push(...page.hits.map((x) => [x.field, x.tool?.callId] as [string, string | undefined]))
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    expect(seen.map(([f]) => f)).toEqual(['title', 'message', 'tool', 'tool', 'tool', 'tool'])
    expect(seen.slice(2).map(([, id]) => id).sort()).toEqual([...calls].sort())
    await h.close()
  })
})

describe('tool call search never holds a secret', () => {
  it("a real agent turn's read of a file holding the key is found by its other words; the key is stored nowhere", async () => {
    const dataDir = tempDataDir('keel-tool-search')
    const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
    const key = testKey('toolsearch')
    // Long enough that the whole result is kept in a file beside the ledger's capped text: both are checked.
    fs.writeFileSync(path.join(workspace, '.env'), `kingfisher notes\nAPI_KEY=${key}\n${`# ${'padding '.repeat(9)}\n`.repeat(1000)}API_KEY_AGAIN=${key}\n`)
    const h = await CoreHarness.open(dataDir, service, { toolSet: () => ({ tools: BUILTIN_TOOLS, workspace }) })
    await h.call('providers.create', { id: 'ts', name: 'TS', kind: 'openai-compatible', baseUrl: `${fake.url}/ts/v1`, key, api: 'openai-chat' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'ts', model: 'm-1' })
    fake.sequence([
      { pathPrefix: '/ts', reply: 'Reading.', toolCalls: [{ id: 'call_k1', name: 'read_file', arguments: { path: '.env' } }] },
      { pathPrefix: '/ts', toolResultFor: 'call_k1', reply: 'Done.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'read the env file' })
    expect(await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, mark)).toMatchObject({ turnId, status: 'done' })
    const hits = (await h.call('sessions.search', { query: 'kingfisher' })).hits
    expect(hits.map((x) => [x.field, x.tool?.name])).toEqual([['tool', 'read_file']])
    expect(hits[0]!.snippet.map((x) => x.text).join('')).not.toContain(key)
    expect((await h.call('sessions.search', { query: key })).hits).toEqual([])
    expect(fs.readdirSync(path.join(dataDir, 'tool-results')).length).toBe(1)
    await h.close()
    expect(filesContaining(dataDir, key)).toEqual([])
  })
})

describe('migration 010 (tool call search)', () => {
  it('indexes the calls of a database made by schema 9, after a backup of it', async () => {
    const old = openAtSchema(SEARCH_VERSION - 1)
    const { dataDir, backups } = old
    const sessions = new SessionStore(old.db)
    const ledger = new ToolLedger(old.db)
    const sessionId = sessions.create()
    const t = turnWithCall(sessions, ledger, sessionId, JSON.stringify({ url: 'https://example.test/axolotl' }), 'fetch_url')
    expect(ledger.markRunning(t.callId)).toBe(true)
    expect(ledger.answer(t.callId, 'succeeded', 'Axolotls regrow limbs.')).toBe(true)
    turnWithCall(sessions, ledger, sessionId, JSON.stringify({ path: 'b.txt' }))
    old.db.close()

    const h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    const backupFiles = fs.readdirSync(backups).filter((f) => f.endsWith('.db')).sort()
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(backups, backupFiles.at(-1)!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(SEARCH_VERSION - 1)
    expect(backup.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'tool_calls_fts'").get()).toEqual({ n: 0 })
    backup.close()

    const hits = (await h.call('sessions.search', { query: 'axolotl' })).hits
    expect(hits.map((x) => [x.session.id, x.field, x.messageId, x.tool?.callId])).toEqual([[sessionId, 'tool', t.userMessageId, t.callId]])
    expect((await h.call('sessions.search', { query: 'regrow' })).hits.map((x) => x.tool?.callId)).toEqual([t.callId])
    const diag = await h.call('diagnostics.app', {})
    expect(diag.migrations.some((m) => m.version === SEARCH_VERSION && /indexed 2 tool calls/.test(m.summary))).toBe(true)
    await h.close()
  })

  it("the tool search statements use the FTS index and primary keys, never a scan of a table", () => {
    const dir = tempDataDir()
    const o = openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups'))
    const store = new SessionStore(o.db)
    const prepared: string[] = []
    const original = Database.prototype.prepare
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push(sql)
      return original.call(this, sql)
    } as typeof original
    try {
      const sessionId = store.create()
      turnWithCall(store, new ToolLedger(o.db), sessionId, JSON.stringify({ path: 'ibis.txt' }))
      expect(store.search('ibis', 0, 10).hits.map((x) => x.field)).toEqual(['tool'])
    } finally {
      Database.prototype.prepare = original
    }
    const toolSql = prepared.filter((s) => /tool_calls_fts/.test(s))
    expect(toolSql.length).toBeGreaterThanOrEqual(2)
    for (const sql of toolSql) {
      const plan = o.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null)) as Array<{ detail: string }>
      for (const { detail } of plan) expect(/^SCAN /.test(detail) && !/USING (COVERING )?INDEX|VIRTUAL TABLE|CONSTANT ROW/.test(detail), `${detail} ← ${sql}`).toBe(false)
    }
    o.db.close()
  })
})
