// The startup repair of legacy binding rows and what it tells the user (diagnostics' migration log, the doctor's
// --fix report), and a pinned session's named differences when only the entry's kind changes. Written for the
// identity group's mutation survivors (docs/mutation.md): which rows are repaired, when a backup is made, the log text.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { runDoctor } from '../../src/main/core/diagnostics/doctor'

const fake = fakeProviderForFile()
const service = testKeychainService()

const legacyRow = (dataDir: string, id: string, entryId: string, model: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'))
  db.prepare("UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = 'pinned' WHERE id = ?").run(entryId, model, id)
  db.close()
}
const row = (dataDir: string, id: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const r = db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model FROM sessions WHERE id = ?').get(id)
  db.close()
  return r
}
const repairLog = (dataDir: string) => {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  const rows = db.prepare("SELECT summary FROM migration_log WHERE summary LIKE 'binding repair%' ORDER BY id").all() as Array<{ summary: string }>
  db.close()
  return rows.map((r) => r.summary)
}
const repairBackups = (dataDir: string) => {
  const dir = path.join(dataDir, 'backups')
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('before-binding-repair')) : []
}

async function withOpenAi(dataDir: string, sessions: number) {
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'openai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai'), api: 'openai-chat' })
  const ids: string[] = []
  for (let i = 0; i < sessions; i++) {
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'openai', model: 'gpt-5.5' })
    ids.push(s.id)
  }
  await h.close()
  return ids
}

describe('binding repair', () => {
  it('doctor --fix with only canonical rows and a row naming no entry: nothing repaired, no backup, no log row, the row listed with its reason', async () => {
    const dataDir = tempDataDir()
    const [canonical, classy] = await withOpenAi(dataDir, 2)
    legacyRow(dataDir, classy!, 'custom', 'mimo-v2.5-pro')

    const report = await runDoctor({ dataDir, keychainService: service, fix: true })
    expect(report.fixed).toMatchObject({ backupPath: null, repaired: [] })
    expect(report.fixed!.unrepairable).toHaveLength(1)
    expect(report.fixed!.unrepairable[0]).toMatchObject({ sessionId: classy, entryId: 'custom', model: 'mimo-v2.5-pro' })
    expect(report.fixed!.unrepairable[0]!.reason).toMatch(/"custom"/)
    expect(repairBackups(dataDir)).toEqual([])
    expect(repairLog(dataDir)).toEqual([])
    expect(row(dataDir, canonical!)).toEqual({ entryId: 'openai', model: 'gpt-5.5' })
    expect(row(dataDir, classy!)).toEqual({ entryId: 'custom', model: 'mimo-v2.5-pro' })
  })

  it('startup repairs only the legacy rows, and the log says how many with the backup it made (1 binding, then 2 bindings)', async () => {
    const dataDir = tempDataDir()
    const [keep, a, b, c] = await withOpenAi(dataDir, 4)
    legacyRow(dataDir, a!, 'openai-codex', 'openai-codex/gpt-5.5')

    let h = await CoreHarness.open(dataDir, service)
    const app = await h.call('diagnostics.app', {})
    const first = app.migrations.find((m) => m.summary.startsWith('binding repair'))!
    expect(first.summary).toBe(`binding repair: canonicalized 1 session binding (backup ${path.join(dataDir, 'backups', repairBackups(dataDir)[0]!)})`)
    expect((first.details as Array<{ sessionId: string }>).map((d) => d.sessionId)).toEqual([a])
    await h.close()

    legacyRow(dataDir, b!, 'openai-codex', 'openai-codex/gpt-5.5')
    legacyRow(dataDir, c!, 'openai-codex', 'openai-codex/gpt-5.5')
    h = await CoreHarness.open(dataDir, service)
    await h.close()
    const log = repairLog(dataDir)
    expect(log).toHaveLength(2)
    expect(log[1]).toMatch(/^binding repair: canonicalized 2 session bindings \(backup .*before-binding-repair.*\)$/)
    expect(repairBackups(dataDir)).toHaveLength(2)
    for (const id of [keep, a, b, c]) expect(row(dataDir, id!)).toEqual({ entryId: 'openai', model: 'gpt-5.5' })
  })

  it('a pinned session whose entry changed only its kind names "kind" as the difference', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/pin/v1`, api: 'openai-chat', defaultModel: 'p', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'pin', model: 'p' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hi' })
    await h.turnEnded(turnId)
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.providers[0].kind = 'openrouter'
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
    const changed = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    expect(changed.state).toMatchObject({ kind: 'config-changed', differences: [{ field: 'kind', active: 'openai-compatible', config: 'openrouter' }] })
    expect((changed.state as { message: string }).message).toMatch(/changed in config \(kind\)/)
    await h.close()
  })
})
