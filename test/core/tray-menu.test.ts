// The tray menu model: ordering (pinned first, then most recent), labels from identity snapshots, markers, limits.
import { describe, expect, it } from 'vitest'
import type { IdentitySnapshot, SessionSummary } from '../../src/shared/domain'
import { TRAY_RECENT_LIMIT, buildTrayMenu } from '../../src/main/core/desktop/tray-menu'
import { parseDeepLink, parseLaunchArgs } from '../../src/main/core/desktop/launch-target'

function snap(id: string, state: IdentitySnapshot['state'], entryName = 'Work', model = 'gpt-work'): IdentitySnapshot {
  return {
    sessionId: id,
    revision: 1,
    authority: 'live',
    binding: { entryId: 'work', model, mode: 'pinned' },
    entryName,
    state,
    identity:
      state.kind === 'unresolved'
        ? null
        : { entryId: 'work', entryName, kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://x/v1', model, credential: { account: 'provider:work', source: 'keychain', present: true, fingerprint: 'abc' }, catalogNamespace: 'n', configRevision: 'r', local: false, resolvedAt: 0, identityKey: 'k' },
  }
}
function session(id: string, updatedAt: number, extra: Partial<SessionSummary> = {}, state: IdentitySnapshot['state'] = { kind: 'resolved' }): SessionSummary {
  return { id, title: `Session ${id}`, pinned: false, archived: false, createdAt: 0, updatedAt, messageCount: 1, running: false, identity: snap(id, state), profile: { id: 'chat', name: 'Chat', revision: 'r', missing: false, changed: false }, ...extra }
}
const sessionItems = (m: ReturnType<typeof buildTrayMenu>) => m.items.filter((i) => i.type === 'session')

describe('tray menu model', () => {
  it('lists pinned sessions first, then the most recently active, at most 8', () => {
    const list = Array.from({ length: 12 }, (_, i) => session(`s${i}`, i * 10, i === 2 ? { pinned: true } : {}))
    const items = sessionItems(buildTrayMenu(list, { windowVisible: true, revision: 1 }))
    expect(items).toHaveLength(TRAY_RECENT_LIMIT)
    expect(items.map((i) => (i.type === 'session' ? i.sessionId : ''))).toEqual(['s2', 's11', 's10', 's9', 's8', 's7', 's6', 's5'])
  })

  it('labels each session with its title and the provider name + model from its snapshot', () => {
    const [item] = sessionItems(buildTrayMenu([session('a', 1)], { windowVisible: true, revision: 1 }))
    expect(item).toMatchObject({ detail: 'Work · gpt-work', marker: null, label: 'Session a — Work · gpt-work' })
  })

  it('marks unresolved and config-changed sessions visibly', () => {
    const model = buildTrayMenu(
      [
        session('u', 3, {}, { kind: 'unresolved', reason: 'key-missing', message: 'm', fix: 'f' }),
        session('c', 2, {}, { kind: 'config-changed', message: 'm', differences: [], kept: false }),
      ],
      { windowVisible: true, revision: 1 },
    )
    const [u, c] = sessionItems(model)
    expect(u).toMatchObject({ marker: 'unresolved', label: expect.stringMatching(/^⚠ .*\(unresolved\)$/) })
    expect(c).toMatchObject({ marker: 'config-changed', label: expect.stringMatching(/^↻ .*\(config changed\)$/) })
  })

  it('leaves archived sessions out and clips long titles', () => {
    const long = session('l', 5, { title: 'x'.repeat(80) })
    const items = sessionItems(buildTrayMenu([long, session('z', 9, { archived: true })], { windowVisible: true, revision: 1 }))
    expect(items).toHaveLength(1)
    expect(items[0]!.type === 'session' && items[0]!.label.startsWith(`${'x'.repeat(39)}…`)).toBe(true)
  })

  it('leaves empty sessions out: a "New session" with no message yet has nothing to resume; one the user named stays', () => {
    const empty = session('e', 9, { title: 'New session', messageCount: 0 })
    const named = session('n', 7, { title: 'Plans', messageCount: 0 })
    const items = sessionItems(buildTrayMenu([empty, named, session('m', 5)], { windowVisible: true, revision: 1 }))
    expect(items.map((i) => (i.type === 'session' ? i.sessionId : ''))).toEqual(['n', 'm'])
  })

  it('ends with New session, Show/Hide Keel, Diagnostics and Quit', () => {
    const labels = (visible: boolean) => buildTrayMenu([], { windowVisible: visible, revision: 1 }).items.flatMap((i) => (i.type === 'action' ? [i.label] : []))
    expect(labels(true)).toEqual(['New session', 'Hide Keel', 'Diagnostics', 'Quit'])
    expect(labels(false)).toEqual(['New session', 'Show Keel', 'Diagnostics', 'Quit'])
  })
})

describe('launch targets', () => {
  it('reads keel://session/<id> links and --session arguments', () => {
    expect(parseDeepLink('keel://session/3f2a-77')).toEqual({ kind: 'session', sessionId: '3f2a-77' })
    expect(parseLaunchArgs(['/usr/bin/keel', '--session', 'abc-1'])).toEqual({ kind: 'session', sessionId: 'abc-1' })
    expect(parseLaunchArgs(['keel', '--session=abc-2'])).toEqual({ kind: 'session', sessionId: 'abc-2' })
    expect(parseLaunchArgs(['keel', 'keel://session/abc-3'])).toEqual({ kind: 'session', sessionId: 'abc-3' })
  })
  it('ignores anything else', () => {
    for (const bad of ['keel://settings', 'https://session/abc', 'keel://session/../../etc', 'keel://session/a/b']) expect(parseDeepLink(bad)).toEqual({ kind: 'none' })
    expect(parseLaunchArgs(['keel', '--session', '../x'])).toEqual({ kind: 'none' })
    expect(parseLaunchArgs([])).toEqual({ kind: 'none' })
  })
})

describe('tray menu fallback marker', () => {
  it('keeps the selected binding as the detail and adds who answered the latest turn, and why', () => {
    const line = 'answered by Backup · b-1 — fallback from Work · gpt-work: HTTP 503'
    const [item] = sessionItems(buildTrayMenu([session('f', 1, { fallback: line })], { windowVisible: true, revision: 1 }))
    expect(item).toMatchObject({ detail: 'Work · gpt-work', fallback: line })
    expect(item && 'label' in item ? item.label : '').toBe(`Session f — Work · gpt-work ⤳ ${line}`)
    const [plain] = sessionItems(buildTrayMenu([session('g', 1)], { windowVisible: true, revision: 1 }))
    expect(plain).not.toHaveProperty('fallback')
  })
})
