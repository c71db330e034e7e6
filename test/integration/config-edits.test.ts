// In-app config edits are applied to config.json as it is on disk at that moment: an edit made outside Keel just
// before (inside the watcher's debounce window) is kept, never reverted; an empty file is an empty config.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'

const service = testKeychainService()

const entry = (id: string, baseUrl = 'http://127.0.0.1:9/v1') => ({ id, name: id.toUpperCase(), kind: 'openai-compatible', api: 'openai-chat', baseUrl, auth: 'none' })

type ConfigFile = { version: number; providers: Array<Record<string, unknown>>; default?: unknown; retiredProviderIds?: string[] }

const readConfig = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as ConfigFile
/** An edit made in a text editor: read, change, write back (not through Keel). */
function editOutside(file: string, change: (cfg: ConfigFile) => void) {
  const cfg = readConfig(file)
  change(cfg)
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))
}

async function openWith(config: unknown) {
  const dataDir = tempDataDir()
  const file = path.join(dataDir, 'config.json')
  fs.writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config))
  const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
  return { h, file }
}

describe('in-app config edits never lose an outside edit', () => {
  it('an outside edit followed at once by providers.update of the same entry keeps both changes (10 of 10)', async () => {
    const { h, file } = await openWith({ version: 1, providers: [entry('a'), entry('b')] })
    for (let i = 0; i < 10; i++) {
      editOutside(file, (cfg) => {
        cfg.providers[0]!.baseUrl = `http://127.0.0.1:9/outside-${i}/v1`
        cfg.providers[0]!.headers = { 'X-Edited-Outside': String(i) }
      })
      await h.call('providers.update', { id: 'a', patch: { name: `Renamed in app ${i}` } })
      const a = readConfig(file).providers.find((p) => p.id === 'a')
      expect(a, `try ${i}`).toMatchObject({ name: `Renamed in app ${i}`, baseUrl: `http://127.0.0.1:9/outside-${i}/v1`, headers: { 'X-Edited-Outside': String(i) } })
      const listed = (await h.call('providers.list', {})).find((p) => p.id === 'a')
      expect(listed).toMatchObject({ name: `Renamed in app ${i}`, baseUrl: `http://127.0.0.1:9/outside-${i}/v1` })
    }
    await h.close()
  })

  it('an outside edit of another part of the file is kept by create, setDefault and delete made right after it', async () => {
    const { h, file } = await openWith({ version: 1, providers: [entry('a'), entry('b'), entry('c')] })
    editOutside(file, (cfg) => cfg.providers.push(entry('outside-1')))
    await h.call('providers.create', { name: 'Made in app', kind: 'ollama' })
    expect(readConfig(file).providers.map((p) => p.id)).toEqual(['a', 'b', 'c', 'outside-1', 'made-in-app'])

    editOutside(file, (cfg) => cfg.providers.push(entry('outside-2')))
    await h.call('providers.setDefault', { entryId: 'outside-2', model: 'm-2' })
    expect(readConfig(file)).toMatchObject({ default: { entryId: 'outside-2', model: 'm-2' } })

    editOutside(file, (cfg) => (cfg.providers[1]!.name = 'B edited outside'))
    await h.call('providers.delete', { id: 'c' })
    const after = readConfig(file)
    expect(after.providers.map((p) => p.id)).toEqual(['a', 'b', 'outside-1', 'made-in-app', 'outside-2'])
    expect(after.providers[1]!.name).toBe('B edited outside')
    await h.close()
  })

  it('an entry removed outside just before an in-app edit of it is reported as not found, and not brought back', async () => {
    const { h, file } = await openWith({ version: 1, providers: [entry('a'), entry('b')] })
    editOutside(file, (cfg) => (cfg.providers = cfg.providers.filter((p) => p.id !== 'a')))
    const error = await h.fail('providers.update', { id: 'a', patch: { name: 'Still here?' } })
    expect(error).toMatchObject({ kind: 'not-found', entryId: 'a' })
    expect(error.message).toMatch(/no provider entry "a"/)
    for (const [channel, input] of [
      ['providers.delete', { id: 'a' }],
      ['providers.setDefault', { entryId: 'a', model: 'm' }],
    ] as const) {
      expect((await h.fail(channel, input)).kind, channel).toBe('not-found')
    }
    expect(readConfig(file).providers.map((p) => p.id)).toEqual(['b'])
    await h.close()
  })

  it('a file made invalid just before an in-app edit refuses the edit and is left exactly as written', async () => {
    const { h, file } = await openWith({ version: 1, providers: [entry('a')] })
    const broken = '{ "version": 1, "providers": [ { "id": "a", '
    fs.writeFileSync(file, broken)
    const error = await h.fail('providers.update', { id: 'a', patch: { name: 'X' } })
    expect(error.kind).toBe('config-invalid')
    expect(fs.readFileSync(file, 'utf8')).toBe(broken)
    await h.close()
  })
})

describe('an empty config.json', () => {
  for (const [label, text] of [
    ['a 0-byte file', ''],
    ['a file of whitespace', ' \n\t\n'],
  ] as const) {
    it(`${label} is an empty config: app.state shows no problem and create/update/setDefault/delete all work`, async () => {
      const { h, file } = await openWith(text)
      const state = await h.call('app.state', {})
      expect(state.config.error).toBeNull()
      expect(await h.call('providers.list', {})).toEqual([])

      const created = await h.call('providers.create', { name: 'Local', kind: 'ollama' })
      expect(created.id).toBe('local')
      await h.call('providers.update', { id: 'local', patch: { name: 'Local renamed' } })
      await h.call('providers.setDefault', { entryId: 'local', model: 'llama3' })
      expect(readConfig(file)).toMatchObject({ providers: [{ id: 'local', name: 'Local renamed' }], default: { entryId: 'local', model: 'llama3' } })
      await h.call('providers.delete', { id: 'local' })
      expect(readConfig(file)).toMatchObject({ providers: [], default: null, retiredProviderIds: ['local'] })
      expect((await h.call('app.state', {})).config.error).toBeNull()
      await h.close()
    })
  }

  it('a file emptied while Keel runs is an empty config too, and the next in-app edit works', async () => {
    const { h, file } = await openWith({ version: 1, providers: [entry('a')] })
    const mark = h.mark()
    fs.writeFileSync(file, '')
    await h.waitFor('providers', (e) => e.reason === 'config-changed', 10_000, mark)
    expect((await h.call('app.state', {})).config.error).toBeNull()
    expect(await h.call('providers.list', {})).toEqual([])
    await h.call('providers.create', { name: 'Fresh', kind: 'lmstudio' })
    expect(readConfig(file).providers.map((p) => p.id)).toEqual(['fresh'])
    await h.close()
  })
})

describe('an entry made from a name', () => {
  it('gets the name\'s letters and digits as its id: accents dropped, other runs one dash, at most 48 characters, no dash at the ends', async () => {
    const { h, file } = await openWith('')
    expect((await h.call('providers.create', { name: 'Résumé API', kind: 'ollama' })).id).toBe('resume-api')
    expect((await h.call('providers.create', { name: '  Ünïcödé — Local!! ', kind: 'ollama' })).id).toBe('unicode-local')
    expect((await h.call('providers.create', { name: `${'a'.repeat(47)} b`, kind: 'ollama' })).id).toBe('a'.repeat(47))
    expect((await h.call('providers.create', { name: '日本語', kind: 'ollama' })).id).toBe('provider')
    expect(readConfig(file).providers.map((p) => p.id)).toEqual(['resume-api', 'unicode-local', 'a'.repeat(47), 'provider'])
    await h.close()
  })
})
