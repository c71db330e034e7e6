// Settings → Agents' editor among several profiles: an edit, a delete or a default refusal touches (and names) only
// the profile asked for; a patch key sent as undefined (structured clone keeps it) leaves that field as it was; a
// fallback list is removed by null and by an empty list; a copy of a profile with a long name stays a valid name.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { fakeProviderForFile, testKeychainService } from '../support/core-harness'
import { openWithDefault as openProfilesCore } from '../support/profile-notices'

const service = testKeychainService()
const fake = fakeProviderForFile()

const openWithDefault = () => openProfilesCore(fake.url, service)

/** The user profiles as config.json holds them. */
function profilesOnDisk(dataDir: string): Array<Record<string, unknown>> {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')).agentProfiles
}

describe('agent profiles: the editor among several profiles', () => {
  it('editing the second of two profiles changes only it; the first keeps its id, name and instructions', async () => {
    const { dataDir, h } = await openWithDefault()
    const alpha = await h.call('profiles.create', { name: 'Alpha', instructions: 'Answer as Alpha.' })
    const beta = await h.call('profiles.create', { name: 'Beta', instructions: 'Answer as Beta.' })

    const edited = await h.call('profiles.update', { id: beta.id, patch: { instructions: 'Answer as Beta, briefly.' } })
    expect(edited).toMatchObject({ id: 'beta', name: 'Beta', instructions: 'Answer as Beta, briefly.' })

    const { profiles } = await h.call('profiles.list', {})
    const users = profiles.filter((p) => !p.builtin)
    expect(users.map((p) => [p.id, p.name, p.instructions])).toEqual([
      ['alpha', 'Alpha', 'Answer as Alpha.'],
      ['beta', 'Beta', 'Answer as Beta, briefly.'],
    ])
    expect(users[0]!.revision).toBe(alpha.revision)
    expect(profilesOnDisk(dataDir).map((p) => p.id)).toEqual(['alpha', 'beta'])
    await h.close()
  })

  it('deleting an id no profile has is refused naming it even when other profiles exist, and retires nothing', async () => {
    const { dataDir, h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Alpha' })
    await h.call('profiles.create', { name: 'Beta' })

    expect(await h.fail('profiles.delete', { id: 'nobody' })).toMatchObject({ kind: 'not-found', field: 'id', message: 'There is no agent profile "nobody".' })
    expect(profilesOnDisk(dataDir).map((p) => p.id)).toEqual(['alpha', 'beta'])
    // Not retired: a profile named "nobody" may still get that id.
    expect((await h.call('profiles.create', { name: 'Nobody' })).id).toBe('nobody')
    await h.close()
  })

  it('deleting the default profile, when it is not the first one, is refused naming that profile', async () => {
    const { dataDir, h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Alpha' })
    await h.call('profiles.create', { name: 'Beta' })
    await h.call('profiles.setDefault', { id: 'beta' })

    expect(await h.fail('profiles.delete', { id: 'beta' })).toMatchObject({
      kind: 'conflict',
      message: '"Beta" is the default profile for new sessions, so it cannot be deleted.',
    })
    expect(profilesOnDisk(dataDir).map((p) => p.id)).toEqual(['alpha', 'beta'])
    await h.close()
  })

  it('a patch that sends a field as undefined (the window\'s structured clone keeps the key) leaves that field as it was', async () => {
    const { dataDir, h } = await openWithDefault()
    const kept = {
      instructions: 'Keep me.',
      binding: { mode: 'pinned' as const, entryId: 'fake', model: 'm-2' },
      parameters: { temperature: 0.5 },
      tools: [{ source: 'builtin' as const, name: 'read_file' }],
      approvals: [{ source: 'builtin' as const, name: 'read_file', approval: 'ask' as const }],
      stepLimit: 7,
    }
    const created = await h.call('profiles.create', { name: 'Keeper', ...kept })

    const renamed = await h.call('profiles.update', {
      id: created.id,
      patch: { name: 'Kept', instructions: undefined, binding: undefined, parameters: undefined, tools: undefined, approvals: undefined, stepLimit: undefined },
    })
    expect(renamed).toMatchObject({ id: 'keeper', name: 'Kept', ...kept })
    // A rename only: what shapes a turn is unchanged, so the revision is the same.
    expect(renamed.revision).toBe(created.revision)
    expect(profilesOnDisk(dataDir)[0]).toMatchObject({ name: 'Kept', instructions: 'Keep me.', stepLimit: 7 })
    await h.close()
  })

  it('a fallback list is removed by null and by an empty list: the profile has none, in Keel and in config.json', async () => {
    const { dataDir, h } = await openWithDefault()
    const chain = { bindings: [{ entryId: 'fake', model: 'm-2' }], triggers: ['server' as const] }
    const plain = await h.call('profiles.create', { name: 'Careful' })
    const withChain = await h.call('profiles.update', { id: plain.id, patch: { fallback: chain } })
    expect(withChain.fallback?.bindings).toHaveLength(1)

    const cleared = await h.call('profiles.update', { id: plain.id, patch: { fallback: null } })
    expect(cleared.fallback).toBeUndefined()
    expect(cleared.revision).toBe(plain.revision)
    expect(profilesOnDisk(dataDir)[0]).not.toHaveProperty('fallback')

    await h.call('profiles.update', { id: plain.id, patch: { fallback: chain } })
    const emptied = await h.call('profiles.update', { id: plain.id, patch: { fallback: { bindings: [], triggers: ['server'] } } })
    expect(emptied.fallback).toBeUndefined()
    expect(emptied.revision).toBe(plain.revision)
    expect(profilesOnDisk(dataDir)[0]).not.toHaveProperty('fallback')
    await h.close()
  })

  it('a copy of a profile whose name is the longest allowed is named "<name> copy" cut to 80 characters', async () => {
    const { h } = await openWithDefault()
    const longName = `Research assistant ${'x'.repeat(61)}`
    expect(longName).toHaveLength(80)
    const source = await h.call('profiles.create', { name: longName, instructions: 'Cite sources.' })

    const copy = await h.call('profiles.duplicate', { id: source.id })
    expect(copy.name).toBe(`${longName} copy`.slice(0, 80))
    expect(copy.name).toHaveLength(80)
    expect(copy).toMatchObject({ instructions: 'Cite sources.', revision: source.revision })
    expect(copy.id).not.toBe(source.id)
    await h.close()
  })
})
