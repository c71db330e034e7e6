// config.json: validated by field, never overwritten while invalid, watched for edits made outside Keel.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'

const service = testKeychainService()

const entry = (id: string, baseUrl = 'http://127.0.0.1:9/v1') => ({ id, name: id.toUpperCase(), kind: 'openai-compatible', api: 'openai-chat', baseUrl, auth: 'none' })

describe('config.json', () => {
  it('an invalid file at startup is reported by field, the file is left as the user wrote it, and in-app edits are refused', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'config.json')
    const text = JSON.stringify({ version: 1, providers: [{ ...entry('a'), baseUrl: 'ftp://nope' }] }, null, 2)
    fs.writeFileSync(file, text)
    const h = await CoreHarness.open(dataDir, service)
    const state = await h.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].baseUrl' })
    expect(state.config.error?.message).toContain('providers[0].baseUrl')
    const refused = await h.fail('providers.create', { name: 'New', kind: 'ollama' })
    expect(refused.kind).toBe('config-invalid')
    expect(fs.readFileSync(file, 'utf8')).toBe(text)
    await h.close()
  })

  it('bad JSON names the position and keeps the last good config in force', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'config.json')
    fs.writeFileSync(file, JSON.stringify({ version: 1, providers: [entry('good')] }))
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    expect((await h.call('providers.list', {})).map((p) => p.id)).toEqual(['good'])
    fs.writeFileSync(file, '{ "version": 1, "providers": [ ')
    const event = await h.waitFor('app', (e) => e.reason === 'config-error')
    expect(event).toBeTruthy()
    const state = await h.call('app.state', {})
    expect(state.config.error?.message).toMatch(/not valid JSON/)
    expect((await h.call('providers.list', {})).map((p) => p.id)).toEqual(['good'])
    expect(fs.readFileSync(file, 'utf8')).toBe('{ "version": 1, "providers": [ ')
    await h.close()
  })

  it('a valid external edit becomes the config in force with a new revision', async () => {
    const dataDir = tempDataDir()
    const file = path.join(dataDir, 'config.json')
    fs.writeFileSync(file, JSON.stringify({ version: 1, providers: [entry('one')] }))
    const h = await CoreHarness.open(dataDir, service, { watchConfig: true })
    const before = (await h.call('app.state', {})).config.revision
    const mark = h.mark()
    fs.writeFileSync(file, JSON.stringify({ version: 1, providers: [entry('one'), entry('two')] }))
    await h.waitFor('providers', (e) => e.reason === 'config-changed', 10_000, mark)
    expect((await h.call('providers.list', {})).map((p) => p.id)).toEqual(['one', 'two'])
    expect((await h.call('app.state', {})).config.revision).toBeGreaterThan(before)
    await h.close()
  })

  it('duplicate ids and resolved classes are rejected', async () => {
    const dataDir = tempDataDir()
    fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ version: 1, providers: [entry('dup'), entry('dup')] }))
    const h = await CoreHarness.open(dataDir, service)
    expect((await h.call('app.state', {})).config.error?.message).toMatch(/duplicate provider id "dup"/)
    await h.close()
  })

  it('in-app edits are written atomically as JSON the user can read, with no secrets', async () => {
    const h = await CoreHarness.open(tempDataDir(), service)
    await h.call('providers.create', { name: 'Local LM', kind: 'lmstudio', defaultModel: 'qwen/qwen3.6-27b' })
    const written = JSON.parse(fs.readFileSync(path.join(h.dataDir, 'config.json'), 'utf8'))
    expect(written.providers).toEqual([{ id: 'local-lm', name: 'Local LM', kind: 'lmstudio', api: 'openai-chat', baseUrl: 'http://127.0.0.1:1234/v1', defaultModel: 'qwen/qwen3.6-27b' }])
    expect(written.default).toEqual({ entryId: 'local-lm', model: 'qwen/qwen3.6-27b' })
    await h.close()
  })
})

describe('config.json writes are JSON-schema validated by the store', () => {
  it('conf refuses to write a config that breaks the schema, and the file keeps its last good content', async () => {
    const { createConfBackend } = await import('../../src/main/core/config/conf-backend')
    const dataDir = tempDataDir()
    const backend = createConfBackend(dataDir)
    backend.write({ version: 1, providers: [entry('ok')], default: null, retiredProviderIds: [] })
    const good = fs.readFileSync(backend.path, 'utf8')
    expect(() => backend.write({ version: 1, providers: [{ ...entry('ok'), id: 'Not A Slug' }], default: null, retiredProviderIds: [] })).toThrow(/schema violation.*providers\/0\/id/)
    expect(fs.readFileSync(backend.path, 'utf8')).toBe(good)
  })
})
