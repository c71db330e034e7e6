// Each API goes out on its own wire format, with the right auth header, to exactly the entry's base URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, tempDataDir, testKey, testKeychainService, fakeProviderForFile } from '../support/core-harness'

const fake = fakeProviderForFile()

let h: CoreHarness
const service = testKeychainService()
beforeAll(async () => {
  h = await CoreHarness.open(tempDataDir(), service)
})
afterAll(async () => {
  await h.close()
})

async function chatOnce(entryId: string, model: string, text = 'ping') {
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId, model })
  const { turnId } = await h.call('chat.send', { sessionId: s.id, text })
  const ended = await h.turnEnded(turnId)
  const view = await h.call('sessions.open', { id: s.id })
  return { ended, reply: view.messages.at(-1)!, request: fake.requests().at(-1)! }
}

describe('provider APIs', () => {
  it('anthropic-messages sends x-api-key and anthropic-version to <baseUrl>/v1/messages', async () => {
    const key = testKey('anthropic')
    await h.call('providers.create', { id: 'claude-work', name: 'Claude (work)', kind: 'anthropic', baseUrl: `${fake.url}/anthropic`, key })
    const { ended, reply, request } = await chatOnce('claude-work', 'claude-sonnet-4-5')
    expect(ended).toMatchObject({ status: 'done' })
    expect(reply.content).toBe('Echo [claude-sonnet-4-5]: ping')
    expect(request).toMatchObject({ path: '/anthropic/v1/messages', protocol: 'anthropic-messages', apiKey: key, model: 'claude-sonnet-4-5' })
    expect(request.headers['anthropic-version']).toBeTruthy()
    expect(request.headers.authorization).toBeUndefined()
  })

  it('openai-responses streams from <baseUrl>/responses with a bearer key', async () => {
    const key = testKey('responses')
    await h.call('providers.create', { id: 'oai', name: 'OpenAI', kind: 'openai', baseUrl: `${fake.url}/oai/v1`, key })
    const { reply, request } = await chatOnce('oai', 'gpt-5.5')
    expect(reply.content).toBe('Echo [gpt-5.5]: ping')
    expect(request).toMatchObject({ path: '/oai/v1/responses', protocol: 'openai-responses', bearer: key, model: 'gpt-5.5' })
  })

  it('a local server with no key gets no Authorization header and the full model id (qwen/qwen3.6-27b)', async () => {
    await h.call('providers.create', { id: 'lms', name: 'LM Studio', kind: 'lmstudio', baseUrl: `${fake.url}/lms/v1` })
    const { reply, request } = await chatOnce('lms', 'qwen/qwen3.6-27b')
    expect(reply.content).toBe('Echo [qwen/qwen3.6-27b]: ping')
    expect(request.model).toBe('qwen/qwen3.6-27b')
    expect(request.headers.authorization).toBeUndefined()
    expect(request.path).toBe('/lms/v1/chat/completions')
  })

  it('custom headers of an entry are sent with its requests', async () => {
    await h.call('providers.create', { id: 'hdr', name: 'Headers', kind: 'openai-compatible', baseUrl: `${fake.url}/hdr/v1`, headers: { 'X-Team': 'keel' }, auth: 'none' })
    const { request } = await chatOnce('hdr', 'm')
    expect(request.headers['x-team']).toBe('keel')
  })

  it('environment variables of the SDKs never redirect or re-key a request', async () => {
    const saved = { ...process.env }
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:1/env'
    process.env.OPENAI_API_KEY = 'sk-from-env-should-not-be-used'
    process.env.OPENAI_ORG_ID = 'org-env'
    try {
      await h.call('providers.create', { id: 'envtest', name: 'Env test', kind: 'ollama', baseUrl: `${fake.url}/ollama/v1` })
      const { request } = await chatOnce('envtest', 'llama3.3')
      expect(request.path).toBe('/ollama/v1/chat/completions')
      expect(request.headers.authorization).toBeUndefined()
      expect(request.headers['openai-organization']).toBeUndefined()
    } finally {
      process.env = saved
    }
  })

  it('model lists come from the entry\'s own endpoint, labelled live, then cached', async () => {
    await h.call('providers.create', { id: 'lister', name: 'Lister', kind: 'openai-compatible', baseUrl: `${fake.url}/lister/v1`, auth: 'none' })
    const live = await h.call('providers.models', { entryId: 'lister' })
    expect(live.source).toBe('live')
    expect(live.models.length).toBeGreaterThan(0)
    expect(fake.requests().map((r) => r.path)).toEqual(['/lister/v1/models'])
    const cached = await h.call('providers.models', { entryId: 'lister' })
    expect(cached).toMatchObject({ source: 'cache', fetchedAt: live.fetchedAt })
    expect(fake.requests()).toHaveLength(1)
  })
})
