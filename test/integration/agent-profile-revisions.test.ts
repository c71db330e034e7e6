// A profile's revision and its fallback list, the words the user reads (issue #11's fallbacks in profiles; written for
// the mutants of profiles.ts and profile-handlers.ts that the agents group's tests left alive, issue #13): a profile
// is created and edited with a fallback list through the handlers (written canonical), an edit of only the fallback
// list is a change the next turn names, and a revision recorded by an earlier Keel still matches (a changed way of
// computing it would tell every session its profile changed after an upgrade).
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fakeProviderForFile, testKeychainService } from '../support/core-harness'
import { noticeAtNextTurn, openWithDefault as openProfilesCore } from '../support/profile-notices'

const service = testKeychainService()
const fake = fakeProviderForFile()

const openWithDefault = () => openProfilesCore(fake.url, service)

describe('agent profiles: fallback lists and revisions', () => {
  it('a profile is created and edited with a fallback list (written canonical), and an edit of only the list is named at the next turn', async () => {
    const { dataDir, h } = await openWithDefault()
    const created = await h.call('profiles.create', { name: 'Careful', fallback: { bindings: [{ entryId: 'fake', model: 'fake/m-2' }], triggers: ['server'] } })
    expect(created.fallback).toEqual({ bindings: [{ entryId: 'fake', model: 'm-2' }], triggers: ['server'] })
    const s = await h.call('sessions.create', { profileId: created.id })
    expect(await noticeAtNextTurn(h, s.id, 'one')).toBeNull()

    const edited = await h.call('profiles.update', { id: created.id, patch: { fallback: { bindings: [{ entryId: 'fake', model: 'fake/m-1' }], triggers: ['server', 'timeout'] } } })
    expect(edited.fallback).toEqual({ bindings: [{ entryId: 'fake', model: 'm-1' }], triggers: ['server', 'timeout'] })
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { agentProfiles: Array<{ id: string; fallback?: unknown }> }
    expect(stored.agentProfiles.find((p) => p.id === created.id)!.fallback).toEqual({ bindings: [{ entryId: 'fake', model: 'm-1' }], triggers: ['server', 'timeout'] })
    expect(await noticeAtNextTurn(h, s.id, 'two')).toBe('The agent profile "Careful" changed since this session\'s last turn (fallbacks); this turn uses the new version.')
    // Unchanged since: no notice.
    expect(await noticeAtNextTurn(h, s.id, 'three')).toBeNull()
    await h.close()
  })

  it('an edit of max output tokens or reasoning effort is named at the next turn with before → after, in Settings → Agents\' words', async () => {
    const { h } = await openWithDefault()
    const created = await h.call('profiles.create', { name: 'Thinker' })
    const s = await h.call('sessions.create', { profileId: created.id })
    expect(await noticeAtNextTurn(h, s.id, 'one')).toBeNull()
    await h.call('profiles.update', { id: created.id, patch: { parameters: { maxOutputTokens: 2000, reasoningEffort: 'high' } } })
    expect(await noticeAtNextTurn(h, s.id, 'two')).toBe(
      'The agent profile "Thinker" changed since this session\'s last turn (max output tokens (default → 2000), reasoning effort (default → high)); this turn uses the new version.',
    )
    await h.call('profiles.update', { id: created.id, patch: { parameters: { maxOutputTokens: 500 } } })
    expect(await noticeAtNextTurn(h, s.id, 'three')).toBe(
      'The agent profile "Thinker" changed since this session\'s last turn (max output tokens (2000 → 500), reasoning effort (high → default)); this turn uses the new version.',
    )
    await h.close()
  })

  it("the built-in profiles' revisions are pinned: sessions record them, so another way of computing them would tell every session its profile changed", async () => {
    const { h } = await openWithDefault()
    const revisions = Object.fromEntries((await h.call('profiles.list', {})).profiles.filter((p) => p.builtin).map((p) => [p.id, p.revision]))
    expect(revisions).toEqual({ chat: 'ede83520f46b', 'workspace-agent': 'e2b072e229f9' })
    await h.close()
  })
})
