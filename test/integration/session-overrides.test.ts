// A session's own instructions and parameters (issue #12), on the real core, a real SQLite file and the recording
// fake provider: what reached the wire on each of the three APIs (Chat Completions, Responses, Anthropic Messages),
// that a restart keeps the override, that clearing it sends the profile's values again, that bad values are refused
// with an error naming the field (and nothing stored), that diagnostics and its report show it, and migration 017
// on a database made by the schema before it.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RecordedRequest } from '../fake-provider/server'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()
const OVERRIDES_VERSION = 17

type Body = Record<string, unknown> & { messages?: Array<{ role: string; content: unknown }> }
const bodyOf = (r: RecordedRequest) => r.body as Body

/** One keyless Chat Completions entry, an OpenAI (Responses) and an Anthropic entry, and a tuned profile. */
async function open(dataDir = tempDataDir('keel-session-overrides')) {
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, auth: 'none', defaultModel: 'm-1' })
  await h.call('providers.create', { id: 'oai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key: testKey('oai') })
  await h.call('providers.create', { id: 'claude', name: 'Claude', kind: 'anthropic', baseUrl: `${fake.url}/anthropic`, key: testKey('claude') })
  await h.call('profiles.create', { name: 'Tuned', instructions: 'Be terse.', parameters: { temperature: 0.3, maxOutputTokens: 1234, reasoningEffort: 'low' } })
  return { dataDir, h }
}

async function reopen(h: CoreHarness) {
  await h.close()
  return CoreHarness.open(h.dataDir, service)
}

async function lastRequestOf(h: CoreHarness, sessionId: string, text: string): Promise<RecordedRequest> {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
  return fake.requests().at(-1)!
}

const BINDINGS = [
  { api: 'openai-chat', entryId: 'work', model: 'm-1' },
  { api: 'openai-responses', entryId: 'oai', model: 'gpt-5.5' },
  { api: 'anthropic-messages', entryId: 'claude', model: 'claude-test-1' },
] as const

/** The instructions and parameters as each API carries them on the wire. */
function wireOf(r: RecordedRequest): { instructions: unknown; temperature: unknown; maxTokens: unknown; effort: unknown } {
  const b = bodyOf(r)
  if (r.protocol === 'openai-chat') {
    const first = b.messages![0]!
    return { instructions: first.role === 'system' ? first.content : undefined, temperature: b.temperature, maxTokens: b.max_tokens, effort: b.reasoning_effort }
  }
  if (r.protocol === 'openai-responses') return { instructions: b.instructions, temperature: b.temperature, maxTokens: b.max_output_tokens, effort: (b.reasoning as { effort?: string } | undefined)?.effort }
  // Anthropic Messages has no reasoning effort field: Keel does not invent one.
  return { instructions: b.system, temperature: b.temperature, maxTokens: b.max_tokens, effort: undefined }
}

describe('per-session instructions and parameters on the wire', () => {
  for (const binding of BINDINGS) {
    it(`${binding.api}: the override is sent, survives a restart, and clearing it sends the profile's values again`, async () => {
      let { h } = await open()
      const s = await h.call('sessions.create', { profileId: 'tuned' })
      await h.call('sessions.bind', { id: s.id, entryId: binding.entryId, model: binding.model })

      // Before any override: the profile's values.
      const before = await lastRequestOf(h, s.id, 'one')
      expect(before.protocol).toBe(binding.api)
      const profileEffort = binding.api === 'anthropic-messages' ? undefined : 'low'
      expect(wireOf(before)).toEqual({ instructions: 'Be terse.', temperature: 0.3, maxTokens: 1234, effort: profileEffort })

      // The session's own instructions, temperature and effort; max output tokens stays the profile's (field by field).
      const set = await h.call('sessions.setOverrides', { id: s.id, instructions: 'Answer in French.', params: { temperature: 1.5, reasoningEffort: 'high' } })
      expect(set).toMatchObject({
        instructions: 'Answer in French.',
        params: { temperature: 1.5, reasoningEffort: 'high' },
        effective: { instructions: 'Answer in French.', parameters: { temperature: 1.5, maxOutputTokens: 1234, reasoningEffort: 'high' } },
      })
      expect(set.line).toBe('instructions (17 characters) · temperature 1.5 · reasoning effort high')
      const overridden = await lastRequestOf(h, s.id, 'two')
      expect(wireOf(overridden)).toEqual({ instructions: 'Answer in French.', temperature: 1.5, maxTokens: 1234, effort: binding.api === 'anthropic-messages' ? undefined : 'high' })

      // A restart keeps it (it is the session's, in SQLite), and the next request still carries it.
      h = await reopen(h)
      expect(await h.call('sessions.overrides', { id: s.id })).toMatchObject({ instructions: 'Answer in French.', params: { temperature: 1.5, reasoningEffort: 'high' } })
      expect(wireOf(await lastRequestOf(h, s.id, 'three'))).toEqual(wireOf(overridden))

      // Cleared: the profile's values again, on the wire too; the messages so far are untouched (metadata only).
      const cleared = await h.call('sessions.setOverrides', { id: s.id, instructions: null, params: null })
      expect(cleared).toMatchObject({ instructions: null, params: null, line: null, effective: { instructions: 'Be terse.', parameters: { temperature: 0.3, maxOutputTokens: 1234, reasoningEffort: 'low' } } })
      expect(wireOf(await lastRequestOf(h, s.id, 'four'))).toEqual(wireOf(before))
      const texts = (await h.call('sessions.open', { id: s.id })).messages.filter((m) => m.role === 'user').map((m) => m.content)
      expect(texts).toEqual(['one', 'two', 'three', 'four'])
      await h.close()
    })
  }

  it('a Chat session (no profile instructions or parameters) sends exactly what its override sets, and nothing after clearing', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    await h.call('sessions.setOverrides', { id: s.id, instructions: 'You are a pirate.', params: { maxOutputTokens: 77 } })
    const body = bodyOf(await lastRequestOf(h, s.id, 'ahoy'))
    expect(body.messages![0]).toEqual({ role: 'system', content: 'You are a pirate.' })
    expect(body.max_tokens).toBe(77)
    expect(body).not.toHaveProperty('temperature')
    await h.call('sessions.setOverrides', { id: s.id, instructions: null, params: null })
    const plain = bodyOf(await lastRequestOf(h, s.id, 'again'))
    expect(Object.keys(plain).sort()).toEqual(['messages', 'model', 'stream', 'stream_options'])
    expect(plain.messages![0]).toMatchObject({ role: 'user' })
    await h.close()
  })

  it('bad values are refused with an error naming the field, and the stored override is unchanged', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', { profileId: 'tuned' })
    await h.call('sessions.setOverrides', { id: s.id, instructions: null, params: { temperature: 0.9 } })
    const cases: Array<[unknown, string, RegExp]> = [
      [{ temperature: 2.5 }, 'params.temperature', /Temperature must be from 0 to 2/],
      [{ temperature: -0.1 }, 'params.temperature', /Temperature must be from 0 to 2/],
      [{ maxOutputTokens: 0 }, 'params.maxOutputTokens', /Max output tokens must be a whole number above 0/],
      [{ maxOutputTokens: 12.5 }, 'params.maxOutputTokens', /whole number/],
      [{ reasoningEffort: 'extreme' }, 'params.reasoningEffort', /Reasoning effort must be one of minimal, low, medium, high/],
      [{ topP: 0.5 }, 'params', /topP/],
    ]
    for (const [params, field, message] of cases) {
      const refused = await h.fail('sessions.setOverrides', { id: s.id, instructions: 'x', params } as never)
      expect(refused).toMatchObject({ kind: 'invalid-input', field })
      expect(refused.message).toMatch(message)
    }
    expect(await h.fail('sessions.setOverrides', { id: 'no-such-session', instructions: null, params: null })).toMatchObject({ kind: 'not-found' })
    expect(await h.call('sessions.overrides', { id: s.id })).toMatchObject({ instructions: null, params: { temperature: 0.9 } })
    // An empty parameter object overrides nothing: stored as none, the line says no override.
    expect(await h.call('sessions.setOverrides', { id: s.id, instructions: null, params: {} })).toMatchObject({ params: null, line: null })
    await h.close()
  })

  it('diagnostics and the diagnostics report show the override next to the profile’s values', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', { profileId: 'tuned' })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    const plain = await h.call('diagnostics.session', { id: s.id })
    expect(plain.rows.find((r) => r.field === 'overrides')).toBeUndefined()
    expect(plain.overrides).toMatchObject({ instructions: null, params: null, line: null })

    await h.call('sessions.setOverrides', { id: s.id, instructions: 'Answer in French.', params: { maxOutputTokens: 500 } })
    const diag = await h.call('diagnostics.session', { id: s.id })
    const row = diag.rows.find((r) => r.field === 'overrides')!
    expect(row).toMatchObject({
      label: 'Instructions & parameters',
      active: 'instructions: Answer in French.; parameters: temperature 0.3 · max output tokens 500 · reasoning effort low',
      persisted: 'this session overrides instructions (17 characters) · max output tokens 500',
      config: 'profile "Tuned": instructions: Be terse.; parameters: temperature 0.3 · max output tokens 1,234 · reasoning effort low',
    })
    const report = JSON.parse((await h.call('diagnostics.report', { id: s.id })).json) as { sessions: Array<{ overrides: unknown; rows: Array<{ field: string }> }> }
    expect(report.sessions[0]!.overrides).toMatchObject({ instructions: 'Answer in French.', params: { maxOutputTokens: 500 } })
    expect(report.sessions[0]!.rows.some((r) => r.field === 'overrides')).toBe(true)
    await h.close()
  })

  it('a stored parameter override edited by hand into something invalid refuses the turn with a clear error and sends nothing', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', { profileId: 'tuned' })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    const db = new Database(path.join(h.dataDir, 'keel.db'))
    db.prepare('UPDATE sessions SET params_override = ? WHERE id = ?').run('{"temperature": 9}', s.id)
    db.close()
    const sent = fake.requests().length
    const refused = await h.call('chat.send', { sessionId: s.id, text: 'hi' }).then(
      async ({ turnId }) => {
        const ended = await h.turnEnded(turnId)
        return ended.type === 'turn-ended' ? ended.error : null
      },
      (e: { data: unknown }) => e.data,
    )
    expect(refused).toMatchObject({ kind: 'database', field: 'params' })
    expect(fake.requests().length).toBe(sent)
    expect(await h.fail('sessions.overrides', { id: s.id })).toMatchObject({ kind: 'database' })
    // Clearing repairs it.
    await h.call('sessions.setOverrides', { id: s.id, instructions: null, params: null })
    expect(await h.call('sessions.overrides', { id: s.id })).toMatchObject({ params: null })
    await h.close()
  })
})

describe('migration 017 (session overrides)', () => {
  it('adds empty overrides to the sessions of a database made by the schema before it, after a backup of it', async () => {
    // The schema right before 017 (016 once issue #12's attachments land, 014 before that).
    const previous = MIGRATIONS.filter((m) => m.version < OVERRIDES_VERSION).at(-1)!.version
    const old = openAtSchema(previous)
    const { dataDir, backups } = old
    const sessionId = new SessionStore(old.db).create()
    old.db.prepare('UPDATE sessions SET title = ? WHERE id = ?').run('Before the upgrade', sessionId)
    old.db.close()

    const { h } = await open(dataDir)
    expect((await h.call('app.state', {})).schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    const backupFiles = fs.readdirSync(backups).filter((f) => f.endsWith('.db')).sort()
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(backups, backupFiles.at(-1)!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(previous)
    backup.close()

    expect(await h.call('sessions.overrides', { id: sessionId })).toMatchObject({ instructions: null, params: null, line: null })
    const [kept] = await h.call('sessions.summaries', { ids: [sessionId] })
    expect(kept).toMatchObject({ title: 'Before the upgrade' })
    await h.call('sessions.setOverrides', { id: sessionId, instructions: 'Kept after the upgrade.', params: { temperature: 0 } })
    expect(await h.call('sessions.overrides', { id: sessionId })).toMatchObject({ instructions: 'Kept after the upgrade.', params: { temperature: 0 } })
    const diag = await h.call('diagnostics.app', {})
    expect(diag.migrations.some((m) => m.version === OVERRIDES_VERSION && /overrides/.test(m.summary))).toBe(true)
    await h.close()
  })
})
