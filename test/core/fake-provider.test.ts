// The fake provider must be indistinguishable from the real APIs for the official SDKs, so every
// test here drives it through `openai` / `@anthropic-ai/sdk` (or raw fetch for non-SDK paths).

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeProvider, type FakeProvider, type RecordedRequest } from '../fake-provider/server.js'

let fake: FakeProvider

beforeEach(async () => {
  fake = await startFakeProvider()
})

afterEach(async () => {
  await fake.close()
})

// logLevel 'off': the SDKs log malformed events to stderr; the tests assert on the thrown errors.
function openai(apiKey = 'sk-test', prefix = '/v1'): OpenAI {
  return new OpenAI({ apiKey, baseURL: fake.url + prefix, organization: null, project: null, maxRetries: 0, logLevel: 'off' })
}

function anthropic(apiKey = 'sk-ant-test', prefix = ''): Anthropic {
  return new Anthropic({ apiKey, baseURL: fake.url + prefix, authToken: null, maxRetries: 0, logLevel: 'off' })
}

/** An Anthropic client authenticating with the classic `x-api-key` header. */
function anthropicWithHeaderKey(apiKey: string, prefix = ''): Anthropic {
  return new Anthropic({
    apiKey: null,
    authToken: null,
    defaultHeaders: { 'x-api-key': apiKey },
    baseURL: fake.url + prefix,
    maxRetries: 0,
    logLevel: 'off',
  })
}

const userHello = [{ role: 'user' as const, content: 'hello' }]

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('OpenAI Chat Completions', () => {
  it('streams the echo reply in several chunks, ending with finish_reason stop', async () => {
    const stream = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: userHello, stream: true })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)

    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe('Echo [gpt-4o-mini]: hello')
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(1)
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true)
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop')
  })

  it('echoes the last user message, including array content parts', async () => {
    const stream = await openai().chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'second one' }] },
      ],
    })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage ??= chunk.usage ?? undefined
    }
    expect(text).toBe('Echo [gpt-4o]: second one')
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) })
  })

  it('answers non-stream requests with a chat.completion object', async () => {
    const completion = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: userHello })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]?.message.content).toBe('Echo [gpt-4o-mini]: hello')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
  })
})

describe('OpenAI Responses', () => {
  it('streams the lifecycle events with text deltas', async () => {
    const stream = await openai().responses.create({ model: 'gpt-4o', input: 'hello', stream: true })
    const types: string[] = []
    let deltas = ''
    let completedText: string | undefined
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') deltas += event.delta
      if (event.type === 'response.completed') {
        const message = event.response.output[0]
        const part = message?.type === 'message' ? message.content[0] : undefined
        completedText = part?.type === 'output_text' ? part.text : undefined
      }
    }
    expect(deltas).toBe('Echo [gpt-4o]: hello')
    expect(completedText).toBe(deltas)
    expect(types[0]).toBe('response.created')
    expect(types).toContain('response.output_text.done')
    expect(types.at(-1)).toBe('response.completed')
  })

  it("satisfies the SDK's strict stream accumulator, with input_text message items", async () => {
    const final = await openai()
      .responses.stream({
        model: 'gpt-4o',
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] }],
      })
      .finalResponse()
    expect(final.output_text).toBe('Echo [gpt-4o]: hello')
    expect(final.status).toBe('completed')
  })

  it('answers non-stream requests with a response object', async () => {
    const response = await openai().responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: 'hello' }] })
    expect(response.object).toBe('response')
    expect(response.output_text).toBe('Echo [gpt-4o]: hello')
  })
})

describe('Anthropic Messages', () => {
  it('streams message events with text deltas', async () => {
    const stream = await anthropic().messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: userHello,
      stream: true,
    })
    const types: string[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text
    }
    expect(text).toBe('Echo [claude-sonnet-4-6]: hello')
    expect(types[0]).toBe('message_start')
    expect(types.filter((type) => type === 'content_block_delta').length).toBeGreaterThan(1)
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
  })

  it('works with the MessageStream helper and text-block content', async () => {
    const stream = anthropic().messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    })
    expect(await stream.finalText()).toBe('Echo [claude-haiku-4-5]: hello')
    expect((await stream.finalMessage()).stop_reason).toBe('end_turn')
  })

  it('answers non-stream requests with a message object', async () => {
    const message = await anthropic().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: userHello })
    expect(message.type).toBe('message')
    expect(message.content).toEqual([{ type: 'text', text: 'Echo [claude-sonnet-4-6]: hello' }])
  })
})

describe('models', () => {
  it('lists models in the OpenAI shape', async () => {
    const ids: string[] = []
    for await (const model of openai().models.list()) {
      expect(model.object).toBe('model')
      ids.push(model.id)
    }
    expect(ids).toContain('gpt-4o-mini')
  })

  it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
    const ids: string[] = []
    for await (const model of anthropic().models.list()) {
      expect(model.type).toBe('model')
      ids.push(model.id)
    }
    expect(ids).toContain('claude-sonnet-4-6')
    expect(fake.requests()[0]).toMatchObject({ protocol: 'models', path: '/v1/models' })
  })

  it('lets a rule give one simulated endpoint its own model list', async () => {
    fake.script({ protocol: 'models', pathPrefix: '/beta', models: ['beta-model'] })
    const beta = await openai('k', '/beta/v1').models.list()
    const alpha = await openai('k', '/alpha/v1').models.list()
    expect(beta.data.map((model) => model.id)).toEqual(['beta-model'])
    expect(alpha.data.map((model) => model.id)).toContain('gpt-4o-mini')
  })
})

describe('recording', () => {
  it('records path prefix, credentials, model and protocol of every request', async () => {
    await openai('sk-alpha', '/alpha/v1').chat.completions.create({ model: 'gpt-4o-mini', messages: userHello })
    await anthropic('sk-ant-beta', '/beta').messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello })
    await anthropicWithHeaderKey('sk-ant-header', '/gamma').messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: userHello,
    })
    await openai('sk-delta', '/api/v1').responses.create({ model: 'gpt-4o', input: 'hi' })

    const [chat, bearerMessages, headerMessages, responses] = fake.requests()
    expect(chat).toMatchObject({
      method: 'POST',
      path: '/alpha/v1/chat/completions',
      protocol: 'openai-chat',
      authorization: 'Bearer sk-alpha',
      bearer: 'sk-alpha',
      model: 'gpt-4o-mini',
      body: { model: 'gpt-4o-mini', messages: userHello },
    })
    expect(chat?.apiKey).toBeUndefined()
    // @anthropic-ai/sdk v1 sends `apiKey` as `Authorization: Bearer`, not as x-api-key.
    expect(bearerMessages).toMatchObject({
      path: '/beta/v1/messages',
      protocol: 'anthropic-messages',
      bearer: 'sk-ant-beta',
      model: 'claude-sonnet-4-6',
    })
    expect(bearerMessages?.headers['anthropic-version']).toEqual(expect.any(String))
    expect(headerMessages).toMatchObject({ path: '/gamma/v1/messages', apiKey: 'sk-ant-header', model: 'claude-haiku-4-5' })
    expect(headerMessages?.bearer).toBeUndefined()
    expect(responses).toMatchObject({ path: '/api/v1/responses', protocol: 'openai-responses', bearer: 'sk-delta' })
  })

  it('records failed and unknown requests too, and clear() forgets them', async () => {
    const res = await fetch(`${fake.url}/v1/nope?x=1`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { message: 'Unknown path' } })
    expect(fake.requests()).toMatchObject([{ protocol: 'unknown', path: '/v1/nope', url: '/v1/nope?x=1', method: 'GET' }])
    fake.clear()
    expect(fake.requests()).toEqual([])
  })

  it('waitForRequests resolves when the requests arrive and rejects on timeout', async () => {
    const waiting = fake.waitForRequests(2)
    const client = openai()
    await Promise.all([client.models.list(), client.models.list()])
    expect(await waiting).toHaveLength(2)
    await expect(fake.waitForRequests(3, 20)).rejects.toThrow(/timed out/)
  })
})

describe('validation', () => {
  it('rejects a missing model, non-JSON bodies and a missing anthropic-version with 400', async () => {
    const noModel = await postJson('/v1/chat/completions', { messages: userHello })
    expect(noModel.status).toBe(400)
    expect(await noModel.json()).toMatchObject({ error: { type: 'invalid_request_error' } })

    const notJson = await postJson('/v1/chat/completions', '{oops')
    expect(notJson.status).toBe(400)
    expect(fake.requests().at(-1)?.body).toBe('{oops')

    const noVersion = await postJson('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello })
    expect(noVersion.status).toBe(400)
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })
})

describe('auth', () => {
  it('acceptKeys turns unknown keys into the SDK 401 error, in each provider shape', async () => {
    fake.acceptKeys(['sk-good', 'sk-ant-good'])

    const openaiError = await rejectionOf(openai('sk-bad').chat.completions.create({ model: 'gpt-4o', messages: userHello }))
    expect(openaiError).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).status).toBe(401)
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key')

    const anthropicError = await rejectionOf(
      anthropic('sk-ant-bad').messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello }),
    )
    expect(anthropicError).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).status).toBe(401)
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    })

    const headerKeyParams = { model: 'claude-haiku-4-5', max_tokens: 5, messages: userHello }
    await expect(anthropicWithHeaderKey('sk-ant-good').messages.create(headerKeyParams)).resolves.toBeDefined()
    const headerKeyError = await rejectionOf(anthropicWithHeaderKey('sk-ant-bad').messages.create(headerKeyParams))
    expect((headerKeyError as InstanceType<typeof Anthropic.APIError>).status).toBe(401)

    const modelsError = await rejectionOf(openai('sk-bad').models.list())
    expect((modelsError as InstanceType<typeof OpenAI.APIError>).status).toBe(401)

    await expect(openai('sk-good').chat.completions.create({ model: 'gpt-4o', messages: userHello })).resolves.toBeDefined()
    fake.acceptKeys(null)
    await expect(openai('anything').models.list()).resolves.toBeDefined()
  })
})

describe('scripted errors', () => {
  it('404s only the scripted model, in the OpenAI error shape', async () => {
    fake.script({ model: 'gpt-missing', status: 404 })
    const error = await rejectionOf(openai().chat.completions.create({ model: 'gpt-missing', messages: userHello }))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found')
    expect((error as Error).message).toContain('gpt-missing')
    await expect(openai().chat.completions.create({ model: 'gpt-4o', messages: userHello })).resolves.toBeDefined()
  })

  it('429s with retry-after, consuming a `times` rule', async () => {
    fake.script({ status: 429, times: 1, key: 'sk-ant-limited' })
    const client = anthropic('sk-ant-limited')
    const params = { model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello }
    const error = await rejectionOf(client.messages.create(params))
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1')
    await expect(client.messages.create(params)).resolves.toMatchObject({ type: 'message' })
  })

  it('scopes rules by path prefix and can override the reply', async () => {
    fake.script({ pathPrefix: '/alpha', status: 500 })
    fake.script({ pathPrefix: '/beta', reply: 'scripted reply' })
    const alphaError = await rejectionOf(openai('k', '/alpha/v1').chat.completions.create({ model: 'm', messages: userHello }))
    expect((alphaError as InstanceType<typeof OpenAI.APIError>).status).toBe(500)
    const beta = await openai('k', '/beta/v1').chat.completions.create({ model: 'm', messages: userHello })
    expect(beta.choices[0]?.message.content).toBe('scripted reply')
    fake.resetScript()
    await expect(openai('k', '/alpha/v1').chat.completions.create({ model: 'm', messages: userHello })).resolves.toBeDefined()
  })
})

describe('broken and slow streams', () => {
  it('a malformed event makes the OpenAI and Anthropic SDK streams throw', async () => {
    fake.script({ malformed: true })
    const chat = await openai().chat.completions.create({ model: 'gpt-4o', messages: userHello, stream: true })
    await expect(drain(chat)).rejects.toThrow()

    const messages = await anthropic().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello, stream: true })
    await expect(drain(messages)).rejects.toThrow()
  })

  it('a hanging stream ends on abort, and the server notices the disconnect', async () => {
    fake.script({ hang: true })
    const controller = new AbortController()
    const stream = await openai().chat.completions.create(
      { model: 'gpt-4o', messages: userHello, stream: true },
      { signal: controller.signal },
    )
    let text = ''
    const reading = (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (text) controller.abort() // got the one delta the hang sends: press "Stop"
      }
    })()
    // The SDK either ends the iteration quietly or throws its abort error; both end the request.
    await reading.catch((error: unknown) => expect(error).toBeInstanceOf(OpenAI.APIUserAbortError))
    expect(text).toBe('Echo ')
    const [gone] = await fake.waitForDisconnects(1)
    expect(gone).toMatchObject({ protocol: 'openai-chat', model: 'gpt-4o' })
  })

  it('a slow stream sends exactly the requested number of chunks', async () => {
    fake.script({ slow: { chunks: 3, intervalMs: 5 }, reply: 'one two three four' })
    const stream = await anthropic().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello, stream: true })
    const deltas: string[] = []
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') deltas.push(event.delta.text)
    }
    expect(deltas).toEqual(['one ', 'two ', 'three four'])
  })

  it('a held stream stops after its first chunk until released, then finishes normally', async () => {
    fake.script({ hold: 'h1', reply: 'one two three' })
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: userHello, stream: true })
    const deltas: string[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content
      if (delta) deltas.push(delta)
      finish = chunk.choices[0]?.finish_reason ?? finish
      // Nothing but the first chunk can arrive before the release: it is only sent once this line has run.
      if (deltas.length === 1 && delta) {
        expect(finish).toBeNull()
        fake.release('h1')
      }
    }
    expect(deltas).toEqual(['one ', 'two ', 'three'])
    expect(finish).toBe('stop')
  })

  it('holdBefore pauses a stream before the named text chunks (0 = before any text) until each is released', async () => {
    fake.script({ holdBefore: [{ chunk: 0, hold: 'before-text' }, { chunk: 2, hold: 'before-third' }], reply: 'one two three' })
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: userHello, stream: true })
    // The server itself says where it waits: before writing any text, and (below) before the third chunk.
    await fake.waitForHeld('before-text')
    const deltas: string[] = []
    fake.release('before-text')
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content
      if (!delta) continue
      deltas.push(delta)
      if (deltas.length === 2) {
        await fake.waitForHeld('before-third')
        expect(deltas).toEqual(['one ', 'two '])
        fake.release('before-third')
      }
    }
    expect(deltas).toEqual(['one ', 'two ', 'three'])
  })
})

describe('streams that misbehave (what a client must catch on its own)', () => {
  const streamBody = JSON.stringify({ model: 'gpt-4o', messages: userHello, stream: true })
  const post = (signal?: AbortSignal) =>
    fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody, ...(signal ? { signal } : {}) })

  it('stall before-headers answers nothing until the client gives up, then notes the disconnect', async () => {
    fake.script({ stall: 'before-headers' })
    const controller = new AbortController()
    const answer = post(controller.signal)
    await fake.waitForRequests(1)
    controller.abort()
    await expect(answer).rejects.toThrow()
    expect(await fake.waitForDisconnects(1)).toHaveLength(1)
  })

  it('stall after-headers sends a 200 event-stream head, then no byte of body', async () => {
    fake.script({ stall: 'after-headers' })
    const controller = new AbortController()
    const response = await post(controller.signal)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = response.body!.getReader()
    const first = reader.read()
    await fake.waitForRequests(1)
    controller.abort()
    await expect(first).rejects.toThrow()
    await fake.waitForDisconnects(1)
  })

  it('stall after-text sends the opening events and one delta, then nothing (the SDK waits)', async () => {
    fake.script({ stall: 'after-text' })
    const controller = new AbortController()
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: userHello, stream: true }, { signal: controller.signal })
    let text = ''
    const reading = (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (text) controller.abort()
      }
    })()
    // The SDK either ends the iteration quietly or throws its abort error.
    await reading.catch((error: unknown) => expect(error).toBeInstanceOf(OpenAI.APIUserAbortError))
    expect(text).toBe('Echo ')
    await fake.waitForDisconnects(1)
  })

  it('page answers 200 with the page, whatever was asked for', async () => {
    fake.script({ page: { body: '<html><title>Portal</title></html>' } })
    const response = await post()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await response.text()).toBe('<html><title>Portal</title></html>')
  })

  it('wrong-shape and bare-line pass through the SDKs unnoticed: the stream still ends as if complete', async () => {
    fake.script({ malformed: 'wrong-shape', times: 1 })
    const chat = await openai().chat.completions.create({ model: 'gpt-4o', messages: userHello, stream: true })
    const shapes: unknown[] = []
    for await (const chunk of chat) shapes.push(chunk.choices)
    expect(shapes).toContain('nope')
    expect(shapes.at(-1)).toEqual([expect.objectContaining({ finish_reason: 'stop' })])

    fake.script({ malformed: 'bare-line', times: 1 })
    const messages = await anthropic().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello, stream: true })
    const types: string[] = []
    for await (const event of messages) types.push(event.type)
    expect(types.at(-1)).toBe('message_stop')
  })

  it('truncated ends the connection cleanly after one delta, with no closing event', async () => {
    fake.script({ malformed: 'truncated' })
    const messages = await anthropic().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: userHello, stream: true })
    const types: string[] = []
    for await (const event of messages) types.push(event.type)
    expect(types).toContain('content_block_delta')
    expect(types).not.toContain('message_stop')
  })
})

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // consume
  }
}

describe('admin HTTP endpoints', () => {
  it('script, keys, clear, reset and requests work over HTTP and are not recorded', async () => {
    expect((await postJson('/__admin/script', { model: 'gpt-x', status: 404 })).status).toBe(200)
    const error = await rejectionOf(openai().chat.completions.create({ model: 'gpt-x', messages: userHello }))
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(404)

    await postJson('/__admin/reset', {})
    await expect(openai().chat.completions.create({ model: 'gpt-x', messages: userHello })).resolves.toBeDefined()

    await postJson('/__admin/keys', { keys: ['only-me'] })
    expect((await rejectionOf(openai('other').models.list())) as { status: number }).toMatchObject({ status: 401 })
    await postJson('/__admin/keys', { keys: null })

    const recorded = (await (await fetch(`${fake.url}/__admin/requests`)).json()) as RecordedRequest[]
    expect(recorded.map((request) => request.protocol)).toEqual(['openai-chat', 'openai-chat', 'models'])

    const waited = (await (await fetch(`${fake.url}/__admin/wait?n=3&timeoutMs=1000`)).json()) as RecordedRequest[]
    expect(waited).toHaveLength(3)

    await postJson('/__admin/clear', {})
    expect(await (await fetch(`${fake.url}/__admin/requests`)).json()).toEqual([])
    expect((await postJson('/__admin/keys', { keys: 'nope' })).status).toBe(400)
  })
})

describe('CLI', () => {
  it('prints its URL, serves requests and stops on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../fake-provider/cli.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
      const url = /^FAKE_PROVIDER_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1]
      expect(url).toBeDefined()
      const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, organization: null, project: null, maxRetries: 0 })
      const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: userHello })
      expect(completion.choices[0]?.message.content).toBe('Echo [gpt-4o]: hello')
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const [code] = (await exited) as [number | null]
      expect(code).toBe(0)
    }
  }, 20_000)
})
