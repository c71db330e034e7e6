// A session's own workspace folder (issue #9), on the real core, a real SQLite file, real folders and the recording
// fake provider: a session on the built-in "Workspace agent" (no workspace, not editable) is refused with a message
// pointing at the session header and sends nothing; once `sessions.setWorkspace` chooses a folder, the next turn
// offers the profile's tools and read_file reads in that folder. Bad paths are refused naming `path` and change
// nothing; null goes back to the profile's default. Migration 011 adds the column to a database made by schema 10.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { WORKSPACE_AGENT_PROFILE_ID } from '../../src/shared/agent-profiles'
import { MIGRATIONS } from '../../src/main/core/sessions/migrations/index'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { toolNamesOffered, toolResultsSent } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const fake = fakeProviderForFile()
const service = testKeychainService()
const WORKSPACE_VERSION = 11

async function open() {
  const dataDir = tempDataDir('keel-session-workspace')
  const h = await CoreHarness.open(dataDir, service)
  await h.call('providers.create', { id: 'work', name: 'Work', kind: 'openai-compatible', baseUrl: `${fake.url}/work/v1`, auth: 'none', defaultModel: 'm-1' })
  return { dataDir, h }
}

describe('a session’s own workspace folder', () => {
  it('a Workspace agent session is refused until a folder is chosen for it; then its turn offers the tools and reads in that folder', async () => {
    const { dataDir, h } = await open()
    const s = await h.call('sessions.create', { profileId: WORKSPACE_AGENT_PROFILE_ID })
    await h.call('sessions.bind', { id: s.id, entryId: 'work', model: 'm-1' })
    expect(s.workspace ?? null).toBeNull()

    const refused = await h.fail('chat.send', { sessionId: s.id, text: 'read it' })
    expect(refused).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(refused.message).toContain('Choose a workspace folder for this session (session header → Workspace)')
    expect(refused.message).toContain('Nothing was sent.')
    expect(fake.requests()).toEqual([])
    expect((await h.call('sessions.open', { id: s.id })).messages).toEqual([])

    // Through a symlink: the session keeps the folder's real path.
    const real = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    fs.writeFileSync(path.join(real, 'notes.txt'), 'the heron flies at dawn\n')
    const link = path.join(dataDir, 'ws-link')
    fs.symlinkSync(real, link)
    const set = await h.call('sessions.setWorkspace', { id: s.id, path: link })
    expect(set.workspace).toBe(fs.realpathSync(real))
    // The page query carries it (a list, as the sidebar reads it).
    const listed = (await h.call('sessions.list', {})).items.find((x) => x.id === s.id)
    expect(listed?.workspace).toBe(fs.realpathSync(real))

    fake.sequence([{ toolCalls: [{ id: 'call_read', name: 'read_file', arguments: { path: 'notes.txt' } }] }, { toolResultFor: 'call_read', reply: 'It flies at dawn.' }])
    const { turnId } = await h.call('chat.send', { sessionId: s.id, text: 'when does the heron fly?' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    const [first, second] = fake.requests()
    const names = toolNamesOffered(first!)
    expect(names).toEqual(expect.arrayContaining(['list_files', 'read_file', 'search_files', 'write_file', 'edit_file']))
    expect(toolResultsSent(second!).find((r) => r.callId === 'call_read')?.content).toContain('the heron flies at dawn')

    // null clears it: the built-in profile's (absent) default applies again and the turn is refused, sending nothing.
    const cleared = await h.call('sessions.setWorkspace', { id: s.id, path: null })
    expect(cleared.workspace ?? null).toBeNull()
    const before = fake.requests().length
    expect(await h.fail('chat.send', { sessionId: s.id, text: 'again' })).toMatchObject({ kind: 'invalid-input', field: 'workspace' })
    expect(fake.requests().length).toBe(before)
    await h.close()
  })

  it('a relative, missing or non-folder path is refused naming `path`, and the chosen folder stays', async () => {
    const { dataDir, h } = await open()
    const s = await h.call('sessions.create', { profileId: WORKSPACE_AGENT_PROFILE_ID })
    const good = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    await h.call('sessions.setWorkspace', { id: s.id, path: good })
    const file = path.join(dataDir, 'a-file.txt')
    fs.writeFileSync(file, 'x')
    for (const [bad, words] of [
      ['relative/folder', /not an absolute path/],
      [path.join(dataDir, 'nowhere'), /does not exist/],
      [file, /not a folder/],
      ['   ', /Type a folder/],
    ] as const) {
      const err = await h.fail('sessions.setWorkspace', { id: s.id, path: bad })
      expect(err).toMatchObject({ kind: 'invalid-input', field: 'path' })
      expect(err.message).toMatch(words)
      const [now] = await h.call('sessions.summaries', { ids: [s.id] })
      expect(now!.workspace).toBe(fs.realpathSync(good))
    }
    expect(await h.fail('sessions.setWorkspace', { id: 'no-such-session', path: good })).toMatchObject({ kind: 'not-found' })
    await h.close()
  })
})

describe('migration 011 (session workspace)', () => {
  it('adds an empty workspace to the sessions of a database made by schema 10, after a backup of it', async () => {
    const old = openAtSchema(WORKSPACE_VERSION - 1)
    const { dataDir, backups } = old
    const sessionId = new SessionStore(old.db).create()
    old.db.prepare('UPDATE sessions SET title = ? WHERE id = ?').run('Before the upgrade', sessionId)
    old.db.close()

    const h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    const backupFiles = fs.readdirSync(backups).filter((f) => f.endsWith('.db')).sort()
    expect(backupFiles.length).toBeGreaterThan(0)
    const backup = new Database(path.join(backups, backupFiles.at(-1)!), { readonly: true })
    expect(backup.pragma('user_version', { simple: true })).toBe(WORKSPACE_VERSION - 1)
    backup.close()

    const [kept] = await h.call('sessions.summaries', { ids: [sessionId] })
    expect(kept).toMatchObject({ id: sessionId, title: 'Before the upgrade', workspace: null })
    const ws = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    expect((await h.call('sessions.setWorkspace', { id: sessionId, path: ws })).workspace).toBe(fs.realpathSync(ws))
    const diag = await h.call('diagnostics.app', {})
    expect(diag.migrations.some((m) => m.version === WORKSPACE_VERSION && /workspace/.test(m.summary))).toBe(true)
    await h.close()
  })
})
