// "Keep the previous runtime" across restarts, in the cases the first Keep tests left open: a config put back on
// the kept runtime ends the decision; a session row re-bound outside Keel is what the session asks for, not a Keep
// made for another binding; a kept runtime whose `local` flag changed is rebuilt with the kept flag; a Keep restored
// after a restart can be renewed for a further edit; a kept runtime that cannot be rebuilt says why in full; and the
// "resolved at" time of a runtime is when it was resolved, not when it was last looked at.
// Written for the identity group's survivors in identity-service.ts 224–259 (docs/mutation.md).
// Real SQLite files, the real keychain, the recording fake provider.
import { afterEach, describe, expect, it, vi } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'
import type { ChatEvent } from '../../src/shared/contract'

const fake = fakeProviderForFile()
const service = testKeychainService()

async function chat(h: CoreHarness, sessionId: string, text = 'hi') {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  const ended = (await h.turnEnded(turnId)) as Extract<ChatEvent, { type: 'turn-ended' }>
  expect(ended.status).toBe('done')
  return ended
}
const lastChat = () => fake.requests().filter((r) => r.protocol !== 'models').at(-1)!
const editConfig = (dataDir: string, edit: (cfg: any) => void) => {
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}
const entryOf = (cfg: any, id: string) => cfg.providers.find((p: { id: string }) => p.id === id)
/** A session row as another tool (or another copy of Keel) left it while this one was closed. */
const rebindRow = (dataDir: string, id: string, change: Partial<{ entryId: string; model: string; mode: 'pinned' | 'follow-default' }>) => {
  const db = new Database(path.join(dataDir, 'keel.db'))
  const row = db.prepare('SELECT binding_entry_id AS entryId, binding_model AS model, binding_mode AS mode FROM sessions WHERE id = ?').get(id) as { entryId: string; model: string; mode: string }
  const next = { ...row, ...change }
  db.prepare('UPDATE sessions SET binding_entry_id = ?, binding_model = ?, binding_mode = ? WHERE id = ?').run(next.entryId, next.model, next.mode, id)
  db.close()
}
/** Binds a session, sends once, changes its entry in config.json and chooses Keep. */
async function keptSession(h: CoreHarness, dataDir: string, entryId: string, model: string, edit: (entry: any) => void) {
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId, model })
  await chat(h, s.id)
  const mark = h.mark()
  editConfig(dataDir, (cfg) => edit(entryOf(cfg, entryId)))
  await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed', 10_000, mark)
  expect((await h.call('sessions.keepRuntime', { id: s.id })).identity.state).toMatchObject({ kind: 'config-changed', kept: true })
  return s
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Keep the previous runtime, across restarts', () => {
  it('config put back on the kept runtime ends the Keep: the next edit asks again, and a restart then sends to the config', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/a-old/v1`, defaultModel: 'p', auth: 'none' })
    const s = await keptSession(h, dataDir, 'pin', 'p', (e) => (e.baseUrl = `${fake.url}/a-new/v1`))
    await h.close()

    // While Keel was closed the user put the URL back: the session is simply on its config again.
    editConfig(dataDir, (cfg) => (entryOf(cfg, 'pin').baseUrl = `${fake.url}/a-old/v1`))
    h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    const back = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(back.state).toEqual({ kind: 'resolved' })
    expect(back.identity?.baseUrl).toBe(`${fake.url}/a-old/v1`)

    // The Keep was for that one change, and it is over: changing the URL again asks again (not "kept").
    const mark = h.mark()
    editConfig(dataDir, (cfg) => (entryOf(cfg, 'pin').baseUrl = `${fake.url}/a-new/v1`))
    const asked = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed', 10_000, mark)
    expect(asked.state).toMatchObject({ kind: 'config-changed', kept: false })
    await h.close()

    // Nothing was kept this time, so after a restart the session runs on the config in force.
    h = await CoreHarness.open(dataDir, service)
    const view = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(view.state).toEqual({ kind: 'resolved' })
    expect(view.identity?.baseUrl).toBe(`${fake.url}/a-new/v1`)
    await chat(h, s.id)
    expect(lastChat().path).toBe('/a-new/v1/chat/completions')
    await h.close()
  })

  it('a session re-bound outside Keel while it was closed runs on its row (mode, entry or model), not on a Keep made for another binding', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    // "pin" is created first, so it is the app default (pin · p).
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/b-old/v1`, defaultModel: 'p', auth: 'none' })
    await h.call('providers.create', { id: 'other', name: 'Other', kind: 'openai-compatible', baseUrl: `${fake.url}/other/v1`, defaultModel: 'p', auth: 'none' })
    const follows = await h.call('sessions.create', {})
    const moved = await h.call('sessions.create', {})
    const remodeled = await h.call('sessions.create', {})
    for (const s of [follows, moved, remodeled]) await h.call('sessions.bind', { id: s.id, entryId: 'pin', model: 'p' })
    for (const s of [follows, moved, remodeled]) await chat(h, s.id)
    const mark = h.mark()
    editConfig(dataDir, (cfg) => (entryOf(cfg, 'pin').baseUrl = `${fake.url}/b-new/v1`))
    for (const s of [follows, moved, remodeled]) {
      await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed', 10_000, mark)
      expect((await h.call('sessions.keepRuntime', { id: s.id })).identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    }
    await h.close()

    rebindRow(dataDir, follows.id, { mode: 'follow-default' })
    rebindRow(dataDir, moved.id, { entryId: 'other' })
    rebindRow(dataDir, remodeled.id, { model: 'q' })
    h = await CoreHarness.open(dataDir, service)
    const expected = [
      { s: follows, binding: { entryId: 'pin', model: 'p', mode: 'follow-default' }, path: '/b-new/v1/chat/completions', model: 'p' },
      { s: moved, binding: { entryId: 'other', model: 'p', mode: 'pinned' }, path: '/other/v1/chat/completions', model: 'p' },
      { s: remodeled, binding: { entryId: 'pin', model: 'q', mode: 'pinned' }, path: '/b-new/v1/chat/completions', model: 'q' },
    ]
    for (const { s, binding, path: wirePath, model } of expected) {
      const view = (await h.call('sessions.open', { id: s.id })).session.identity
      expect(view.binding, binding.mode + ' ' + binding.entryId + ' ' + binding.model).toEqual(binding)
      expect(view.state, binding.mode + ' ' + binding.entryId + ' ' + binding.model).toEqual({ kind: 'resolved' })
      expect(view.identity?.baseUrl).toBe(`${fake.url}${wirePath.replace('/chat/completions', '')}`)
      await chat(h, s.id)
      expect(lastChat()).toMatchObject({ path: wirePath, model })
    }
    await h.close()
  })

  it('a kept runtime whose `local` flag changed in config is rebuilt with the kept flag after a restart', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'on', name: 'On', kind: 'openai-compatible', baseUrl: `${fake.url}/on-old/v1`, defaultModel: 'o', auth: 'none', local: true })
    await h.call('providers.create', { id: 'off', name: 'Off', kind: 'openai-compatible', baseUrl: `${fake.url}/off-old/v1`, defaultModel: 'f', auth: 'none' })
    // `local: true` removed, and `local: true` added; each with a new URL.
    const on = await keptSession(h, dataDir, 'on', 'o', (e) => {
      e.baseUrl = `${fake.url}/on-new/v1`
      delete e.local
    })
    const off = await keptSession(h, dataDir, 'off', 'f', (e) => {
      e.baseUrl = `${fake.url}/off-new/v1`
      e.local = true
    })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const onView = (await h.call('sessions.open', { id: on.id })).session.identity
    expect(onView.state).toMatchObject({
      kind: 'config-changed',
      kept: true,
      differences: [
        { field: 'baseUrl', active: `${fake.url}/on-old/v1`, config: `${fake.url}/on-new/v1` },
        { field: 'local', active: 'true', config: null },
      ],
    })
    expect(onView.identity).toMatchObject({ baseUrl: `${fake.url}/on-old/v1`, local: true })
    const offView = (await h.call('sessions.open', { id: off.id })).session.identity
    expect(offView.state).toMatchObject({
      kind: 'config-changed',
      kept: true,
      differences: [
        { field: 'baseUrl', active: `${fake.url}/off-old/v1`, config: `${fake.url}/off-new/v1` },
        { field: 'local', active: null, config: 'true' },
      ],
    })
    expect(offView.identity?.baseUrl).toBe(`${fake.url}/off-old/v1`)
    await chat(h, on.id)
    expect(lastChat().path).toBe('/on-old/v1/chat/completions')
    await chat(h, off.id)
    expect(lastChat().path).toBe('/off-old/v1/chat/completions')
    await h.close()
  })

  it('a Keep restored after a restart can be renewed for a further edit, and that Keep survives the next restart', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'pin', name: 'Pin', kind: 'openai-compatible', baseUrl: `${fake.url}/r-1/v1`, defaultModel: 'p', auth: 'none' })
    const s = await keptSession(h, dataDir, 'pin', 'p', (e) => (e.baseUrl = `${fake.url}/r-2/v1`))
    await h.close()

    h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    // A further edit: the Keep was for the previous change, so Keel asks again…
    const mark = h.mark()
    editConfig(dataDir, (cfg) => (entryOf(cfg, 'pin').baseUrl = `${fake.url}/r-3/v1`))
    const asked = await h.waitFor('identity', (e) => e.sessionId === s.id && e.state.kind === 'config-changed' && e.state.differences[0]?.config === `${fake.url}/r-3/v1`, 10_000, mark)
    expect(asked.state).toMatchObject({ kind: 'config-changed', kept: false, differences: [{ field: 'baseUrl', active: `${fake.url}/r-1/v1`, config: `${fake.url}/r-3/v1` }] })
    // …and the user keeps the runtime again.
    const kept = await h.call('sessions.keepRuntime', { id: s.id })
    expect(kept.identity.state).toMatchObject({ kind: 'config-changed', kept: true })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const view = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(view.state).toMatchObject({ kind: 'config-changed', kept: true })
    expect(view.identity?.baseUrl).toBe(`${fake.url}/r-1/v1`)
    await chat(h, s.id)
    expect(lastChat().path).toBe('/r-1/v1/chat/completions')
    await h.close()
  })

  it('a kept runtime that cannot be rebuilt after a restart says which entry and URL it was, why, and what to do', async () => {
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'hdr', name: 'Team Gateway', kind: 'openai-compatible', baseUrl: `${fake.url}/t-old/v1`, defaultModel: 'h', auth: 'none', headers: { 'X-Team': 'alpha-value' } })
    const s = await keptSession(h, dataDir, 'hdr', 'h', (e) => {
      e.baseUrl = `${fake.url}/t-new/v1`
      e.headers = { 'X-Team': 'beta-value' }
    })
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const view = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(view.state).toEqual({
      kind: 'unresolved',
      reason: 'kept-runtime-lost',
      message: `You chose Keep for the previous runtime of "Team Gateway" (${fake.url}/t-old/v1), but it cannot be rebuilt after a restart: its header values changed in config and Keel never stores them. Nothing will be sent.`,
      fix: 'Re-resolve the session (Diagnostics → Re-resolve) to use the new config of "Team Gateway", or pick a provider and model for it.',
    })
    expect(JSON.stringify(view)).not.toMatch(/alpha-value|beta-value/)
    await h.close()
  })

  it('"resolved at" is when the runtime was resolved: reopening the session later keeps it, a rotated key resolves anew', async () => {
    // Only the clock is faked (Date): the keychain, SQLite and the events are real.
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = new Date('2026-03-01T09:00:00Z').getTime()
    vi.setSystemTime(t0)
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'keyed', name: 'Keyed', kind: 'openai-compatible', baseUrl: `${fake.url}/k/v1`, defaultModel: 'k', key: testKey('keyed-1') })
    const s = await h.call('sessions.create', {})
    const bound = (await h.call('sessions.bind', { id: s.id, entryId: 'keyed', model: 'k' })).identity.identity!
    expect(bound.resolvedAt).toBe(t0)

    vi.setSystemTime(t0 + 60_000)
    const later = (await h.call('sessions.open', { id: s.id })).session.identity.identity!
    expect(later.resolvedAt).toBe(t0)
    expect(later.identityKey).toBe(bound.identityKey)

    vi.setSystemTime(t0 + 120_000)
    await h.call('providers.setKey', { id: 'keyed', key: testKey('keyed-2') })
    const rotated = (await h.call('sessions.open', { id: s.id })).session.identity.identity!
    expect(rotated.resolvedAt).toBe(t0 + 120_000)
    expect(rotated.credential.fingerprint).not.toBe(bound.credential.fingerprint)
    await h.close()
  })
  it('the startup repair of a legacy model id leaves a kept session alone: after a restart it still sends to the kept URL', async () => {
    // Bound as `lmstudio/qwen/qwen3.6-27b` before the entry's list was known; once the list (cached by the picker)
    // names `qwen/qwen3.6-27b`, the startup repair would canonicalize the row — and so end the Keep in silence.
    const dataDir = tempDataDir()
    let h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    await h.call('providers.create', { id: 'lms', name: 'Desk', kind: 'lmstudio', baseUrl: `${fake.url}/lmk-old/v1`, defaultModel: 'x' })
    fake.script({ protocol: 'models', pathPrefix: '/lmk-', models: ['qwen/qwen3.6-27b'] })
    const s = await keptSession(h, dataDir, 'lms', 'lmstudio/qwen/qwen3.6-27b', (e) => (e.baseUrl = `${fake.url}/lmk-new/v1`))
    expect((await h.call('providers.models', { entryId: 'lms' })).models).toContain('qwen/qwen3.6-27b')
    await h.close()

    h = await CoreHarness.open(dataDir, service)
    const view = (await h.call('sessions.open', { id: s.id })).session.identity
    expect(view.state).toMatchObject({ kind: 'config-changed', kept: true })
    expect(view.identity?.baseUrl).toBe(`${fake.url}/lmk-old/v1`)
    await chat(h, s.id)
    expect(lastChat().path).toMatch(/^\/lmk-old\/v1\//)
    await h.close()
  })
})
