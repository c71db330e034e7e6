// The "needs approval" markers: the tray label and marker of a session with a call waiting for approval, and the
// notification text when a turn pauses for one while Keel is hidden.
import { describe, expect, it } from 'vitest'
import { buildTrayMenu } from '../../src/main/core/desktop/tray-menu'
import { turnEndedNotificationBody } from '../../src/main/core/desktop/turn-notification'
import type { IdentitySnapshot, SessionSummary } from '../../src/shared/domain'

function session(id: string, extra: Partial<SessionSummary> = {}, state: IdentitySnapshot['state'] = { kind: 'resolved' }): SessionSummary {
  const identity: IdentitySnapshot = {
    sessionId: id,
    revision: 1,
    authority: 'live',
    binding: { entryId: 'work', model: 'm', mode: 'pinned' },
    entryName: 'Work',
    state,
    identity: null,
  }
  return { id, title: `Session ${id}`, pinned: false, archived: false, createdAt: 0, updatedAt: 1, messageCount: 1, running: false, identity, profile: { id: 'chat', name: 'Chat', revision: 'r', missing: false, changed: false }, ...extra }
}

describe('needs approval', () => {
  it('the tray marks a session waiting for approval, before an identity marker, and not the others', () => {
    const menu = buildTrayMenu(
      [session('a', { needsApproval: true, updatedAt: 3 }), session('b', { updatedAt: 2 }), session('c', { needsApproval: true, updatedAt: 1 }, { kind: 'unresolved', reason: 'no-binding', message: 'm', fix: 'f' })],
      { windowVisible: true, revision: 1 },
    )
    const items = menu.items.filter((i) => i.type === 'session')
    expect(items[0]).toMatchObject({ sessionId: 'a', marker: 'needs-approval', label: expect.stringMatching(/^⏸ Session a — .*\(needs approval\)$/) })
    expect(items[1]).toMatchObject({ sessionId: 'b', marker: null })
    expect(items[2]).toMatchObject({ sessionId: 'c', marker: 'needs-approval' })
  })

  it('the notification of a turn paused for approval says a tool call needs approval', () => {
    expect(turnEndedNotificationBody({ status: 'stopped', pause: { reason: 'awaiting-approval' } })).toBe('A tool call needs your approval.')
    expect(turnEndedNotificationBody({ status: 'stopped', pause: null })).toBe('A reply was stopped.')
    expect(turnEndedNotificationBody({ status: 'done' })).toBe('A reply finished.')
  })
})
