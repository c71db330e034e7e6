// What a session gets from its agent profile, on the real core (no toolSet hook: the profile decides), a real SQLite
// file and the recording fake provider: exactly the built-in tools the profile names (all of them for '*'), the
// profile's fallback list (shown in the header and used when the selected binding fails), and a session from before
// profiles adopting the current profile at its first turn without a change notice.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { WORKSPACE_AGENT_PROFILE_ID } from '../../src/shared/agent-profiles'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import { toolNamesOffered } from '../fake-provider/server'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'
import { requestsTo } from '../support/agent-sessions'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** config.json with one keyless Chat Completions entry (`work`, on its own path of the fake) as the app default. */
function writeConfig(dataDir: string): void {
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [{ id: 'work', name: 'Work', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/work/v1`, auth: 'none', models: ['m-1', 'm-2'] }],
      default: { entryId: 'work', model: 'm-1' },
    }),
  )
}

async function open(label: string) {
  const dataDir = tempDataDir(label)
  writeConfig(dataDir)
  return { dataDir, h: await CoreHarness.open(dataDir, service) }
}

async function send(h: CoreHarness, sessionId: string, text: string) {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  return h.turnEnded(turnId)
}

describe('what a session gets from its agent profile', () => {
  it("a session is offered exactly the built-in tools its profile names, and every one of them for '*'", async () => {
    const { dataDir, h } = await open('keel-profile-tools')
    const workspace = fs.mkdtempSync(path.join(dataDir, 'ws-'))
    const offeredBy = async (profileId: string) => {
      const s = await h.call('sessions.create', { profileId })
      fake.clear()
      expect(await send(h, s.id, 'hello')).toMatchObject({ status: 'done' })
      const [first] = requestsTo(fake, '/work')
      return toolNamesOffered(first!)
    }
    const offered = async (name: string, tools: Array<{ source: string; name: string }>) => offeredBy((await h.call('profiles.create', { name, tools, workspace })).id)

    // One named tool: only it (not every built-in tool because the profile has some).
    expect(await offered('Reader', [{ source: 'builtin', name: 'read_file' }])).toEqual(['read_file'])
    // Two named tools, in Keel's order of built-in tools.
    expect(await offered('Lister', [{ source: 'builtin', name: 'search_files' }, { source: 'builtin', name: 'list_files' }])).toEqual(['list_files', 'search_files'])
    // The Workspace agent: its file tools, and neither the command nor the web tool.
    const agent = await h.call('profiles.duplicate', { id: WORKSPACE_AGENT_PROFILE_ID, name: 'My agent' })
    await h.call('profiles.update', { id: agent.id, patch: { workspace } })
    expect(await offeredBy(agent.id)).toEqual(['list_files', 'read_file', 'search_files', 'read_tool_result', 'write_file', 'edit_file'])
    // '*': every built-in tool, the command and web ones included.
    expect(await offered('Everything', [{ source: 'builtin', name: '*' }])).toEqual(BUILTIN_TOOLS.map((t) => t.name))
    expect(BUILTIN_TOOLS.map((t) => t.name)).toEqual(expect.arrayContaining(['run_command', 'fetch_url']))
    await h.close()
  })

  it("a session on a profile with a fallback list shows that list in its header and, when its binding fails, is answered by the profile's fallback", async () => {
    const { h } = await open('keel-profile-fallback')
    await h.call('providers.create', { id: 'backup', name: 'Backup', kind: 'openai-compatible', baseUrl: `${fake.url}/backup/v1`, auth: 'none', defaultModel: 'm-2' })
    const p = await h.call('profiles.create', { name: 'Careful', fallback: { bindings: [{ entryId: 'backup', model: 'm-2' }] } })
    const s = await h.call('sessions.create', { profileId: p.id })
    expect(await h.call('sessions.fallbacks', { id: s.id })).toMatchObject({ source: 'profile', chain: { bindings: [{ entryId: 'backup', model: 'm-2' }] } })

    fake.script({ pathPrefix: '/work', status: 503, times: 1 })
    expect(await send(h, s.id, 'are you there?')).toMatchObject({ status: 'done' })
    expect(requestsTo(fake, '/work').map((r) => r.model)).toEqual(['m-1'])
    expect(requestsTo(fake, '/backup').map((r) => r.model)).toEqual(['m-2'])
    const view = await h.call('sessions.open', { id: s.id })
    expect(view.messages.at(-1)!.producedWith).toMatchObject({ entryId: 'backup', model: 'm-2' })
    await h.close()
  })

  it('a session from before profiles (migrated from schema 6) adopts the Chat profile at its first turn without a change notice', async () => {
    const old = openAtSchema(6)
    old.db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s-old', 'Old chat', 1, 1)").run()
    old.db.close()
    writeConfig(old.dataDir)
    const h = await CoreHarness.open(old.dataDir, service)
    const chat = (await h.call('profiles.list', {})).profiles.find((p) => p.id === 'chat')!

    const seen = h.events('notice').length
    expect(await send(h, 's-old', 'still here?')).toMatchObject({ status: 'done' })
    expect(requestsTo(fake, '/work')).toHaveLength(1)
    // Nothing changed for this session: it ran plain chat before and runs the Chat profile now, so no notice.
    expect(h.events('notice').slice(seen).filter((n) => n.sessionId === 's-old')).toEqual([])
    // The revision is recorded now: the session runs the current Chat profile, unchanged.
    const [summary] = await h.call('sessions.summaries', { ids: ['s-old'] })
    expect(summary!.profile).toEqual({ id: 'chat', name: 'Chat', revision: chat.revision, missing: false, changed: false })
    await h.close()
  })
})
