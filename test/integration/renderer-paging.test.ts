// The renderer's paging logic (src/renderer/src/lib) fed by the real core on a real SQLite file: the windows it
// builds from pages are exactly the session's messages, and the list it patches from `sessions` events is exactly
// what a fresh read of the list says.
import { describe, expect, it } from 'vitest'
import type { SessionView } from '../../src/shared/domain'
import { withPage } from '../../src/renderer/src/lib/messageWindow'
import { appendPage, patchList, type LoadedList } from '../../src/renderer/src/lib/sessionPages'
import { longTexts, seededCoreEachTest } from '../support/seeded-core'
import { LONG_SESSION_ID, longMessageText } from '../e2e/support/seed'

const open = seededCoreEachTest('keel-paging')

const texts = (view: SessionView) => view.messages.map((m) => m.content)
const expected = longTexts

describe('message window', () => {
  it('scrolling up from the latest page, page by page, ends with every message once, in order', async () => {
    const h = await open({ sessions: 1, long: { title: 'Long', messages: 237 } })
    let view = await h.call('sessions.open', { id: LONG_SESSION_ID })
    expect(texts(view)).toEqual(expected(188, 237))
    while (view.page.olderCursor) view = withPage(view, 'older', await h.call('sessions.messages', { id: LONG_SESSION_ID, before: view.page.olderCursor }))
    expect(texts(view)).toEqual(expected(1, 237))
    expect(view.page.newerCursor).toBeNull()
  })

  it('from a search hit, scrolling down reaches the latest message; the latest page then patches the end only', async () => {
    const h = await open({ sessions: 1, long: { title: 'Long', messages: 300, mark: { seq: 120, text: 'zanzibar' } } })
    const [hit] = (await h.call('sessions.search', { query: 'zanzibar' })).hits
    let view = await h.call('sessions.open', { id: LONG_SESSION_ID, around: hit!.messageId! })
    expect(view.messages.some((m) => m.id === hit!.messageId)).toBe(true)
    // A window that does not reach the end is not touched by a latest page.
    const latest = await h.call('sessions.messages', { id: LONG_SESSION_ID, limit: 20 })
    expect(withPage(view, 'latest', latest)).toBe(view)
    while (view.page.newerCursor) view = withPage(view, 'newer', await h.call('sessions.messages', { id: LONG_SESSION_ID, after: view.page.newerCursor }))
    const first = view.messages[0]!.content
    expect(texts(view).at(-1)).toBe(longMessageText(300))
    // At the end, a latest page overlapping it keeps everything above and adds nothing twice.
    const patched = withPage(view, 'latest', latest)
    expect(texts(patched)).toEqual(texts(view))
    expect(patched.messages[0]!.content).toBe(first)
  })
})

describe('session list', () => {
  it('pages appended and events patched give the list a fresh read gives', async () => {
    const h = await open({ sessions: 230 })
    let list: LoadedList = await h.call('sessions.list', { limit: 100 })
    list = appendPage(list, await h.call('sessions.list', { limit: 100, cursor: list.nextCursor! }))
    expect(list.items).toHaveLength(200)
    expect(list.total).toBe(230)

    // A rename moves a session to the top (it is the most recently active now); a deep one moves up into the
    // loaded part; one created appears at the top; one deleted goes.
    const renamed = await h.call('sessions.rename', { id: 'seed-session-150', title: 'Renamed' })
    const deep = await h.call('sessions.pin', { id: 'seed-session-3', pinned: true })
    const created = await h.call('sessions.create', {})
    await h.call('sessions.delete', { id: 'seed-session-200' })
    const changes = h.events('sessions').flatMap((e) => e.changes)
    const ids = [...new Set(changes.filter((c) => c.kind !== 'deleted').map((c) => c.id))]
    const fresh = await h.call('sessions.summaries', { ids })
    list = patchList(
      list,
      fresh,
      changes.filter((c) => c.kind === 'deleted').map((c) => c.id),
      changes.filter((c) => c.kind === 'created').map((c) => c.id),
    )
    expect(fresh.map((s) => s.id).sort()).toEqual([renamed.id, deep.id, created.id].sort())

    const first = await h.call('sessions.list', { limit: 200 })
    const rest = await h.call('sessions.list', { limit: 200, cursor: first.nextCursor! })
    const truth = [...first.items, ...rest.items].map((s) => s.id)
    expect(list.total).toBe(first.total)
    expect(list.items.map((s) => s.id)).toEqual(truth.slice(0, list.items.length))
    // Nothing that belongs above the last loaded one is missing.
    expect(list.items.length).toBeGreaterThanOrEqual(200)
  })
})
