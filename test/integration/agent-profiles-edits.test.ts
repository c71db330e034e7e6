// Agent profiles, the words the user reads: the notice at the next turn lists every kind of change in Settings →
// Agents' words (a workspace-only edit is a change too); ids made from names (a name with no letters, numbered
// duplicates); validation errors that name the field and say why; not-found errors naming the id.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { noticeAtNextTurn, openWithDefault as openProfilesCore } from '../support/profile-notices'

const service = testKeychainService()
const fake = fakeProviderForFile()

const openWithDefault = () => openProfilesCore(fake.url, service)

describe('agent profiles: what an edit says, and what errors name', () => {
  it('the notice at the next turn names every change, bindings and parameters with before → after; a workspace-only edit is a change', async () => {
    const { dataDir, h } = await openWithDefault()
    const a = fs.mkdtempSync(path.join(dataDir, 'ws-a-'))
    const b = fs.mkdtempSync(path.join(dataDir, 'ws-b-'))
    await h.call('profiles.create', { name: 'Helper', instructions: 'Be brief.', parameters: { temperature: 0.3 }, workspace: a })
    const s = await h.call('sessions.create', { profileId: 'helper' })
    expect(await noticeAtNextTurn(h, s.id, 'one')).toBeNull()

    await h.call('profiles.update', {
      id: 'helper',
      patch: {
        instructions: 'Be thorough.',
        binding: { mode: 'pinned', entryId: 'fake', model: 'm-2' },
        parameters: {},
        tools: [{ source: 'builtin', name: 'read_file' }],
        approvals: [{ source: 'builtin', name: 'read_file', approval: 'ask' }],
        stepLimit: 7,
      },
    })
    expect(await noticeAtNextTurn(h, s.id, 'two')).toBe(
      'The agent profile "Helper" changed since this session\'s last turn (instructions, binding (the app default → fake · m-2), temperature (0.3 → default), tools, approval defaults, step limit (25 → 7)); this turn uses the new version.',
    )

    // Only the workspace: the session is shown changed, and the next turn says so.
    await h.call('profiles.update', { id: 'helper', patch: { workspace: b, binding: { mode: 'follow-default' } } })
    const [summary] = await h.call('sessions.summaries', { ids: [s.id] })
    expect(summary!.profile).toMatchObject({ changed: true })
    expect(await noticeAtNextTurn(h, s.id, 'three')).toBe(
      `The agent profile "Helper" changed since this session's last turn (binding (fake · m-2 → the app default), workspace (${a} → ${b})); this turn uses the new version.`,
    )
    await h.call('profiles.update', { id: 'helper', patch: { workspace: a } })
    const [again] = await h.call('sessions.summaries', { ids: [s.id] })
    expect(again!.profile).toMatchObject({ changed: true })
    await h.close()
  })

  it('ids are made from the name: a name with no letters or digits is "profile", and taken ids are numbered 2, 3, …', async () => {
    const { h } = await openWithDefault()
    expect((await h.call('profiles.create', { name: '!!!' })).id).toBe('profile')
    expect((await h.call('profiles.create', { name: '???' })).id).toBe('profile-2')
    expect((await h.call('profiles.create', { name: '***' })).id).toBe('profile-3')
    // A copy is named "!!! copy": its id is made from that name.
    expect((await h.call('profiles.duplicate', { id: 'profile' })).id).toBe('copy')
    expect((await h.call('profiles.duplicate', { id: 'profile', name: '—' })).id).toBe('profile-4')
    await h.close()
  })

  it('an id is the name\'s words (letters and digits) in lowercase joined by single dashes, at most 48 characters: the longest name (80) still makes a valid id', async () => {
    const { h } = await openWithDefault()
    expect((await h.call('profiles.create', { name: '(Code  Review) — Draft 2!' })).id).toBe('code-review-draft-2')
    // Accents are dropped, not made dashes; a cut at 48 that ends on a dash leaves it out.
    expect((await h.call('profiles.create', { name: 'Résumé helper' })).id).toBe('resume-helper')
    expect((await h.call('profiles.create', { name: `${'a'.repeat(47)} b` })).id).toBe('a'.repeat(47))
    const long = 'Reviewer for the billing service, its nightly reports and the quarterly audits!!'
    expect(long).toHaveLength(80)
    const created = await h.call('profiles.create', { name: long })
    expect(created).toMatchObject({ id: 'reviewer-for-the-billing-service-its-nightly-rep', name: long })
    expect((await h.call('profiles.list', {})).profiles.map((p) => p.id)).toContain('reviewer-for-the-billing-service-its-nightly-rep')
    await h.close()
  })

  it('a profile that lists a tool twice, gives one two approval defaults or names a built-in tool Keel lacks is refused naming the field; nothing is written', async () => {
    const { dataDir, h } = await openWithDefault()
    const twice = await h.fail('profiles.create', { name: 'Twice', tools: [{ source: 'builtin', name: 'read_file' }, { source: 'builtin', name: 'read_file' }] })
    expect(twice).toMatchObject({ kind: 'invalid-input', field: 'tools[1]', message: 'Invalid agent profile: tools[1]: "builtin" tool "read_file" is listed twice.' })
    await h.call('profiles.create', { name: 'Once' })
    const approvals = await h.fail('profiles.update', {
      id: 'once',
      patch: { approvals: [{ source: 'builtin', name: 'write_file', approval: 'ask' }, { source: 'builtin', name: 'write_file', approval: 'allow' }] },
    })
    expect(approvals).toMatchObject({ kind: 'invalid-input', field: 'approvals[1]', message: 'Invalid agent profile: approvals[1]: "builtin" tool "write_file" has two approval defaults.' })
    const unknown = await h.fail('profiles.update', { id: 'once', patch: { approvals: [{ source: 'builtin', name: 'launch_rockets', approval: 'allow' }] } })
    expect(unknown).toMatchObject({ kind: 'invalid-input', field: 'approvals[0].name', message: 'Invalid agent profile: approvals[0].name: Keel has no built-in tool "launch_rockets".' })
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { agentProfiles: Array<{ id: string; approvals: unknown[] }> }
    expect(stored.agentProfiles.map((p) => [p.id, p.approvals])).toEqual([['once', []]])
    await h.close()
  })

  // Only a built-in tool's own name is checked against Keel's tools: `*` (every built-in tool) and an MCP server's
  // tools by name (which Keel only learns from the server) are kept as written, in the tool set and the approvals.
  it('a profile offering every built-in tool ("*") and MCP tools by name, with approval defaults for them, is saved as written', async () => {
    const { dataDir, h } = await openWithDefault()
    const tools = [{ source: 'builtin', name: '*' }, { source: 'mcp:notes', name: 'add_note' }]
    const approvals = [{ source: 'builtin', name: '*', approval: 'ask' as const }, { source: 'mcp:notes', name: 'add_note', approval: 'allow' as const }]
    const created = await h.call('profiles.create', { name: 'Everything', tools, approvals })
    expect(created).toMatchObject({ id: 'everything', tools, approvals })
    // The same items through edits: the approvals alone first (each list is checked on its own), then the tool set.
    await h.call('profiles.create', { name: 'Later' })
    await h.call('profiles.update', { id: 'later', patch: { approvals } })
    await h.call('profiles.update', { id: 'later', patch: { tools } })
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { agentProfiles: Array<{ id: string; tools: unknown[]; approvals: unknown[] }> }
    expect(stored.agentProfiles.map((p) => [p.id, p.tools, p.approvals])).toEqual([
      ['everything', tools, approvals],
      ['later', tools, approvals],
    ])
    await h.close()
  })

  it('editing, duplicating, deleting or making default a profile that does not exist names its id', async () => {
    const { h } = await openWithDefault()
    const notFound = { kind: 'not-found', field: 'id', message: 'There is no agent profile "nobody".', fix: 'Pick a profile listed in Settings → Agents.' }
    expect(await h.fail('profiles.update', { id: 'nobody', patch: { name: 'X' } })).toMatchObject(notFound)
    expect(await h.fail('profiles.duplicate', { id: 'nobody' })).toMatchObject(notFound)
    expect(await h.fail('profiles.delete', { id: 'nobody' })).toMatchObject(notFound)
    expect(await h.fail('profiles.setDefault', { id: 'nobody' })).toMatchObject(notFound)
    await h.close()
  })

  it('a built-in profile, a taken or retired id, the default profile and a session on a deleted profile are refused with what to do instead; nothing changes', async () => {
    const { dataDir, h } = await openWithDefault()
    const builtin = { kind: 'forbidden', field: 'id', message: '"Chat" is a built-in profile and cannot be changed or deleted.', fix: 'Duplicate it and edit the copy.' }
    expect(await h.fail('profiles.update', { id: 'chat', patch: { name: 'Mine' } })).toMatchObject(builtin)
    expect(await h.fail('profiles.delete', { id: 'chat' })).toMatchObject(builtin)

    await h.call('profiles.create', { name: 'Helper' })
    const taken = (id: string) => ({
      kind: 'conflict',
      field: 'id',
      message: `The profile id "${id}" is taken (or was used by a deleted profile; ids are never reused).`,
      fix: 'Choose another id, or leave it out to have one made from the name.',
    })
    expect(await h.fail('profiles.create', { name: 'Another', id: 'helper' })).toMatchObject(taken('helper'))

    await h.call('profiles.setDefault', { id: 'helper' })
    expect(await h.fail('profiles.delete', { id: 'helper' })).toMatchObject({
      kind: 'conflict',
      field: 'id',
      message: '"Helper" is the default profile for new sessions, so it cannot be deleted.',
      fix: 'Make another profile the default first.',
    })
    expect((await h.call('profiles.list', {})).defaultProfileId).toBe('helper')

    // A session on a profile that is then deleted: its next send is refused (never run as another profile).
    const s = await h.call('sessions.create', { profileId: 'helper' })
    await h.call('profiles.setDefault', { id: 'chat' })
    await h.call('profiles.delete', { id: 'helper' })
    expect(await h.fail('profiles.create', { name: 'Helper again', id: 'helper' })).toMatchObject(taken('helper'))
    const requests = fake.requests().length
    expect(await h.fail('chat.send', { sessionId: s.id, text: 'still there?' })).toMatchObject({
      kind: 'not-found',
      field: 'profileId',
      message: 'This session\'s agent profile "helper" was deleted, so Keel will not run this session as another profile.',
      fix: 'Pick another profile for this session in its header, or start a new session.',
    })
    expect(fake.requests().length).toBe(requests)
    expect((await h.call('sessions.open', { id: s.id })).messages).toEqual([])
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { agentProfiles: Array<{ id: string }> }
    expect(stored.agentProfiles.map((p) => p.id)).toEqual([])
    await h.close()
  })

  it('a session deleted while its send is being prepared: the send is refused with "pick another session", nothing is sent', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { id: 'keyed', name: 'Keyed', kind: 'openai-compatible', baseUrl: `${fake.url}/keyed/v1`, defaultModel: 'k-1', key: testKey('keyed') })
    const s = await h.call('sessions.create', {})
    // chat.send queues the turn boundary's key lookup at once; this lookup is queued right behind it (the process has
    // one keychain queue), and the per-turn key read behind that: the session is deleted while the key is read, so
    // the turn's next look at the session's profile finds no session.
    const sending = h.fail('chat.send', { sessionId: s.id, text: 'hello?' })
    const deleting = new Keychain(service).readKey('keyed').then(() => h.call('sessions.delete', { id: s.id }))
    const [refused] = await Promise.all([sending, deleting])
    expect(refused).toMatchObject({ kind: 'not-found', message: 'That session no longer exists.', fix: 'Pick another session from the list.' })
    expect(fake.requests().filter((r) => r.protocol !== 'models')).toEqual([])
    expect((await h.call('sessions.list', {})).items).toEqual([])
    await h.close()
  })

  it('a profile whose workspace is a file, not a folder, refuses the turn naming it, and sends nothing', async () => {
    const { dataDir, h } = await openWithDefault()
    const file = path.join(dataDir, 'notes.txt')
    fs.writeFileSync(file, 'not a folder\n')
    await h.call('profiles.create', { name: 'Filed', tools: [{ source: 'builtin', name: 'read_file' }], workspace: file })
    const s = await h.call('sessions.create', { profileId: 'filed' })
    const requests = fake.requests().length
    const refused = await h.fail('chat.send', { sessionId: s.id, text: 'read it' })
    expect(refused).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(refused.message).toBe(`The workspace "${file}" of this session (agent profile "Filed") is not a folder. Choose a workspace folder for this session (session header → Workspace). Nothing was sent.`)
    expect(refused.fix).toMatch(/set one as the workspace of "Filed" in Settings → Agents/)
    expect(fake.requests().length).toBe(requests)
    expect((await h.call('sessions.open', { id: s.id })).messages).toEqual([])
    await h.close()
  })

  it('picking a profile for a session tells the window why the session changed; for a session that does not exist, nothing is announced', async () => {
    const { h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Helper' })
    const s = await h.call('sessions.create', {})
    const mark = h.mark()
    expect((await h.call('sessions.setProfile', { id: s.id, profileId: 'helper' })).profile).toMatchObject({ id: 'helper' })
    expect(await h.waitFor('sessions', (e) => e.changes.some((c) => c.id === s.id), 10_000, mark)).toMatchObject({ reason: 'profile-changed', changes: [{ id: s.id, kind: 'updated' }] })

    const seen = h.events('sessions').length
    expect(await h.fail('sessions.setProfile', { id: 'no-such-session', profileId: 'helper' })).toMatchObject({ kind: 'not-found' })
    expect(await h.fail('sessions.setProfile', { id: s.id, profileId: 'nobody' })).toMatchObject({ kind: 'not-found', field: 'profileId' })
    expect(h.events('sessions').slice(seen)).toEqual([])
    expect((await h.call('sessions.summaries', { ids: [s.id] }))[0]!.profile).toMatchObject({ id: 'helper' })
    await h.close()
  })

  it('when the profile a session last ran cannot be read back (its snapshot was damaged outside Keel), an edit is still announced, without a list', async () => {
    const { dataDir, h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Helper', instructions: 'Be brief.' })
    const s = await h.call('sessions.create', { profileId: 'helper' })
    expect(await noticeAtNextTurn(h, s.id, 'one')).toBeNull()
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare('UPDATE sessions SET profile_snapshot = ? WHERE id = ?').run('{not json', s.id)
    db.close()
    await h.call('profiles.update', { id: 'helper', patch: { instructions: 'Be thorough.' } })
    expect(await noticeAtNextTurn(h, s.id, 'two')).toBe('The agent profile "Helper" changed since this session\'s last turn; this turn uses the new version.')
    await h.close()
  })

  it('a session on a deleted profile whose recorded revision was lost outside Keel is shown missing, named from its snapshot, with no revision (the header says "unknown")', async () => {
    const { dataDir, h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Helper', instructions: 'Be brief.' })
    const s = await h.call('sessions.create', { profileId: 'helper' })
    await h.call('profiles.delete', { id: 'helper' })
    const db = new Database(path.join(dataDir, 'keel.db'))
    db.prepare('UPDATE sessions SET profile_revision = NULL WHERE id = ?').run(s.id)
    db.close()
    // The window shows `revision || 'unknown'`: an empty revision, never a made-up one.
    expect((await h.call('sessions.summaries', { ids: [s.id] }))[0]!.profile).toEqual({ id: 'helper', name: 'Helper', revision: '', missing: true, changed: false })
    await h.close()
  })
})
