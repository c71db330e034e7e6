// Diagnostics: agreeing views say so, a changed entry is explained once (with its consequences marked as such),
// and the copied report carries no secret — not the key, not header values.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

describe('session diagnostics', () => {
  it('a keyless local session whose views agree is ok, with no drift anywhere', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'local', name: 'Local', kind: 'ollama', baseUrl: `${fake.url}/ollama/v1`, defaultModel: 'llama3.3' })
    const s = await h.call('sessions.create', {})
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'hi' })
    await h.turnEnded(turnId)
    const d = await h.call('diagnostics.session', { id: s.id })
    expect(d.rows.filter((r) => r.drift !== null)).toEqual([])
    expect(d).toMatchObject({ status: 'ok', summary: 'All views agree.' })
    expect(d.rows.find((r) => r.field === 'credential')).toMatchObject({ active: 'provider:local · none', config: 'provider:local · none' })
    await h.close()
  })

  it('an edited base URL is explained on its row; the revision and catalog rows say they follow from it', async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'edge', name: 'Edge', kind: 'openai-compatible', baseUrl: `${fake.url}/a/v1`, defaultModel: 'e', key: testKey('edge'), headers: { 'X-Org-Token': 'org-secret-value' } })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'edge', model: 'e' })
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.providers[0].baseUrl = `${fake.url}/b/v1`
    cfg.providers[0].headers = { 'X-Org-Token': 'rotated-secret-value' }
    fs.writeFileSync(file, JSON.stringify(cfg))
    const snap = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed')
    expect(JSON.stringify(snap)).not.toContain('secret-value')
    const d = await h.call('diagnostics.session', { id: s.id })
    expect(d.status).toBe('config-changed')
    const by = (f: string) => d.rows.find((r) => r.field === f)!
    expect(by('baseUrl').drift).toMatchObject({ columns: ['config'], explanation: expect.stringContaining(`${fake.url}/b/v1`) })
    expect(by('configRevision').drift?.explanation).toBe('A consequence of the entry change above.')
    expect(by('catalog').drift?.explanation).toMatch(/^A consequence of the entry change above/)
    const report = await h.call('diagnostics.report', {})
    expect(report.json).not.toMatch(/sk-keeltest|secret-value/)
    expect(JSON.parse(report.json).sessions).toHaveLength(1)
    await h.close()
  })
})
