// Issue #12's rough edges, in the core: Ctrl/Cmd+N reuses an empty "New session", archived and empty sessions stay
// out of the main list and the tray, and "Test connection" asks the form's URL with the typed or stored key (seen
// on the wire at the recording fake), reports the exact error redacted, and stores nothing.
import fs from 'node:fs'
import path from 'node:path'
import keytar from 'keytar'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'

const fake = fakeProviderForFile()
const service = testKeychainService()

async function open() {
  const dataDir = tempDataDir('keel-rough')
  return { dataDir, h: await CoreHarness.open(dataDir, service) }
}

describe('new session reuse (Ctrl/Cmd+N)', () => {
  it('reuses the empty untitled session of the same profile instead of piling up another; a used one is never reused', async () => {
    const { h } = await open()
    await h.call('providers.create', { id: 'reuse', name: 'Reuse', kind: 'ollama', baseUrl: `${fake.url}/reuse/v1`, defaultModel: 'm-1' })
    const first = await h.call('sessions.create', { reuseEmpty: true })
    const again = await h.call('sessions.create', { reuseEmpty: true })
    expect(again.id).toBe(first.id)
    expect((await h.call('sessions.list', {})).total).toBe(1)

    // The button (no reuseEmpty) still makes a new one, and Ctrl+N then reuses the most recent empty one.
    const button = await h.call('sessions.create', {})
    expect(button.id).not.toBe(first.id)
    expect((await h.call('sessions.create', { reuseEmpty: true })).id).toBe(button.id)

    // Once it has a message it is a conversation, not an empty slot.
    await h.turnEnded((await h.call('chat.send', { sessionId: button.id, text: 'hello' })).turnId)
    expect((await h.call('sessions.create', { reuseEmpty: true })).id).toBe(first.id)
    await h.turnEnded((await h.call('chat.send', { sessionId: first.id, text: 'hello too' })).turnId)
    const fresh = await h.call('sessions.create', { reuseEmpty: true })
    expect([first.id, button.id]).not.toContain(fresh.id)

    // Another profile is another kind of session: not reused for it. An archived empty one is not reused either.
    const other = await h.call('sessions.create', { profileId: 'coder', reuseEmpty: true }).catch(() => null)
    if (other) expect(other.id).not.toBe(fresh.id)
    await h.call('sessions.archive', { id: fresh.id, archived: true })
    expect((await h.call('sessions.create', { reuseEmpty: true })).id).not.toBe(fresh.id)
    await h.close()
  })

  it('a renamed empty session is the user\'s: not reused', async () => {
    const { h } = await open()
    const s = await h.call('sessions.create', {})
    await h.call('sessions.rename', { id: s.id, title: 'Plans' })
    expect((await h.call('sessions.create', { reuseEmpty: true })).id).not.toBe(s.id)
    await h.close()
  })
})

describe('archive', () => {
  it('archived sessions leave the main list and the tray, and are listed in the Archived view; unarchive brings them back', async () => {
    const { h } = await open()
    await h.call('providers.create', { id: 'arch', name: 'Arch', kind: 'ollama', baseUrl: `${fake.url}/arch/v1`, defaultModel: 'm-1' })
    const ids: string[] = []
    for (const text of ['one', 'two', 'three']) {
      const s = await h.call('sessions.create', {})
      await h.turnEnded((await h.call('chat.send', { sessionId: s.id, text })).turnId)
      ids.push(s.id)
    }
    const archived = await h.call('sessions.archive', { id: ids[1]!, archived: true })
    expect(archived.archived).toBe(true)

    const main = await h.call('sessions.list', {})
    expect(main.items.map((s) => s.id).sort()).toEqual([ids[0], ids[2]].sort())
    expect(main.total).toBe(2)
    const view = await h.call('sessions.list', { archived: true })
    expect(view.items.map((s) => s.id)).toEqual([ids[1]])
    expect(view.total).toBe(1)
    const tray = await h.call('tray.menu', {})
    expect(tray.items.flatMap((i) => (i.type === 'session' ? [i.sessionId] : [])).sort()).toEqual([ids[0], ids[2]].sort())

    // Paging the main list never crosses into archived ones.
    const page1 = await h.call('sessions.list', { limit: 1 })
    const page2 = await h.call('sessions.list', { limit: 1, cursor: page1.nextCursor! })
    expect([...page1.items, ...page2.items].map((s) => s.id)).not.toContain(ids[1])
    expect(page2.nextCursor).toBeNull()

    await h.call('sessions.archive', { id: ids[1]!, archived: false })
    expect((await h.call('sessions.list', {})).total).toBe(3)
    expect((await h.call('sessions.list', { archived: true })).items).toEqual([])
    // Archiving is metadata: the messages are untouched (invariant 10).
    expect((await h.call('sessions.open', { id: ids[1]! })).messages.map((m) => m.content)).toEqual(['two', 'Echo [m-1]: two'])
    await h.close()
  })

  it('the tray leaves out sessions with no message yet', async () => {
    const { h } = await open()
    await h.call('providers.create', { id: 'tr', name: 'Tr', kind: 'ollama', baseUrl: `${fake.url}/tr/v1`, defaultModel: 'm-1' })
    const empty = await h.call('sessions.create', {})
    const used = await h.call('sessions.create', {})
    await h.turnEnded((await h.call('chat.send', { sessionId: used.id, text: 'hi' })).turnId)
    const listed = (await h.call('tray.menu', {})).items.flatMap((i) => (i.type === 'session' ? [i.sessionId] : []))
    expect(listed).toEqual([used.id])
    expect(listed).not.toContain(empty.id)
    // Named by the user, it is theirs to resume even before its first message.
    await h.call('sessions.rename', { id: empty.id, title: 'Plans' })
    expect((await h.call('tray.menu', {})).items.flatMap((i) => (i.type === 'session' ? [i.sessionId] : [])).sort()).toEqual([empty.id, used.id].sort())
    await h.close()
  })
})

describe('test connection', () => {
  it('lists the models of unsaved values with the typed key, at the form\'s URL, and saves nothing', async () => {
    const { dataDir, h } = await open()
    const typed = testKey('typed')
    fake.script({ protocol: 'models', pathPrefix: '/probe/', models: ['p-1', 'p-2'] })
    const result = await h.call('providers.testConnection', { draft: { name: 'Probe', kind: 'openai-compatible', baseUrl: `${fake.url}/probe/v1` }, key: typed })
    expect(result).toMatchObject({ ok: true, status: 200, keySource: 'typed', url: `${fake.url}/probe/v1/models`, models: ['p-1', 'p-2'], modelCount: 2, error: null })
    expect(fake.requests()).toEqual([expect.objectContaining({ path: '/probe/v1/models', bearer: typed })])
    // Nothing was saved: no entry, no key under the id it would get.
    expect(await h.call('providers.list', {})).toEqual([])
    expect(await keytar.getPassword(service, 'provider:new-provider')).toBeNull()
    expect(JSON.stringify(result)).not.toContain(typed)
    // The config file is not even written by a test.
    expect(fs.existsSync(path.join(dataDir, 'config.json'))).toBe(false)
    await h.close()
  })

  it('without a typed key uses the key stored for the entry being edited, at the edited (unsaved) URL', async () => {
    const { h } = await open()
    const stored = testKey('stored')
    await h.call('providers.create', { id: 'edit', name: 'Edit', kind: 'openai-compatible', baseUrl: `${fake.url}/old/v1`, defaultModel: 'e-1', key: stored })
    fake.clear()
    const result = await h.call('providers.testConnection', { entryId: 'edit', draft: { name: 'Edit', kind: 'openai-compatible', baseUrl: `${fake.url}/new/v1` } })
    expect(result).toMatchObject({ ok: true, keySource: 'stored', url: `${fake.url}/new/v1/models` })
    expect(fake.requests()).toEqual([expect.objectContaining({ path: '/new/v1/models', bearer: stored })])
    // The saved entry is unchanged.
    expect((await h.call('providers.list', {}))[0]).toMatchObject({ baseUrl: `${fake.url}/old/v1`, keyStatus: 'stored' })

    // A typed key wins over the stored one; "No key needed" sends none.
    const typed = testKey('typed2')
    fake.clear()
    expect(await h.call('providers.testConnection', { entryId: 'edit', key: typed, draft: { name: 'Edit', kind: 'openai-compatible', baseUrl: `${fake.url}/new/v1` } })).toMatchObject({ keySource: 'typed' })
    expect(await h.call('providers.testConnection', { entryId: 'edit', draft: { name: 'Edit', kind: 'openai-compatible', auth: 'none', baseUrl: `${fake.url}/new/v1` } })).toMatchObject({ keySource: 'none', ok: true })
    expect(fake.requests().map((r) => r.bearer)).toEqual([typed, undefined])
    await h.close()
  })

  it('shows the exact error: 401 (redacted of a key the server echoes), 404 on the models endpoint, unreachable', async () => {
    const { h } = await open()
    const typed = testKey('echoed')
    fake.script({ protocol: 'models', pathPrefix: '/deny/', status: 401, echoKey: ['raw', 'base64'] })
    const denied = await h.call('providers.testConnection', { draft: { name: 'Deny', kind: 'openai-compatible', baseUrl: `${fake.url}/deny/v1` }, key: typed })
    expect(denied).toMatchObject({ ok: false, status: 401, keySource: 'typed', error: { kind: 'auth', status: 401 } })
    expect(denied.error!.message).toContain('HTTP 401')
    expect(JSON.stringify(denied)).not.toContain(typed)
    expect(JSON.stringify(denied)).not.toContain(Buffer.from(typed).toString('base64'))

    fake.script({ protocol: 'models', pathPrefix: '/nolist/', status: 404 })
    const missing = await h.call('providers.testConnection', { draft: { name: 'Nolist', kind: 'openai-compatible', baseUrl: `${fake.url}/nolist`, auth: 'none' } })
    expect(missing).toMatchObject({ ok: false, status: 404, url: `${fake.url}/nolist/models`, error: { kind: 'not-found' } })
    expect(missing.error!.message).toBe(`"Nolist" answered HTTP 404 at ${fake.url}/nolist/models: there is no models list there.`)

    // A port nothing listens on (the fake's, after it is known to be free: a server bound and closed).
    const { createServer } = await import('node:net')
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const down = await h.call('providers.testConnection', { draft: { name: 'Down', kind: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}/v1`, auth: 'none' } })
    expect(down).toMatchObject({ ok: false, status: null, error: { kind: 'network' } })
    expect(down.error!.message).toContain(`Could not reach "Down" at http://127.0.0.1:${port}/v1`)
    await h.close()
  })
})

describe('archived count', () => {
  it('the list totals stay right through archive, unarchive, deleting an archived session and a restart', async () => {
    const { dataDir, h } = await open()
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await h.call('sessions.create', {})).id)
    await h.call('sessions.archive', { id: ids[0]!, archived: true })
    await h.call('sessions.archive', { id: ids[0]!, archived: true }) // already archived: counted once
    await h.call('sessions.archive', { id: ids[1]!, archived: true })
    const totals = async (k: CoreHarness) => [(await k.call('sessions.list', {})).total, (await k.call('sessions.list', { archived: true })).total]
    expect(await totals(h)).toEqual([2, 2])
    await h.call('sessions.delete', { id: ids[1]! })
    await h.call('sessions.archive', { id: ids[0]!, archived: false })
    expect(await totals(h)).toEqual([3, 0])
    await h.call('sessions.archive', { id: ids[2]!, archived: true })
    await h.close()
    const again = await CoreHarness.open(dataDir, service)
    expect(await totals(again)).toEqual([2, 1])
    await again.close()
  })
})
