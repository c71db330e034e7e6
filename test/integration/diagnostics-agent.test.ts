// The agent side of diagnostics (issue #9) through the contract: the session's profile and revision, each step of
// its latest agent turn with its identity key and the tools it offered (migration 009), and the grants in force for
// the session — in diagnostics.session and in the diagnostics.report JSON, which holds no key.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { openDatabase } from '../../src/main/core/sessions/database'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { ToolLedger } from '../../src/main/core/agents/tool-ledger'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()
const toolSets = new Map<string, SessionToolSet>()
let h: CoreHarness
let dataDir: string
let workspace: string
const key = testKey('diag')

beforeAll(async () => {
  dataDir = tempDataDir('keel-diag-agent')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
  await h.call('providers.create', { id: 'd', name: 'Diag', kind: 'openai-compatible', baseUrl: `${fake.url}/diag/v1`, key, api: 'openai-chat', defaultModel: 'm-1' })
})
afterAll(async () => {
  await h.close()
})

describe('diagnostics: the agent side', () => {
  it('shows the profile, each step of the last turn with its identity key and offered tools, and only the grants that apply', async () => {
    const s = await h.call('sessions.create', {})
    const other = await h.call('sessions.create', {})
    for (const id of [s.id, other.id]) {
      await h.call('sessions.bind', { id, entryId: 'd', model: 'm-1' })
      toolSets.set(id, { tools: BUILTIN_TOOLS, workspace })
    }
    // Before any agent turn: the profile, no steps, no grants.
    const empty = await h.call('diagnostics.session', { id: s.id })
    expect(empty.agent).toMatchObject({ profile: { id: 'chat', missing: false }, lastTurn: null, toolsOffered: [], grants: [] })
    expect(empty.agent!.profile.revision).toEqual(expect.any(String))

    fake.sequence([
      { pathPrefix: '/diag', toolCalls: [{ id: 'call_w', name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] },
      { pathPrefix: '/diag', toolResultFor: 'call_w', reply: 'Written.' },
    ])
    const mark = h.mark()
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'write it' })
    // The turn ends paused, awaiting approval; allowed for this session, it runs on and ends for good.
    expect(await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, mark)).toMatchObject({ pause: { reason: 'awaiting-approval' } })
    const [call] = (await h.call('sessions.open', { id: s.id })).toolCalls!
    const m2 = h.mark()
    await h.call('tools.approve', { callId: call!.id, scope: 'session' })
    expect(await h.waitFor('chat', (e) => e.sessionId === s.id && e.type === 'turn-ended', 10_000, m2)).toMatchObject({ status: 'done', error: null })

    const d = await h.call('diagnostics.session', { id: s.id })
    const agent = d.agent!
    const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    const turnKey = (db.prepare('SELECT identity_key AS k FROM turns WHERE id = ?').get(turnId) as { k: string }).k
    db.close()
    expect(agent.lastTurn?.turnId).toBe(turnId)
    expect(agent.lastTurn!.steps.map((x) => [x.step, x.identityKey, x.finishReason])).toEqual([
      [0, turnKey, 'tool-calls'],
      [1, turnKey, 'text'],
    ])
    const offered = BUILTIN_TOOLS.map((t) => ({ source: 'builtin', name: t.name, schemaHash: t.schemaHash }))
    for (const step of agent.lastTurn!.steps) expect(step.tools).toEqual(offered)
    expect(agent.toolsOffered).toEqual(offered)
    expect(agent.grants).toMatchObject([{ scope: 'session', source: 'builtin', toolName: 'write_file', effect: 'write' }])
    expect(agent.grants[0]!.schemaHash).toBe(BUILTIN_TOOLS.find((t) => t.name === 'write_file')!.schemaHash)
    expect(agent.profile).toMatchObject({ id: 'chat', missing: false, sessionRevision: agent.profile.revision })

    // The other session: the first one's session grant does not apply to it.
    expect((await h.call('diagnostics.session', { id: other.id })).agent!.grants).toEqual([])

    const report = JSON.parse((await h.call('diagnostics.report', { id: s.id })).json)
    expect(report.sessions[0].agent.lastTurn.steps).toHaveLength(2)
    expect(report.sessions[0].agent.grants[0].toolName).toBe('write_file')
    expect(JSON.stringify(report)).not.toContain(key)
  })
})

describe('migration 009', () => {
  it('adds turn_steps.tools_json to a schema-8 database after a backup; steps recorded before read as unknown', () => {
    const old = openAtSchema(8, tempDataDir('keel-m9'))
    const { file, backups } = old
    const oldSessions = new SessionStore(old.db)
    const sessionId = oldSessions.create()
    const userMessageId = oldSessions.appendMessage({ sessionId, turnId: null, role: 'user', content: 'hi' })
    const turnId = oldSessions.startTurn({ sessionId, userMessageId, identity: { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' } })
    // As version 8 wrote a step (no tools column yet).
    old.db.prepare('INSERT INTO turn_steps (turn_id, step, identity_key, started_at) VALUES (?, 0, ?, ?)').run(turnId, 'k1', Date.now())
    old.db.close()

    const now = openDatabase(file, backups)
    try {
      expect(now.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version)
      const ledger = new ToolLedger(now.db)
      expect(ledger.steps(turnId)).toMatchObject([{ step: 0, identityKey: 'k1', tools: null }])
      ledger.startStep(turnId, 1, 'k1', Date.now(), [{ source: 'builtin', name: 'read_file', schemaHash: 'h1' }])
      expect(ledger.steps(turnId)[1]!.tools).toEqual([{ source: 'builtin', name: 'read_file', schemaHash: 'h1' }])
      expect((now.db.prepare('SELECT summary FROM migration_log WHERE version = 9').get() as { summary: string }).summary).toMatch(/tools_json \(1 existing step/)
    } finally {
      now.db.close()
    }
    const backup = new Database(path.join(backups, fs.readdirSync(backups).sort().at(-1)!), { readonly: true })
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(8)
      expect((backup.prepare('SELECT COUNT(*) AS n FROM turn_steps').get() as { n: number }).n).toBe(1)
    } finally {
      backup.close()
    }
  })
})
