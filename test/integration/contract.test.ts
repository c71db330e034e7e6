// Every input is validated against the contract; anything else gets a typed error and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'

const service = testKeychainService()
let h: CoreHarness
beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
})
afterAll(async () => {
  await h.close()
})

describe('contract validation', () => {
  it('rejects unknown channels', async () => {
    expect(await h.core.dispatch('fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', message: expect.stringContaining('Unknown channel') } })
    expect(await h.core.dispatch(42, {})).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
  })

  it('rejects malformed inputs naming the field', async () => {
    expect(await h.core.dispatch('sessions.rename', { id: 'x' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'title' } })
    expect(await h.core.dispatch('providers.create', { name: 'X', kind: 'skynet' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'kind' } })
    expect(await h.core.dispatch('providers.create', { name: 'X', kind: 'openai-compatible', baseUrl: 'javascript:alert(1)' })).toMatchObject({ ok: false, error: { field: 'baseUrl' } })
    expect(await h.core.dispatch('providers.create', { id: 'Bad Id!', name: 'X', kind: 'ollama' })).toMatchObject({ ok: false, error: { field: 'id' } })
    expect(await h.core.dispatch('chat.send', { sessionId: 's', text: '   ' })).toMatchObject({ ok: false, error: { field: 'text' } })
    expect(await h.core.dispatch('sessions.list', 'not an object')).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
    expect(await h.call('providers.list', {})).toEqual([])
  })

  it('refuses to bind a session to a resolved class such as "custom"', async () => {
    await h.call('providers.create', { name: 'Local', kind: 'ollama', defaultModel: 'llama3' })
    const s = await h.call('sessions.create', {})
    expect(await h.core.dispatch('sessions.bind', { id: s.id, entryId: 'custom', model: 'x' })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
    expect((await h.call('sessions.open', { id: s.id })).session.identity.binding).toMatchObject({ entryId: 'local' })
  })
})
