// The doctor's JSON agrees with the database; its exit status tells scripts whether anything needs attention.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import { doctorCli } from '../support/doctor-cli'

const fake = fakeProviderForFile()

const service = testKeychainService()
const doctor = doctorCli(service)
// Each test spawns the doctor as a real Node process (tsx transpiles it at startup), several times; on a loaded
// machine that takes longer than the default 20 s, though nothing in them waits on time.
const DOCTOR_MS = 120_000

async function twoSessions() {
  const dataDir = tempDataDir()
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'good', name: 'Good', kind: 'openai-compatible', baseUrl: `${fake.url}/good/v1`, defaultModel: 'g-1', key: testKey('good') })
  await h.call('providers.create', { id: 'openai', name: 'OpenAI', kind: 'openai', baseUrl: 'https://api.openai.com/v1', api: 'openai-chat', key: testKey('oai') })
  const ok = await h.call('sessions.create', {})
  const legacy = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: legacy.id, entryId: 'openai', model: 'gpt-5.5' })
  await h.close()
  return { dataDir, ok: ok.id, legacy: legacy.id }
}

describe('doctor', () => {
  it('exits 0 and reports every session when all is well; the JSON matches the database', async () => {
    const { dataDir, ok, legacy } = await twoSessions()
    const r = await doctor(dataDir, '--json')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    const rows = db.prepare('SELECT id, binding_entry_id AS entryId, binding_model AS model FROM sessions').all() as Array<{ id: string; entryId: string; model: string }>
    db.close()
    expect(report.sessions.map((s: { sessionId: string }) => s.sessionId).sort()).toEqual([ok, legacy].sort())
    for (const dbRow of rows) {
      const s = report.sessions.find((x: { sessionId: string }) => x.sessionId === dbRow.id)
      const cells = Object.fromEntries(s.rows.map((x: { field: string; persisted: string | null }) => [x.field, x.persisted]))
      expect(cells).toMatchObject({ entryId: dbRow.entryId, model: dbRow.model })
      expect(s.status).toBe('ok')
    }
    expect(JSON.stringify(report)).not.toMatch(/sk-keeltest/)
  }, DOCTOR_MS)

  it('exits 1 for an unresolved or non-canonical session, --session narrows, --fix canonicalizes after a backup', async () => {
    const { dataDir, ok, legacy } = await twoSessions()
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare("UPDATE sessions SET binding_entry_id = 'openai-codex', binding_model = 'openai-codex/gpt-5.5' WHERE id = ?").run(legacy)
    db.close()
    const before = await doctor(dataDir, '--json')
    expect(before.code).toBe(1)
    const bad = JSON.parse(before.stdout).sessions.find((s: { sessionId: string }) => s.sessionId === legacy)
    // Repairable, as --fix shows below: reported as non-canonical, resolved as the repair will bind it.
    expect(bad.status).toBe('non-canonical')
    expect(bad.canonicalization.join(' ')).toContain('openai-codex')
    expect(bad.snapshot.identity).toMatchObject({ entryId: 'openai', model: 'gpt-5.5' })
    expect(bad.summary).toMatch(/not canonical/)

    const one = await doctor(dataDir, '--json', '--session', ok)
    expect(one.code).toBe(0)
    expect(JSON.parse(one.stdout).sessions).toHaveLength(1)

    expect(JSON.parse(before.stdout).sessions.map((s: { status: string }) => s.status).sort()).toEqual(['non-canonical', 'ok'])

    const fixed = await doctor(dataDir, '--fix')
    expect(fixed.stdout).toMatch(/1 binding\(s\) canonicalized/)
    expect(fixed.code).toBe(0)
    expect(fs.readdirSync(path.join(dataDir, 'backups')).some((f) => f.includes('before-binding-repair'))).toBe(true)
    const check = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
    expect(check.prepare('SELECT binding_entry_id AS e, binding_model AS m FROM sessions WHERE id = ?').get(legacy)).toEqual({ e: 'openai', m: 'gpt-5.5' })
    check.close()
  }, DOCTOR_MS)

  it('reports a follow-default session whose default changed as drifted, with the explanation', async () => {
    const { dataDir, ok } = await twoSessions()
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.default = { entryId: 'openai', model: 'gpt-5.5' }
    fs.writeFileSync(file, JSON.stringify(cfg))
    const r = await doctor(dataDir)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/DRIFTED/)
    expect(r.stdout).toMatch(/follows the app default and switches at its next turn/)
    const json = JSON.parse((await doctor(dataDir, '--json', '--session', ok)).stdout)
    expect(json.sessions[0].rows.find((x: { field: string }) => x.field === 'entryId').drift.columns).toEqual(['config'])
  }, DOCTOR_MS)

  it('a missing database or a bad flag is a usage error (exit 2) with a clear message', async () => {
    const r = await doctor(tempDataDir())
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/There is no Keel database/)
    expect((await doctor(tempDataDir(), '--frobnicate')).code).toBe(2)
  }, DOCTOR_MS)
})
