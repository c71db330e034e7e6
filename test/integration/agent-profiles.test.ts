// Agent profiles: config.json's `agentProfiles` (validated by field, watched), CRUD through the contract, the
// built-in profiles, and what a session records (profile id + revision; missing after deletion, never switched).
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { openAtSchema } from '../support/previous-schema'

const service = testKeychainService()
const fake = fakeProviderForFile()

function writeConfig(dataDir: string, cfg: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(cfg, null, 2))
}
function readConfig(dataDir: string): Record<string, unknown> & { agentProfiles: Array<Record<string, unknown>> } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8'))
}

/** A core with one keyless entry on the fake provider as the app default. */
async function openWithDefault(options: { watchConfig?: boolean } = {}) {
  const dataDir = tempDataDir()
  writeConfig(dataDir, {
    version: 1,
    providers: [{ id: 'fake', name: 'Fake', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/v1`, auth: 'none', models: ['m-1', 'm-2'] }],
    default: { entryId: 'fake', model: 'm-1' },
  })
  const h = await CoreHarness.open(dataDir, service, options)
  return { dataDir, h }
}

async function sendAndFinish(h: CoreHarness, sessionId: string, text: string) {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  const ended = await h.turnEnded(turnId)
  expect(ended).toMatchObject({ status: 'done' })
}

describe('agent profiles', () => {
  it('lists the built-in Chat (the default) and Workspace agent with the built-in tools and their effect classes', async () => {
    const { h } = await openWithDefault()
    const state = await h.call('profiles.list', {})
    expect(state.defaultProfileId).toBe('chat')
    expect(state.profiles.map((p) => [p.id, p.name, p.builtin])).toEqual([
      ['chat', 'Chat', true],
      ['workspace-agent', 'Workspace agent', true],
    ])
    const chat = state.profiles[0]!
    expect(chat.tools).toEqual([])
    const agent = state.profiles[1]!
    expect(agent.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['read_file', 'write_file', 'edit_file']))
    expect(agent.approvals).toEqual(expect.arrayContaining([{ source: 'builtin', name: 'write_file', approval: 'ask' }]))
    expect(state.tools.find((t) => t.name === 'run_command')).toMatchObject({ source: 'builtin', effect: 'execute' })
    expect(state.tools.find((t) => t.name === 'read_file')).toMatchObject({ effect: 'read' })
    await h.close()
  })

  it('creates, edits, duplicates and deletes a profile through the contract, and config.json holds it', async () => {
    const { dataDir, h } = await openWithDefault()
    const created = await h.call('profiles.create', {
      name: 'Reviewer',
      instructions: 'Review the code.',
      parameters: { temperature: 0.2, maxOutputTokens: 2000 },
      tools: [{ source: 'builtin', name: 'read_file' }],
      approvals: [{ source: 'builtin', name: 'read_file', approval: 'allow' }],
      stepLimit: 10,
      workspace: '/tmp/project',
    })
    expect(created).toMatchObject({ id: 'reviewer', name: 'Reviewer', builtin: false, stepLimit: 10, workspace: '/tmp/project' })
    expect(readConfig(dataDir).agentProfiles).toEqual([expect.objectContaining({ id: 'reviewer', instructions: 'Review the code.' })])

    const edited = await h.call('profiles.update', { id: 'reviewer', patch: { instructions: 'Review carefully.', workspace: null } })
    expect(edited.instructions).toBe('Review carefully.')
    expect(edited.workspace).toBeUndefined()
    expect(edited.revision).not.toBe(created.revision)
    // A rename is not a new revision: nothing a session does changes.
    const renamed = await h.call('profiles.update', { id: 'reviewer', patch: { name: 'Code reviewer' } })
    expect(renamed.revision).toBe(edited.revision)

    const copy = await h.call('profiles.duplicate', { id: 'reviewer' })
    expect(copy).toMatchObject({ id: 'code-reviewer-copy', name: 'Code reviewer copy', instructions: 'Review carefully.', builtin: false })
    // A built-in can be duplicated (then edited), not edited in place.
    const agentCopy = await h.call('profiles.duplicate', { id: 'workspace-agent', name: 'My agent' })
    expect(agentCopy).toMatchObject({ id: 'my-agent', builtin: false })
    expect(agentCopy.tools.length).toBeGreaterThan(0)

    await h.call('profiles.setDefault', { id: 'my-agent' })
    expect((await h.call('profiles.list', {})).defaultProfileId).toBe('my-agent')
    expect(readConfig(dataDir).defaultProfileId).toBe('my-agent')
    // The default cannot be deleted…
    expect(await h.fail('profiles.delete', { id: 'my-agent' })).toMatchObject({ kind: 'conflict' })
    // …another can, and its id is never handed out again.
    await h.call('profiles.delete', { id: 'code-reviewer-copy' })
    expect((await h.call('profiles.list', {})).profiles.map((p) => p.id)).toEqual(['chat', 'workspace-agent', 'reviewer', 'my-agent'])
    expect(readConfig(dataDir).retiredProfileIds).toEqual(['code-reviewer-copy'])
    expect(await h.fail('profiles.create', { id: 'code-reviewer-copy', name: 'Again' })).toMatchObject({ kind: 'conflict', field: 'id' })
    await h.close()
  })

  it('refuses to edit or delete the built-in profiles, and bad input names the field', async () => {
    const { h } = await openWithDefault()
    expect(await h.fail('profiles.delete', { id: 'chat' })).toMatchObject({ kind: 'forbidden' })
    expect(await h.fail('profiles.delete', { id: 'workspace-agent' })).toMatchObject({ kind: 'forbidden' })
    expect(await h.fail('profiles.update', { id: 'chat', patch: { instructions: 'x' } })).toMatchObject({ kind: 'forbidden' })
    expect(await h.fail('profiles.create', { name: 'Loop', stepLimit: 0 })).toMatchObject({ kind: 'invalid-input', field: 'stepLimit' })
    expect(await h.fail('profiles.create', { name: 'Rel', workspace: 'relative/dir' })).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(await h.fail('profiles.create', { name: 'Typo', tools: [{ source: 'builtin', name: 'read_files' }] })).toMatchObject({ kind: 'invalid-input', field: 'tools[0].name' })
    expect(await h.fail('profiles.create', { name: 'Chat', id: 'chat' })).toMatchObject({ kind: 'conflict', field: 'id' })
    expect((await h.call('profiles.list', {})).profiles).toHaveLength(2)
    await h.close()
  })

  it('a hand edit with an invalid profile names the field and keeps the last good config; a valid one is picked up', async () => {
    const { dataDir, h } = await openWithDefault({ watchConfig: true })
    await h.call('profiles.create', { name: 'Writer', instructions: 'Write.' })
    const good = readConfig(dataDir)

    let mark = h.mark()
    writeConfig(dataDir, { ...good, agentProfiles: [{ ...good.agentProfiles[0], stepLimit: 9000 }] })
    await h.waitFor('app', (e) => e.reason === 'config-error', 10_000, mark)
    const state = await h.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'agentProfiles[0].stepLimit' })
    expect(state.config.error?.message).toContain('agentProfiles[0].stepLimit')
    // The last good profile stays in force, and Keel does not overwrite the file being fixed.
    expect((await h.call('profiles.list', {})).profiles.find((p) => p.id === 'writer')?.stepLimit).toBe(25)
    expect((await h.fail('profiles.update', { id: 'writer', patch: { name: 'W' } })).kind).toBe('config-invalid')

    mark = h.mark()
    writeConfig(dataDir, { ...good, defaultProfileId: 'nobody' })
    await h.waitFor('app', (e) => e.reason === 'config-error', 10_000, mark)
    expect((await h.call('app.state', {})).config.error).toMatchObject({ field: 'defaultProfileId' })

    mark = h.mark()
    writeConfig(dataDir, { ...good, agentProfiles: [{ ...good.agentProfiles[0], stepLimit: 40 }] })
    await h.waitFor('providers', (e) => e.reason === 'config-changed', 10_000, mark)
    expect((await h.call('app.state', {})).config.error).toBeNull()
    expect((await h.call('profiles.list', {})).profiles.find((p) => p.id === 'writer')?.stepLimit).toBe(40)
    await h.close()
  })

  it('a session records its profile and revision; an edit is said at the next turn; a deleted profile shows missing and the next turn is refused', async () => {
    const { h } = await openWithDefault()
    const plain = await h.call('sessions.create', {})
    expect(plain.profile).toMatchObject({ id: 'chat', name: 'Chat', missing: false, changed: false })

    const p = await h.call('profiles.create', { name: 'Helper', instructions: 'Be brief.' })
    const s = await h.call('sessions.create', { profileId: 'helper' })
    expect(s.profile).toEqual({ id: 'helper', name: 'Helper', revision: p.revision, missing: false, changed: false })
    await sendAndFinish(h, s.id, 'hello')

    const edited = await h.call('profiles.update', { id: 'helper', patch: { parameters: { temperature: 0.3 } } })
    const [changed] = await h.call('sessions.summaries', { ids: [s.id] })
    // The session still records the revision it ran; the change is shown, and applied at the next turn.
    expect(changed!.profile).toMatchObject({ revision: p.revision, changed: true })
    const mark = h.mark()
    await sendAndFinish(h, s.id, 'again')
    const notice = await h.waitFor('notice', (n) => n.sessionId === s.id && /Helper/.test(n.text), 10_000, mark)
    expect(notice.text).toMatch(/temperature \(default → 0\.3\)/)
    const [after] = await h.call('sessions.summaries', { ids: [s.id] })
    expect(after!.profile).toMatchObject({ revision: edited.revision, changed: false })

    await h.call('profiles.delete', { id: 'helper' })
    const [gone] = await h.call('sessions.summaries', { ids: [s.id] })
    expect(gone!.profile).toMatchObject({ id: 'helper', name: 'Helper', missing: true })
    const refused = await h.fail('chat.send', { sessionId: s.id, text: 'still there?' })
    expect(refused).toMatchObject({ kind: 'not-found', field: 'profileId' })
    expect(refused.message).toMatch(/was deleted/)
    const requests = fake.requests().length
    // Picking another profile lets the session go on, from its next turn.
    const switched = await h.call('sessions.setProfile', { id: s.id, profileId: 'chat' })
    expect(switched.profile).toMatchObject({ id: 'chat', missing: false })
    await sendAndFinish(h, s.id, 'on chat now')
    expect(fake.requests().length).toBe(requests + 1)
    // An unknown profile for a new session is refused, naming the field.
    expect(await h.fail('sessions.create', { profileId: 'nobody' })).toMatchObject({ kind: 'not-found', field: 'profileId' })
    await h.close()
  })

  it('a profile bound to an entry + model starts its sessions pinned to them', async () => {
    const { h } = await openWithDefault()
    await h.call('profiles.create', { name: 'Pinned', binding: { mode: 'pinned', entryId: 'fake', model: 'm-2' } })
    const s = await h.call('sessions.create', { profileId: 'pinned' })
    expect(s.identity.binding).toMatchObject({ entryId: 'fake', model: 'm-2', mode: 'pinned' })
    await h.close()
  })

  it('a database from the previous schema is migrated: its sessions run the Chat profile', async () => {
    const old = openAtSchema(6)
    const { dataDir, backups } = old
    expect(old.schemaVersion).toBe(6)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old chat', 1, 1)").run()
    old.db.close()

    const h = await CoreHarness.open(dataDir, service)
    const app = await h.call('diagnostics.app', {})
    expect(app.schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    expect(app.migrations.some((m) => m.version === 7 && /profile_id/.test(m.summary))).toBe(true)
    const [s] = await h.call('sessions.summaries', { ids: ['s-old'] })
    expect(s!.profile).toMatchObject({ id: 'chat', name: 'Chat', missing: false, changed: false })
    await h.close()
    const backupFiles = fs.readdirSync(backups).filter((f) => f.includes('before-v'))
    expect(backupFiles).toHaveLength(1)
    const backup = new Database(path.join(backups, backupFiles[0]!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(6)
    backup.close()
  })
})
