// identity-service.ts survivors of the identity group's mutation run (issue #13): what Diagnostics and the header
// show for a session's entry, following the app default again, and quick-resume after a config edit.
// Real SQLite files, the real keychain, the recording fake provider.
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { chat, CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

const lastChat = () => fake.requests().filter((r) => r.protocol !== 'models').at(-1)!

/** Closes Keel, removes the app default from config.json by hand, and starts Keel again. */
async function reopenWithoutDefault(h: CoreHarness, dataDir: string): Promise<CoreHarness> {
  await h.close()
  const file = path.join(dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  delete cfg.default
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
  return CoreHarness.open(dataDir, service)
}

/** The notices shown for the session, in order. */
const noticesOf = (h: CoreHarness, sessionId: string) => h.events('notice').filter((e) => e.sessionId === sessionId).map((e) => e.text)

/** Rewrites the session's row behind Keel's back (a legacy or hand-edited row). */
function rewriteRow(dataDir: string, sessionId: string, set: string) {
  const db = new Database(path.join(dataDir, 'keel.db'))
  db.prepare(`UPDATE sessions SET ${set} WHERE id = ?`).run(sessionId)
  db.close()
}

/** The model id stored in the session's row, as written. */
function storedModel(dataDir: string, sessionId: string): string {
  const ro = new Database(path.join(dataDir, 'keel.db'), { readonly: true })
  try {
    return (ro.prepare('SELECT binding_model AS model FROM sessions WHERE id = ?').get(sessionId) as { model: string }).model
  } finally {
    ro.close()
  }
}

/**
 * A new data dir with two entries — "first", the app default, and "second", the one a session gets pinned to — and
 * one session on the default, or pinned to "second" with `pinned`.
 */
async function sessionOnTwoEntries(pinned = false) {
  const dataDir = tempDataDir()
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'first', name: 'First', kind: 'openai-compatible', baseUrl: `${fake.url}/first/v1`, defaultModel: 'f-1', key: testKey('first') })
  await h.call('providers.create', { id: 'second', name: 'Second', kind: 'openai-compatible', baseUrl: `${fake.url}/second/v1`, defaultModel: 's-1', key: testKey('second') })
  const s = await h.call('sessions.create', {})
  if (pinned) await h.call('sessions.bind', { id: s.id, entryId: 'second', model: 's-1' })
  return { dataDir, h, s }
}

describe('identity service: names, follow-default, quick-resume', () => {
  it("a session pinned to the second entry shows that entry's name in its snapshot, not the first one's", async () => {
    const { h, s } = await sessionOnTwoEntries(true)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.binding).toMatchObject({ entryId: 'second', model: 's-1', mode: 'pinned' })
    expect(view.session.identity.entryName).toBe('Second')
    await h.close()
  })

  it('following the app default again shows the default at once, not the runtime it was pinned to', async () => {
    const { h, s } = await sessionOnTwoEntries(true)
    await chat(h, s.id)
    expect(lastChat().path).toContain('/second/')
    const followed = await h.call('sessions.followDefault', { id: s.id })
    expect(followed.identity.binding).toMatchObject({ entryId: 'first', model: 'f-1', mode: 'follow-default' })
    expect(followed.identity.identity).toMatchObject({ entryId: 'first', entryName: 'First', model: 'f-1' })
    expect(followed.identity.entryName).toBe('First')
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first/')
    await h.close()
  })

  it('with no app default in config, "follow default" keeps the entry the session is on (and says follow-default)', async () => {
    const made = await sessionOnTwoEntries(true)
    const { dataDir, s } = made
    const h = await reopenWithoutDefault(made.h, dataDir)
    const followed = await h.call('sessions.followDefault', { id: s.id })
    expect(followed.identity.binding).toMatchObject({ entryId: 'second', model: 's-1', mode: 'follow-default' })
    expect(followed.identity.state).toEqual({ kind: 'resolved' })
    await chat(h, s.id)
    expect(lastChat().path).toContain('/second/')
    await h.close()
  })

  it('a follow-default session whose entry changed is not shown as "pinned to the previous runtime"; its next turn uses the new URL', async () => {
    const { h, s } = await sessionOnTwoEntries()
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first/')
    await h.call('providers.update', { id: 'first', patch: { baseUrl: `${fake.url}/first-moved/v1` } })
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.binding).toMatchObject({ entryId: 'first', mode: 'follow-default' })
    expect(view.session.identity.state.kind).not.toBe('config-changed')
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first-moved/')
    await h.close()
  })

  it("quick-resume of a pinned session whose entry's URL changed (no Keep) resolves it on the new config", async () => {
    const { h, s } = await sessionOnTwoEntries(true)
    await chat(h, s.id)
    await h.call('providers.update', { id: 'second', patch: { baseUrl: `${fake.url}/second-moved/v1` } })
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'config-changed' })
    const resumed = await h.call('sessions.quickResume', { id: s.id })
    expect(resumed.identity.state).toEqual({ kind: 'resolved' })
    expect(resumed.identity.identity).toMatchObject({ entryId: 'second', baseUrl: `${fake.url}/second-moved/v1` })
    await chat(h, s.id)
    expect(lastChat().path).toContain('/second-moved/')
    await h.close()
  })
})

describe('identity service: what is refused, and what a turn waits for', () => {
  it('binding to an entry that does not exist is refused even when other entries exist; the binding stays', async () => {
    const { h, s } = await sessionOnTwoEntries()
    expect(await h.fail('sessions.bind', { id: s.id, entryId: 'nowhere', model: 'n-1' })).toMatchObject({
      kind: 'not-found',
      field: 'entryId',
      message: 'There is no provider entry "nowhere".',
    })
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.binding).toMatchObject({ entryId: 'first', model: 'f-1', mode: 'follow-default' })
    expect(view.session.identity.state).toEqual({ kind: 'resolved' })
    await h.close()
  })

  it('a legacy pinned row bound to the class "custom": a send is refused as unresolved (not-an-entry), not as a failed write', async () => {
    const made = await sessionOnTwoEntries()
    const { dataDir, s } = made
    let h = made.h
    await h.close()
    rewriteRow(dataDir, s.id, "binding_entry_id = 'custom', binding_model = 'mimo-v2.5-pro', binding_mode = 'pinned'")

    h = await CoreHarness.open(dataDir, service)
    const before = fake.requests().length
    const refused = await h.fail('chat.send', { sessionId: s.id, text: 'where does this go?' })
    expect(refused.kind).toBe('unresolved')
    expect((await h.call('sessions.open', { id: s.id })).session.identity.state).toMatchObject({ kind: 'unresolved', reason: 'not-an-entry' })
    expect(fake.requests().length).toBe(before)
    await h.close()
  })

  it("the entry's own stream timeout holds from the session's first turn on (a stall ends as a timeout after 0.3 s)", async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'sleepy', name: 'Sleepy', kind: 'openai-compatible', baseUrl: `${fake.url}/sleepy/v1`, defaultModel: 'z-1', key: testKey('sleepy'), timeouts: { firstByteMs: 300, idleMs: 300 } })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.open', { id: s.id })
    fake.script({ stall: 'before-headers', pathPrefix: '/sleepy' })
    const ended = await chat(h, s.id)
    expect(ended.error).toMatchObject({ kind: 'timeout' })
    expect(ended.error!.message).toMatch(/^"Sleepy" did not answer within 0\.3 s/)
    await h.close()
  }, 15_000)
})

describe('identity service: canonicalization at a turn waits for a pending config change', () => {
  it("a pinned row made non-canonical while its entry's config change is pending is not corrected (nor moved to the new URL) until the user decides", async () => {
    const dataDir = tempDataDir()
    const h = await CoreHarness.open(dataDir, service)
    // Same kind and URL: the two entries have the same revision, so only the session's own entry may decide.
    await h.call('providers.create', { id: 'first', name: 'First', kind: 'openai-compatible', baseUrl: `${fake.url}/shared/v1`, defaultModel: 'f-1', key: testKey('first') })
    await h.call('providers.create', { id: 'second', name: 'Second', kind: 'openai-compatible', baseUrl: `${fake.url}/shared/v1`, defaultModel: 's-1', key: testKey('second') })
    const s = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: s.id, entryId: 'second', model: 's-1' })
    await chat(h, s.id)
    expect(lastChat().path).toContain('/shared/')
    // The row is edited behind Keel's back to a prefixed id, then the entry's URL changes: a pending config change.
    rewriteRow(dataDir, s.id, "binding_model = 'second/s-1'")
    await h.call('providers.update', { id: 'second', patch: { baseUrl: `${fake.url}/second-moved/v1` } })
    await chat(h, s.id)
    expect(lastChat().path).toContain('/shared/')
    expect(lastChat().path).not.toContain('/second-moved/')
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.state).toMatchObject({ kind: 'config-changed' })
    expect(storedModel(dataDir, s.id)).toBe('second/s-1')
    await h.close()
  })
})

describe('identity service: a Keep with nothing to keep', () => {
  it('"Keep" on a pinned session whose entry has not changed records nothing: a non-canonical row is still corrected at the next turn, with a notice', async () => {
    const { dataDir, h, s } = await sessionOnTwoEntries(true)
    await chat(h, s.id)
    await h.call('sessions.keepRuntime', { id: s.id })
    rewriteRow(dataDir, s.id, "binding_model = 'second/s-1'")
    await chat(h, s.id)
    const notices = noticesOf(h, s.id)
    expect(notices.filter((t) => t.startsWith('The model id of this session was corrected before sending:') && t.includes('second/s-1'))).toHaveLength(1)
    expect(storedModel(dataDir, s.id)).toBe('s-1')
    await h.close()
  })
})

describe('identity service: a new session records the default it started from', () => {
  it('a session created under an app default that is later removed from config.json stays on that entry (it is not left bound to nothing)', async () => {
    const made = await sessionOnTwoEntries()
    const { dataDir, s } = made
    const h = await reopenWithoutDefault(made.h, dataDir)
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.session.identity.binding).toMatchObject({ entryId: 'first', model: 'f-1', mode: 'follow-default' })
    expect(view.session.identity.state).toEqual({ kind: 'resolved' })
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first/')
    await h.close()
  })
})

/** Two entries of the same kind at the same URL (so the same config revision), both listing the model `m`. */
async function twoEntriesSameModel(dataDir: string, url = (_id: string) => `${fake.url}/shared/v1`) {
  const h = await CoreHarness.open(dataDir, service)
  const keys = { first: testKey('first'), second: testKey('second') }
  await h.call('providers.create', { id: 'first', name: 'First', kind: 'openai-compatible', baseUrl: url('first'), defaultModel: 'm', key: keys.first })
  await h.call('providers.create', { id: 'second', name: 'Second', kind: 'openai-compatible', baseUrl: url('second'), defaultModel: 'm', key: keys.second })
  return { h, keys }
}

describe('identity service: a follow-default session when the app default moves', () => {
  it('the default moves to another entry with the same model id (same URL): the next turn uses the new entry, with one notice naming both sides', async () => {
    const dataDir = tempDataDir()
    const { h, keys } = await twoEntriesSameModel(dataDir)
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    expect(lastChat().headers.authorization).toBe(`Bearer ${keys.first}`)
    await h.call('providers.setDefault', { entryId: 'second', model: 'm' })
    await chat(h, s.id)
    expect(lastChat().headers.authorization).toBe(`Bearer ${keys.second}`)
    await chat(h, s.id)
    expect(noticesOf(h, s.id)).toEqual(['This session follows the app default and switched from First · m to Second · m.'])
    expect((await h.call('sessions.open', { id: s.id })).session.identity.binding).toMatchObject({ entryId: 'second', model: 'm', mode: 'follow-default' })
    await h.close()
  })

  it('the default moves to another model of the same entry: the next turn asks for that model, with one notice naming both sides', async () => {
    const { h, s } = await sessionOnTwoEntries()
    await chat(h, s.id)
    expect(lastChat().model).toBe('f-1')
    await h.call('providers.setDefault', { entryId: 'first', model: 'f-2' })
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ model: 'f-2' })
    expect(lastChat().path).toContain('/first/')
    await chat(h, s.id)
    expect(noticesOf(h, s.id)).toEqual(['This session follows the app default and switched from First · f-1 to First · f-2.'])
    await h.close()
  })

  it('a session already on the default gets no notice at its turns, and keeps its runtime (the header\'s "resolved" time does not move)', async () => {
    const { h, s } = await sessionOnTwoEntries()
    await chat(h, s.id)
    const first = (await h.call('sessions.open', { id: s.id })).session.identity.identity!.resolvedAt
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first/')
    expect(noticesOf(h, s.id)).toEqual([])
    const second = (await h.call('sessions.open', { id: s.id })).session.identity.identity!
    expect(second).toMatchObject({ entryId: 'first', model: 'f-1' })
    expect(second.resolvedAt).toBe(first)
    await h.close()
  })

  it('the default moved to another entry with the same model id while Keel was closed: the first turn after the restart goes to the new entry', async () => {
    const dataDir = tempDataDir()
    let { h } = await twoEntriesSameModel(dataDir, (id) => `${fake.url}/${id}/v1`)
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    expect(lastChat().path).toContain('/first/')
    await h.close()
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.default = { entryId: 'second', model: 'm' }
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
    h = await CoreHarness.open(dataDir, service)
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ model: 'm' })
    expect(lastChat().path).toContain('/second/')
    expect(noticesOf(h, s.id)).toEqual([])
    // The row now records the entry the session runs on: with the app default gone, it stays there.
    h = await reopenWithoutDefault(h, dataDir)
    await chat(h, s.id)
    expect(lastChat().path).toContain('/second/')
    await h.close()
  })

  it('an auth change on the default entry (none → API key) is used at the next turn of a session on the default', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'open', name: 'Open', kind: 'openai-compatible', baseUrl: `${fake.url}/open/v1`, defaultModel: 'o-1', auth: 'none' })
    const s = await h.call('sessions.create', {})
    await chat(h, s.id)
    expect(lastChat().headers.authorization).toBeUndefined()
    const key = testKey('open')
    await h.call('providers.update', { id: 'open', patch: { auth: 'api-key' } })
    await h.call('providers.setKey', { id: 'open', key })
    await chat(h, s.id)
    expect(lastChat().headers.authorization).toBe(`Bearer ${key}`)
    await h.close()
  })

  it('the default moved to another model of the same entry while Keel was closed: the first turn after the restart asks for it', async () => {
    const { dataDir, h: h0, s } = await sessionOnTwoEntries()
    await chat(h0, s.id)
    await h0.close()
    const file = path.join(dataDir, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
    cfg.default = { entryId: 'first', model: 'f-2' }
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
    const h = await CoreHarness.open(dataDir, service)
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ model: 'f-2' })
    expect(lastChat().path).toContain('/first/')
    expect(noticesOf(h, s.id)).toEqual([])
    await h.close()
  })

  it('a follow-default row edited to a prefixed id goes back to the default at the next turn, without a "corrected" notice', async () => {
    const { dataDir, h, s } = await sessionOnTwoEntries()
    await chat(h, s.id)
    rewriteRow(dataDir, s.id, "binding_model = 'first/f-1'")
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ model: 'f-1' })
    expect(noticesOf(h, s.id)).toEqual([])
    expect(storedModel(dataDir, s.id)).toBe('f-1')
    await h.close()
  })
})

describe('identity service: corrections and snapshots at a turn', () => {
  it('a pinned row needing two corrections is corrected before sending, and the one notice lists both, separated by "; "', async () => {
    const { dataDir, h, s } = await sessionOnTwoEntries(true)
    await chat(h, s.id)
    rewriteRow(dataDir, s.id, "binding_model = ' second/s-1'")
    await chat(h, s.id)
    expect(lastChat()).toMatchObject({ model: 's-1' })
    expect(noticesOf(h, s.id)).toEqual(['The model id of this session was corrected before sending: trimmed whitespace; model "second/s-1" → "s-1" (entry prefix removed).'])
    expect(storedModel(dataDir, s.id)).toBe('s-1')
    await h.close()
  })

  it('while a turn streams and nothing changed, the live snapshot shows no "next turn" runtime', async () => {
    const { h, s } = await sessionOnTwoEntries()
    fake.script({ hold: 'idsvc-steady', times: 1, pathPrefix: '/first/' })
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'long answer please' })
    await h.waitFor('chat', (e) => e.type === 'delta' && e.turnId === turnId)
    const out = (await h.call('sessions.list', {} as never)) as unknown
    const rows = (Array.isArray(out) ? out : (out as { items: unknown[] }).items) as Array<{ id: string; identity: any }>
    const live = rows.find((x) => x.id === s.id)!.identity
    expect(live).toMatchObject({ authority: 'live', state: { kind: 'resolved' }, identity: { entryId: 'first', model: 'f-1' } })
    expect(live.next).toBeNull()
    fake.release('idsvc-steady')
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    await h.close()
  })
})
