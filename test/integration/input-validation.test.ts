// Bad input is refused at the contract with a clear error and nothing saved: prototype-named ids, header names and
// values HTTP cannot carry, control characters in one-line fields, credentials in base URLs, keys HTTP cannot carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { Keychain } from '../../src/main/core/secrets/keychain'

const fake = fakeProviderForFile()
const service = testKeychainService()
let h: CoreHarness
let sessionId: string

beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
  await h.call('providers.create', { id: 'real', name: 'Real', kind: 'openai-compatible', baseUrl: `${fake.url}/real/v1`, defaultModel: 'r-1', auth: 'none' })
  sessionId = (await h.call('sessions.create', {})).id
})
afterAll(async () => {
  await h.close()
})

const configText = () => fs.readFileSync(path.join(h.dataDir, 'config.json'), 'utf8')
const entryIds = async () => (await h.call('providers.list', {})).map((p) => p.id)

describe('ids that name Object.prototype members', () => {
  const PROTO_IDS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__']

  it('sessions.bind to such an entry id is a clear not-found or invalid-input error, never an internal one', async () => {
    for (const entryId of PROTO_IDS) {
      const error = await h.fail('sessions.bind', { id: sessionId, entryId, model: 'm' })
      expect(['not-found', 'invalid-input'], `${entryId}: ${error.kind} ${error.message}`).toContain(error.kind)
    }
    // `constructor` is a well-formed id, so it must get as far as the lookup and be reported as missing.
    const error = await h.fail('sessions.bind', { id: sessionId, entryId: 'constructor', model: 'm' })
    expect(error).toMatchObject({ kind: 'not-found' })
    expect(error.message).toMatch(/no provider entry "constructor"/)
  })

  it('every channel taking an entry id or a session id answers such ids with not-found or invalid-input', async () => {
    const calls: Array<[string, (id: string) => unknown]> = [
      ['providers.update', (id) => ({ id, patch: { name: 'x' } })],
      ['providers.delete', (id) => ({ id })],
      ['providers.setKey', (id) => ({ id, key: 'sk-x' })],
      ['providers.deleteKey', (id) => ({ id })],
      ['providers.setDefault', (id) => ({ entryId: id, model: 'm' })],
      ['providers.models', (id) => ({ entryId: id })],
      ['sessions.bind', (id) => ({ id, entryId: 'real', model: 'r-1' })],
      ['sessions.open', (id) => ({ id })],
      ['sessions.rename', (id) => ({ id, title: 't' })],
      ['sessions.pin', (id) => ({ id, pinned: true })],
      ['sessions.archive', (id) => ({ id, archived: true })],
      ['sessions.followDefault', (id) => ({ id })],
      ['sessions.saveDraft', (id) => ({ id, text: 'd' })],
      ['sessions.reresolve', (id) => ({ id })],
      ['sessions.keepRuntime', (id) => ({ id })],
      ['sessions.refreshModels', (id) => ({ id })],
      ['sessions.continue', (id) => ({ id })],
      ['sessions.quickResume', (id) => ({ id })],
      ['sessions.delete', (id) => ({ id })],
      ['diagnostics.session', (id) => ({ id })],
      ['diagnostics.report', (id) => ({ id })],
      ['chat.send', (id) => ({ sessionId: id, text: 'hi' })],
    ]
    for (const [channel, input] of calls) {
      for (const id of PROTO_IDS) {
        const result = await h.core.dispatch(channel, input(id))
        const kind = result.ok ? 'ok' : result.error.kind
        expect(['not-found', 'invalid-input'], `${channel}(${id}) gave ${kind}`).toContain(kind)
      }
    }
  })

  it('an entry may still be called "constructor", and binding to it works', async () => {
    await h.call('providers.create', { id: 'constructor', name: 'Constructor', kind: 'openai-compatible', baseUrl: `${fake.url}/c/v1`, auth: 'none' })
    const bound = await h.call('sessions.bind', { id: sessionId, entryId: 'constructor', model: 'c-1' })
    expect(bound.identity.binding).toMatchObject({ entryId: 'constructor', model: 'c-1' })
    await h.call('providers.delete', { id: 'constructor' })
  })
})

describe('headers are validated as HTTP header names and values', () => {
  const BAD: Array<[string, Record<string, string>]> = [
    ['CR/LF in a value', { 'X-Team': 'a\r\nX-Injected: 1' }],
    ['LF in a value', { 'X-Team': 'a\nb' }],
    ['NUL in a value', { 'X-Team': 'a\u0000b' }],
    ['non-ASCII in a value', { 'X-Team': 'ключ' }],
    ['an emoji in a value', { 'X-Team': 'ok 😀' }],
    ['a space in a name', { 'X Team': 'v' }],
    ['CR/LF in a name', { 'X-Team\r\nX-Injected': 'v' }],
    ['non-ASCII in a name', { 'X-Tëam': 'v' }],
    ['a colon in a name', { 'X-Team:': 'v' }],
  ]
  for (const [label, headers] of BAD) {
    it(`${label} is refused by create and update, and nothing is saved`, async () => {
      const before = configText()
      const created = await h.fail('providers.create', { name: 'Headers', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', headers })
      expect(created.kind).toBe('invalid-input')
      expect(created.field).toMatch(/^headers/)
      expect(created.message).toMatch(/header (name|value)/)
      const updated = await h.fail('providers.update', { id: 'real', patch: { headers } })
      expect(updated.kind).toBe('invalid-input')
      expect(configText()).toBe(before)
    })
  }

  it('a header named __proto__ (an own key, as JSON from a window carries it) is refused by create and update, not dropped', async () => {
    const before = configText()
    // JSON.parse makes "__proto__" an own key, exactly as the IPC and WebSocket payloads arrive.
    const headers = JSON.parse('{"X-Team":"t","__proto__":"v"}') as Record<string, string>
    expect(Object.keys(headers)).toContain('__proto__')
    const created = await h.fail('providers.create', { id: 'proto-headers', name: 'Proto headers', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', headers })
    expect(created).toMatchObject({ kind: 'invalid-input', field: 'headers.__proto__' })
    expect(created.message).toMatch(/header name "__proto__" cannot be used/)
    const updated = await h.fail('providers.update', { id: 'real', patch: { headers } })
    expect(updated).toMatchObject({ kind: 'invalid-input', field: 'patch.headers.__proto__' })
    expect(configText()).toBe(before)
    expect(await entryIds()).not.toContain('proto-headers')
    expect((await h.call('providers.list', {})).find((p) => p.id === 'real')!.headers).toBeUndefined()
  })

  it('a config.json header named __proto__ is reported by field, and the entry is not taken without it', async () => {
    const dataDir = tempDataDir()
    const text = `{"version":1,"providers":[{"id":"x","name":"X","kind":"openai-compatible","api":"openai-chat","baseUrl":"http://127.0.0.1:9/v1","headers":{"__proto__":"v"}}]}`
    fs.writeFileSync(path.join(dataDir, 'config.json'), text)
    const other = await CoreHarness.open(dataDir, service)
    expect((await other.call('app.state', {})).config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].headers.__proto__' })
    expect(await other.call('providers.list', {})).toEqual([])
    await other.close()
  })

  it('ordinary headers are accepted', async () => {
    const entry = await h.call('providers.update', { id: 'real', patch: { headers: { 'X-Team': 'team-1 (eu)', 'HTTP-Referer': 'https://keel.example/app?a=1&b=2' } } })
    expect(entry.headers).toEqual({ 'X-Team': 'team-1 (eu)', 'HTTP-Referer': 'https://keel.example/app?a=1&b=2' })
    await h.call('providers.update', { id: 'real', patch: { headers: null } })
  })

  it('a config.json header with a line break is reported by field, not sent', async () => {
    const dataDir = tempDataDir()
    const entry = { id: 'x', name: 'X', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1', headers: { 'X-A': 'one\ntwo' } }
    fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ version: 1, providers: [entry] }))
    const other = await CoreHarness.open(dataDir, service)
    expect((await other.call('app.state', {})).config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].headers.X-A' })
    await other.close()
  })
})

describe('control characters in one-line fields', () => {
  const BAD = ['Na\u0000me', 'two\nlines', 'tab\there', 'bell\u0007', 'del\u007f', 'c1\u0085x', 'ls\u2028x']
  it('provider names with control characters are refused by create and update', async () => {
    for (const name of BAD) {
      const created = await h.fail('providers.create', { name, kind: 'ollama' })
      expect(created, JSON.stringify(name)).toMatchObject({ kind: 'invalid-input', field: 'name' })
      expect(created.message).toMatch(/control characters/)
      const updated = await h.fail('providers.update', { id: 'real', patch: { name } })
      expect(updated.kind).toBe('invalid-input')
    }
    expect(await entryIds()).toEqual(['real'])
  })

  it('session titles with control characters are refused and the title is unchanged', async () => {
    const before = (await h.call('sessions.rename', { id: sessionId, title: 'Plain title' })).title
    for (const title of BAD) {
      const error = await h.fail('sessions.rename', { id: sessionId, title })
      expect(error, JSON.stringify(title)).toMatchObject({ kind: 'invalid-input', field: 'title' })
    }
    const summaries = await h.core.dispatch('sessions.summaries', { ids: [sessionId] })
    if (summaries.ok) expect((summaries.value as Array<{ title: string }>)[0]?.title).toBe(before)
    expect(before).toBe('Plain title')
  })

  it('model ids with control characters are refused (default model, static list, binding)', async () => {
    expect((await h.fail('providers.update', { id: 'real', patch: { defaultModel: 'gpt\u0000' } })).kind).toBe('invalid-input')
    expect((await h.fail('providers.update', { id: 'real', patch: { models: ['ok', 'bad\nid'] } })).kind).toBe('invalid-input')
    expect((await h.fail('sessions.bind', { id: sessionId, entryId: 'real', model: 'm\u0000' })).kind).toBe('invalid-input')
  })

  it('trimmed surrounding whitespace is still fine', async () => {
    const entry = await h.call('providers.create', { name: '  Spaced  ', kind: 'ollama' })
    expect(entry.name).toBe('Spaced')
    await h.call('providers.delete', { id: entry.id })
  })
})

describe('base URLs with credentials', () => {
  for (const baseUrl of ['http://user:PW-s3cret@127.0.0.1:9/v1', 'https://apikey-s3cret@example.com/v1', 'http://:PW-s3cret@127.0.0.1:9/v1']) {
    it(`${baseUrl.replace(/\/\/.*@/, '//…@')} is refused with a message that says where the secret goes, without repeating it`, async () => {
      const before = configText()
      const created = await h.fail('providers.create', { name: 'Creds', kind: 'openai-compatible', baseUrl })
      expect(created).toMatchObject({ kind: 'invalid-input', field: 'baseUrl' })
      expect(created.message).toMatch(/user name or password/)
      expect(created.message).toMatch(/API key, which is kept in the keychain/)
      expect(JSON.stringify(created)).not.toMatch(/s3cret/)
      const updated = await h.fail('providers.update', { id: 'real', patch: { baseUrl } })
      expect(updated).toMatchObject({ kind: 'invalid-input', field: 'patch.baseUrl' })
      expect(JSON.stringify(updated)).not.toMatch(/s3cret/)
      expect(configText()).toBe(before)
    })
  }

  it('a base URL with credentials in config.json is a config error naming the field, and the password is shown nowhere', async () => {
    const dataDir = tempDataDir()
    const entry = { id: 'x', name: 'X', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://user:PW-s3cret@127.0.0.1:9/v1' }
    fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ version: 1, providers: [entry] }))
    const other = await CoreHarness.open(dataDir, service)
    const state = await other.call('app.state', {})
    expect(state.config.error).toMatchObject({ kind: 'config-invalid', field: 'providers[0].baseUrl' })
    expect(JSON.stringify(state)).not.toMatch(/s3cret/)
    expect(JSON.stringify(await other.call('providers.list', {}))).not.toMatch(/s3cret/)
    expect((await other.call('diagnostics.report', {})).json).not.toMatch(/s3cret/)
    await other.close()
  })
})

describe('API keys HTTP headers cannot carry', () => {
  for (const [label, key] of [
    ['Cyrillic', 'sk-тест-ключ-12345'],
    ['an emoji', 'sk-abc123-😀-xyz'],
    ['Latin-1', 'sk-clé-secrète'],
    ['a line break inside', 'sk-abc\ndef-12345'],
    ['a NUL', 'sk-abc\u0000def'],
  ] as const) {
    it(`a key with ${label} is refused by create and setKey, without echoing it, and nothing is stored`, async () => {
      const created = await h.fail('providers.create', { name: 'Keyed', kind: 'openai-compatible', baseUrl: `${fake.url}/k/v1`, key })
      expect(created).toMatchObject({ kind: 'invalid-input', field: 'key' })
      expect(created.message).toMatch(/cannot carry/)
      const set = await h.fail('providers.setKey', { id: 'real', key })
      expect(set).toMatchObject({ kind: 'invalid-input', field: 'key' })
      for (const error of [created, set]) {
        const text = JSON.stringify(error)
        expect(text).not.toContain(key)
        // Not a single character of the key beyond the common "sk-" start.
        for (const part of key.slice(3).split(/[-\s\u0000]+/).filter((p) => p.length >= 3)) expect(text).not.toContain(part)
      }
      expect(await entryIds()).toEqual(['real'])
      expect(await new Keychain(service).readKey('real')).toBeNull()
    })
  }

  it('a key HTTP cannot carry that is already in the keychain (stored before, or outside Keel) fails with a clear error that names no character of it', async () => {
    const key = 'sk-abcЖdef-123456'
    const entry = await h.call('providers.create', { name: 'Old key', kind: 'openai-compatible', baseUrl: `${fake.url}/old/v1`, defaultModel: 'o-1' })
    await new Keychain(service).storeKey(entry.id, key)
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 'o-1' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'hello' })
    const ended = await h.turnEnded(turnId)
    if (ended.type !== 'turn-ended') throw new Error('unreachable')
    expect(ended.error?.message).toMatch(/contains a character HTTP cannot carry, so nothing was sent/)
    expect(ended.error?.fix).toMatch(/Enter the key of provider entry "Old key"/)
    // Not the character, its code (1046) or its position: nothing that narrows down the key.
    expect(JSON.stringify(ended)).not.toMatch(/Ж|1046|index \d/)
    const models = await h.call('providers.models', { entryId: entry.id, refresh: true })
    expect(JSON.stringify(models.error)).not.toMatch(/Ж|1046|index \d/)
    expect(fake.requests().filter((r) => r.path.startsWith('/old/'))).toEqual([])
    await h.call('providers.delete', { id: entry.id })
  })

  it('providers.create trims the key as providers.setKey does: the request carries the bare key', async () => {
    const key = testKey('trim')
    const entry = await h.call('providers.create', { name: 'Trimmed', kind: 'openai-compatible', baseUrl: `${fake.url}/trim/v1`, defaultModel: 't-1', key: `  ${key}\n` })
    expect(await new Keychain(service).readKey(entry.id)).toBe(key)
    const session = await h.call('sessions.create', {})
    await h.call('sessions.bind', { id: session.id, entryId: entry.id, model: 't-1' })
    const { turnId } = await h.call('chat.send', { sessionId: session.id, text: 'hello' })
    const ended = await h.turnEnded(turnId)
    expect(ended).toMatchObject({ status: 'done' })
    expect(fake.requests().at(-1)?.bearer).toBe(key)
    await h.call('providers.delete', { id: entry.id })
  })

  it('a key of only whitespace is refused rather than stored empty', async () => {
    expect(await h.fail('providers.create', { name: 'Blank', kind: 'openai-compatible', baseUrl: `${fake.url}/b/v1`, key: '   ' })).toMatchObject({ kind: 'invalid-input', field: 'key' })
    expect(await entryIds()).toEqual(['real'])
  })
})
