// MCP server entries through the contract (Settings → MCP servers): config.json holds the entry and the NAMES of
// its secrets, the real keychain holds the values (`mcp:<id>:<NAME>`); edits patch the file as it is on disk, hand
// edits are picked up (invalid ones named by field, the last good config kept), deleting removes the keychain items
// and retires the id, trust is tied to the launch the user saw. Real core, real keychain, real SQLite.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { filesContaining } from '../support/data-scan'
import { everythingEntry } from '../support/mcp-servers'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { mcpSecretAccount } from '../../src/shared/mcp'

type ConfigFile = { mcpServers?: Array<Record<string, unknown>>; retiredMcpServerIds?: string[]; [k: string]: unknown }
const configFile = (h: CoreHarness) => path.join(h.dataDir, 'config.json')
const readConfig = (h: CoreHarness) => JSON.parse(fs.readFileSync(configFile(h), 'utf8')) as ConfigFile

async function open(config?: unknown, watchConfig = false) {
  const dataDir = tempDataDir('keel-mcp')
  if (config !== undefined) fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config, null, 2))
  const service = testKeychainService()
  const h = await CoreHarness.open(dataDir, service, { watchConfig })
  return { h, keychain: new Keychain(service) }
}

const stdio = (command: string, args: string[] = [], env: Record<string, string> = {}) => ({ type: 'stdio' as const, command, args, env })

describe('MCP server entries with secrets', () => {
  it('create stores secret values in the keychain only; config.json, the view, events and every file list names', async () => {
    const { h, keychain } = await open()
    const token = testKey('mcp-token')
    const other = testKey('mcp-other')
    const view = await h.call('mcp.create', {
      name: 'GitHub Tools',
      transport: stdio('github-mcp', ['--stdio'], { LOG_LEVEL: 'debug' }),
      secretValues: { GITHUB_TOKEN: token, OTHER_SECRET: other },
    })
    expect(view.entry).toMatchObject({ id: 'github-tools', name: 'GitHub Tools', enabled: true, secrets: ['GITHUB_TOKEN', 'OTHER_SECRET'] })
    expect(view.secrets).toEqual([
      { name: 'GITHUB_TOKEN', stored: true },
      { name: 'OTHER_SECRET', stored: true },
    ])
    // New: not trusted yet, and the prompt shows exactly what runs (names of secrets, never values).
    expect(view.trusted).toBe(false)
    expect(view.status.state).toBe('untrusted')
    expect(view.launch).toBe('github-mcp --stdio; env: LOG_LEVEL=debug; secrets from the keychain: GITHUB_TOKEN, OTHER_SECRET')

    expect(await keychain.readSecret(mcpSecretAccount('github-tools', 'GITHUB_TOKEN'))).toBe(token)
    expect(await keychain.readSecret(mcpSecretAccount('github-tools', 'OTHER_SECRET'))).toBe(other)
    expect(readConfig(h).mcpServers).toEqual([expect.objectContaining({ id: 'github-tools', secrets: ['GITHUB_TOKEN', 'OTHER_SECRET'], transport: expect.objectContaining({ env: { LOG_LEVEL: 'debug' } }) })])

    const listed = await h.call('mcp.list', {})
    expect(listed.map((v) => v.entry.id)).toEqual(['github-tools'])
    expect(h.events('mcp').some((e) => e.reason === 'created' && e.serverId === 'github-tools')).toBe(true)
    for (const secret of [token, other]) {
      expect(JSON.stringify(listed)).not.toContain(secret)
      expect(JSON.stringify(h.events('mcp'))).not.toContain(secret)
    }
    await h.close()
    for (const secret of [token, other]) expect(filesContaining(h.dataDir, secret)).toEqual([])
  })

  it('update stores, replaces and removes secrets (null deletes the keychain item) and keeps the names list in step', async () => {
    const { h, keychain } = await open()
    const first = testKey('first')
    await h.call('mcp.create', { name: 'Search', transport: { type: 'http', url: 'https://mcp.example.test/mcp' }, secretValues: { Authorization: first } })
    const second = testKey('second')
    const rotated = testKey('rotated')
    const view = await h.call('mcp.update', { id: 'search', patch: { name: 'Web search', secretValues: { 'X-Api-Key': second, Authorization: rotated } } })
    expect(view.entry).toMatchObject({ id: 'search', name: 'Web search', secrets: ['Authorization', 'X-Api-Key'] })
    expect(await keychain.readSecret(mcpSecretAccount('search', 'Authorization'))).toBe(rotated)
    expect(await keychain.readSecret(mcpSecretAccount('search', 'X-Api-Key'))).toBe(second)

    const removed = await h.call('mcp.update', { id: 'search', patch: { secretValues: { Authorization: null } } })
    expect(removed.entry.secrets).toEqual(['X-Api-Key'])
    expect(removed.secrets).toEqual([{ name: 'X-Api-Key', stored: true }])
    expect(await keychain.readSecret(mcpSecretAccount('search', 'Authorization'))).toBeNull()
    expect(readConfig(h).mcpServers?.[0]).toMatchObject({ name: 'Web search', secrets: ['X-Api-Key'] })

    // A secret the entry names but the keychain lacks: unresolved, naming it.
    fs.writeFileSync(configFile(h), JSON.stringify({ ...readConfig(h), mcpServers: [{ ...readConfig(h).mcpServers![0], secrets: ['X-Api-Key', 'X-Missing'] }] }, null, 2))
    const unresolved = await h.call('mcp.update', { id: 'search', patch: { timeoutMs: 5000 } })
    expect(unresolved.status).toMatchObject({ state: 'unresolved', missingSecrets: ['X-Missing'] })
    expect(unresolved.status.state === 'unresolved' && unresolved.status.message).toContain('X-Missing')
    await h.close()
    for (const secret of [first, second, rotated]) expect(filesContaining(h.dataDir, secret)).toEqual([])
  })

  it('update patches the file as it is on disk: an outside edit made just before is kept', async () => {
    const { h } = await open()
    await h.call('mcp.create', { name: 'Files', transport: stdio('mcp-files') })
    const cfg = readConfig(h)
    cfg.mcpServers![0]!.transport = { type: 'stdio', command: 'mcp-files', args: ['--root', '/srv'], cwd: null, env: {} }
    fs.writeFileSync(configFile(h), JSON.stringify(cfg))
    const view = await h.call('mcp.update', { id: 'files', patch: { name: 'Shared files', startWithKeel: true } })
    expect(view.entry).toMatchObject({ name: 'Shared files', startWithKeel: true, transport: { args: ['--root', '/srv'] } })
    expect(readConfig(h).mcpServers![0]).toMatchObject({ name: 'Shared files', transport: { args: ['--root', '/srv'] } })
    await h.close()
  })

  it('delete removes every keychain item of the server, retires its id (a new server of that name gets another) and forgets trust', async () => {
    const { h, keychain } = await open()
    const a = testKey('a')
    const b = testKey('b')
    const created = await h.call('mcp.create', { name: 'Notes', transport: stdio('notes-mcp'), secretValues: { NOTES_KEY: a, NOTES_PASS: b } })
    await h.call('mcp.trust', { id: 'notes', launchHash: created.launchHash })
    expect(await h.call('mcp.delete', { id: 'notes' })).toEqual({ ok: true })
    expect(await keychain.readSecret(mcpSecretAccount('notes', 'NOTES_KEY'))).toBeNull()
    expect(await keychain.readSecret(mcpSecretAccount('notes', 'NOTES_PASS'))).toBeNull()
    expect(await h.call('mcp.list', {})).toEqual([])
    expect(readConfig(h)).toMatchObject({ mcpServers: [], retiredMcpServerIds: ['notes'] })

    const again = await h.call('mcp.create', { name: 'Notes', transport: stdio('notes-mcp') })
    expect(again.entry.id).toBe('notes-2')
    expect(again.trusted).toBe(false)
    expect(await h.fail('mcp.delete', { id: 'notes' })).toMatchObject({ kind: 'not-found', field: 'id' })
    await h.close()
  })

  it('two creates of one name at once get distinct ids, each with its own secret value', async () => {
    const { h, keychain } = await open()
    const one = testKey('one')
    const two = testKey('two')
    const [a, b] = await Promise.all([
      h.call('mcp.create', { name: 'Twin', transport: stdio('twin'), secretValues: { TOKEN: one } }),
      h.call('mcp.create', { name: 'Twin', transport: stdio('twin'), secretValues: { TOKEN: two } }),
    ])
    expect([a.entry.id, b.entry.id]).toEqual(['twin', 'twin-2'])
    expect(await keychain.readSecret(mcpSecretAccount('twin', 'TOKEN'))).toBe(one)
    expect(await keychain.readSecret(mcpSecretAccount('twin-2', 'TOKEN'))).toBe(two)
    await h.close()
  })

  it('setEnabled writes config.json and shows disabled', async () => {
    const { h } = await open()
    await h.call('mcp.create', { name: 'Toggle', transport: stdio('toggle-mcp') })
    expect((await h.call('mcp.setEnabled', { id: 'toggle', enabled: false })).status).toEqual({ state: 'disabled' })
    expect(readConfig(h).mcpServers![0]).toMatchObject({ enabled: false })
    expect((await h.call('mcp.setEnabled', { id: 'toggle', enabled: true })).status.state).toBe('untrusted')
    await h.close()
  })

  it('an entry refused by its schema leaves nothing behind: no entry, no keychain item', async () => {
    const { h, keychain } = await open()
    const error = await h.fail('mcp.create', { name: 'Clash', transport: stdio('x', [], { TOKEN: 'plain' }), secretValues: { TOKEN: testKey('clash') } })
    expect(error).toMatchObject({ kind: 'invalid-input', field: 'transport.env' })
    expect(error.message).not.toMatch(/sk-keeltest/)
    expect(await keychain.readSecret(mcpSecretAccount('clash', 'TOKEN'))).toBeNull()
    expect(await h.call('mcp.list', {})).toEqual([])
    expect(fs.existsSync(configFile(h)) ? (readConfig(h).mcpServers ?? []) : []).toEqual([])
    await h.close()
  })
})

describe('trust is tied to the launch the user saw', () => {
  it('mcp.trust with the current launchHash trusts; after the command changed the old hash is refused', async () => {
    const { h } = await open()
    const shown = await h.call('mcp.create', { name: 'Runner', transport: stdio('runner', ['--safe']) })
    const trusted = await h.call('mcp.trust', { id: 'runner', launchHash: shown.launchHash })
    expect(trusted.trusted).toBe(true)
    expect(trusted.status.state).toBe('stopped')

    const changed = await h.call('mcp.update', { id: 'runner', patch: { transport: stdio('runner', ['--unsafe']) } })
    expect(changed.trusted).toBe(false)
    expect(changed.status.state).toBe('untrusted')
    expect(changed.launchHash).not.toBe(shown.launchHash)
    const refused = await h.fail('mcp.trust', { id: 'runner', launchHash: shown.launchHash })
    expect(refused).toMatchObject({ kind: 'conflict', field: 'launchHash' })
    expect(`${refused.message} ${refused.fix}`).toMatch(/review the new command/i)
    expect((await h.call('mcp.list', {}))[0]!.trusted).toBe(false)
    // A rename does not change what runs: trust stays.
    await h.call('mcp.trust', { id: 'runner', launchHash: changed.launchHash })
    expect((await h.call('mcp.update', { id: 'runner', patch: { name: 'Renamed runner' } })).trusted).toBe(true)
    await h.close()
  })

  it('a trusted everything server restarts to ready with its tools, and Test reports each phase', async () => {
    const { h } = await open({ version: 1, mcpServers: [everythingEntry('everything')] })
    const [view] = await h.call('mcp.list', {})
    await h.call('mcp.trust', { id: 'everything', launchHash: view!.launchHash })
    const ready = await h.call('mcp.restart', { id: 'everything' })
    expect(ready.status).toMatchObject({ state: 'ready' })
    expect(ready.tools.map((t) => t.name)).toContain('echo')
    const report = await h.call('mcp.test', { id: 'everything' })
    expect(report).toMatchObject({ serverId: 'everything', ok: true, missingSecrets: [] })
    expect(report.tools).toContain('echo')
    await h.close()
  })
})

describe('config.json hand edits', () => {
  it('an mcpServers entry added by hand shows up in mcp.list', async () => {
    const { h } = await open({ version: 1 }, true)
    const since = h.mark()
    fs.writeFileSync(path.join(h.dataDir, 'config.json'), JSON.stringify({ version: 1, mcpServers: [{ id: 'hand', name: 'By hand', transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' }, secrets: ['Authorization'] }] }))
    await h.waitFor('mcp', (e) => e.reason === 'config-changed', 10_000, since)
    const [view] = await h.call('mcp.list', {})
    expect(view).toMatchObject({ entry: { id: 'hand', name: 'By hand', enabled: true, timeoutMs: 60_000 }, secrets: [{ name: 'Authorization', stored: false }] })
    expect(view!.status).toMatchObject({ state: 'unresolved', missingSecrets: ['Authorization'] })
    await h.close()
  })

  it('invalid entries are named by field and the last good config stays in force', async () => {
    const good = { version: 1, mcpServers: [{ id: 'good', name: 'Good', transport: { type: 'stdio', command: 'good-mcp' } }], retiredMcpServerIds: ['gone'] }
    const { h } = await open(good, true)
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...good, mcpServers: [...good.mcpServers, { id: 'good', name: 'Twin', transport: { type: 'stdio', command: 'x' } }] }, 'mcpServers[1].id', /duplicate MCP server id "good"/],
      [{ ...good, mcpServers: [{ id: 'gone', name: 'Back', transport: { type: 'stdio', command: 'x' } }] }, 'mcpServers[0].id', /deleted MCP server/],
      [{ ...good, mcpServers: [{ id: 'x', name: 'X', transport: { type: 'stdio', command: '' } }] }, 'mcpServers[0].transport.command', /./],
      [{ ...good, mcpServers: [{ id: 'x', name: 'X', transport: { type: 'http', url: 'ftp://nope' } }] }, 'mcpServers[0].transport.url', /./],
      [{ ...good, mcpServers: [{ id: 'Bad Id', name: 'X', transport: { type: 'stdio', command: 'x' } }] }, 'mcpServers[0].id', /lowercase/],
      [{ ...good, mcpServers: [{ id: 'x', name: 'X', transport: { type: 'stdio', command: 'x', env: { TOKEN: 'v' } }, secrets: ['TOKEN'] }] }, 'mcpServers[0].secrets[0]', /plain value/],
      [{ ...good, mcpServers: [{ id: 'x', name: 'X', transport: { type: 'stdio', command: 'x' }, password: 'p' }] }, 'mcpServers[0]', /password/],
      [{ ...good, retiredMcpServerIds: [] }, 'retiredMcpServerIds', /stays retired/],
    ]
    for (const [config, field, message] of cases) {
      const since = h.mark()
      fs.writeFileSync(configFile(h), JSON.stringify(config))
      await h.waitFor('app', (e) => e.reason === 'config-error', 10_000, since)
      const state = await h.call('app.state', {})
      expect(state.config.error, field).toMatchObject({ kind: 'config-invalid', field })
      expect(state.config.error?.message, field).toMatch(message)
      expect((await h.call('mcp.list', {})).map((v) => v.entry.id), field).toEqual(['good'])
      // Back to the good file before the next case, so each error is an event of its own.
      const back = h.mark()
      fs.writeFileSync(configFile(h), JSON.stringify(good))
      await h.waitFor('app', (e) => e.reason === 'config-error' || e.reason === 'config-changed', 10_000, back)
      expect((await h.call('app.state', {})).config.error, field).toBeNull()
    }
    // While the file is invalid an in-app edit is refused rather than overwriting it.
    fs.writeFileSync(configFile(h), '{"version": 1, "mcpServers": [ {')
    expect(await h.fail('mcp.create', { name: 'New', transport: stdio('x') })).toMatchObject({ kind: 'config-invalid' })
    await h.close()
  })
})

describe('contract validation of the MCP channels', () => {
  it('an invalid payload for each channel is refused with a clear error naming the field, and nothing changes', async () => {
    const { h } = await open()
    const cases: Array<[string, unknown, string]> = [
      ['mcp.list', 'not an object', '(input)'],
      ['mcp.create', { transport: stdio('x') }, 'name'],
      ['mcp.create', { name: 'X', transport: { type: 'ftp', command: 'x' } }, 'transport.type'],
      ['mcp.create', { name: 'X', transport: stdio('x'), secretValues: { 'bad name!': 'v' } }, 'secretValues.bad name!'],
      ['mcp.create', { name: 'X', transport: stdio('x'), secretValues: { TOKEN: '' } }, 'secretValues.TOKEN'],
      ['mcp.create', { name: 'X', transport: stdio('x'), extra: true }, '(input)'],
      ['mcp.update', { id: 'x', patch: { secretValues: { TOKEN: 42 } } }, 'patch.secretValues.TOKEN'],
      ['mcp.update', { patch: {} }, 'id'],
      ['mcp.delete', { id: '__proto__' }, 'id'],
      ['mcp.setEnabled', { id: 'x', enabled: 'yes' }, 'enabled'],
      ['mcp.restart', { id: 'Not An Id' }, 'id'],
      ['mcp.trust', { id: 'x' }, 'launchHash'],
      ['mcp.test', {}, 'id'],
      ['mcp.import', { source: 'cursor', text: '{}' }, 'source'],
      ['mcp.import', { source: 'vscode', text: '' }, 'text'],
    ]
    for (const [channel, input, field] of cases) {
      const result = await h.core.dispatch(channel, input)
      expect(result.ok, `${channel} ${JSON.stringify(input)}`).toBe(false)
      if (result.ok) continue
      expect(result.error, `${channel} ${JSON.stringify(input)}`).toMatchObject({ kind: 'invalid-input', field })
      expect(result.error.message).toContain(`Invalid input for ${channel}`)
    }
    // Well-formed ids of servers that do not exist: not-found, naming the id.
    for (const channel of ['mcp.delete', 'mcp.restart', 'mcp.test', 'mcp.setEnabled', 'mcp.trust', 'mcp.update'] as const) {
      const input = { id: 'nobody', enabled: true, launchHash: 'h', patch: {} }
      const result = await h.core.dispatch(channel, input)
      expect(result, channel).toMatchObject({ ok: false, error: { kind: 'not-found', field: 'id' } })
    }
    expect(await h.call('mcp.list', {})).toEqual([])
    await h.close()
  })
})
