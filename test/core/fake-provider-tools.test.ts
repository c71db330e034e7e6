// Tool calls through the fake provider, as the official SDKs see them: scripted calls stream in each API's real
// format (the SDKs' own accumulators assemble them), a correctly paired history is accepted, and every broken
// pairing is rejected with the real API's status, error body and message. Agent tests rely on this last part:
// a history Keel gets wrong fails there exactly as it would against the real provider.

import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { frameProblem, isFinalFrame, parseFrame, splitFrames } from '../../src/main/core/providers/stream-shapes.js'
import { startFakeProvider, toolResultsSent, type FakeProvider, type ToolCallSpec } from '../fake-provider/server.js'

let fake: FakeProvider

beforeEach(async () => {
  fake = await startFakeProvider()
})

afterEach(async () => {
  await fake.close()
})

function openai(): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: `${fake.url}/v1`, organization: null, project: null, maxRetries: 0, logLevel: 'off' })
}

function anthropic(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, authToken: null, maxRetries: 0, logLevel: 'off' })
}

const weather: ToolCallSpec = { name: 'get_weather', id: 'call_w1', arguments: { city: 'Paris', units: 'metric', days: [1, 2] } }
const time: ToolCallSpec = { name: 'get_time', id: 'call_t1', arguments: { zone: 'Europe/Paris' } }
const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
}

/** POST a JSON body; the status and parsed JSON answer. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' }

function openaiError(message: string, param: string): unknown {
  return { error: { message, type: 'invalid_request_error', param, code: null } }
}

function anthropicError(message: string): unknown {
  return { type: 'error', error: { type: 'invalid_request_error', message } }
}

/** The raw SSE text of a streamed request. */
async function rawStream(path: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify({ ...(body as object), stream: true }),
  })
  expect(response.status).toBe(200)
  return response.text()
}

describe('tool-call streams, assembled by the real SDKs', () => {
  it('Chat Completions: text, then two parallel calls whose arguments arrive in several deltas', async () => {
    fake.script({ reply: 'Let me check.', toolCalls: [weather, time] })
    const stream = openai().chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] })
    const argumentDeltas: Record<number, number> = {}
    stream.on('tool_calls.function.arguments.delta', (event) => {
      argumentDeltas[event.index] = (argumentDeltas[event.index] ?? 0) + 1
    })
    const completion = await stream.finalChatCompletion()

    const choice = completion.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBe('Let me check.')
    const calls = (choice.message.tool_calls ?? []).map((call) =>
      call.type === 'function' ? { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) as unknown } : call,
    )
    expect(calls).toEqual([
      { id: 'call_w1', name: 'get_weather', args: weather.arguments },
      { id: 'call_t1', name: 'get_time', args: time.arguments },
    ])
    expect(argumentDeltas[0]).toBeGreaterThanOrEqual(3)
    expect(argumentDeltas[1]).toBeGreaterThanOrEqual(3)
  })

  it('Chat Completions: a call-only reply has null content and generated ids; the non-stream body matches', async () => {
    fake.script({ toolCalls: [{ name: 'list_files', arguments: {} }], times: 2 })
    const chunks = []
    for await (const chunk of await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ls' }], stream: true })) {
      chunks.push(chunk)
    }
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? null).filter((content) => content !== null)).toEqual([])
    const first = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0]
    expect(first).toMatchObject({ index: 0, id: expect.stringMatching(/^call_fake\d+_0$/), type: 'function', function: { name: 'list_files' } })
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')

    const completion = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ls' }] })
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: null, tool_calls: [{ type: 'function', function: { name: 'list_files', arguments: '{}' } }] },
    })
  })

  it("Responses: function_call items through the SDK's strict stream accumulator, text first, two calls", async () => {
    fake.script({ reply: 'Checking.', toolCalls: [weather, time], argumentChunks: 4 })
    const stream = openai().responses.stream({ model: 'gpt-4o', input: 'weather?' })
    const types: string[] = []
    stream.on('event', (event) => types.push(event.type))
    const final = await stream.finalResponse()

    expect(final.status).toBe('completed')
    expect(final.output_text).toBe('Checking.')
    const calls = final.output.flatMap((item) =>
      item.type === 'function_call' ? [{ call_id: item.call_id, name: item.name, args: JSON.parse(item.arguments) as unknown }] : [],
    )
    expect(calls).toEqual([
      { call_id: 'call_w1', name: 'get_weather', args: weather.arguments },
      { call_id: 'call_t1', name: 'get_time', args: time.arguments },
    ])
    expect(types.filter((type) => type === 'response.function_call_arguments.delta')).toHaveLength(8)
    expect(types.filter((type) => type === 'response.function_call_arguments.done')).toHaveLength(2)
    expect(types.at(-1)).toBe('response.completed')
  })

  it('Responses: a call-only reply streams no message item; the non-stream body lists the call', async () => {
    fake.script({ toolCalls: [time], times: 2 })
    const events = []
    for await (const event of await openai().responses.create({ model: 'gpt-4o', input: 'time?', stream: true })) events.push(event)
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
    const response = await openai().responses.create({ model: 'gpt-4o', input: 'time?' })
    expect(response.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'call_t1', name: 'get_time', arguments: '{"zone":"Europe/Paris"}' })])
  })

  it('Anthropic Messages: tool_use blocks assembled by MessageStream from input_json_delta pieces', async () => {
    const lookup: ToolCallSpec = { name: 'lookup', id: 'toolu_01', arguments: { query: 'keel', limit: 3 } }
    const read: ToolCallSpec = { name: 'read_file', id: 'toolu_02', arguments: { path: 'a/b.txt' } }
    fake.script({ reply: 'Looking.', toolCalls: [lookup, read] })
    const stream = anthropic().messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })
    let jsonDeltas = 0
    stream.on('inputJson', () => (jsonDeltas += 1))
    const message = await stream.finalMessage()

    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Looking.' }),
      expect.objectContaining({ type: 'tool_use', id: 'toolu_01', name: 'lookup', input: lookup.arguments }),
      expect.objectContaining({ type: 'tool_use', id: 'toolu_02', name: 'read_file', input: read.arguments }),
    ])
    expect(jsonDeltas).toBeGreaterThanOrEqual(6)
  })

  it('Anthropic Messages: a call-only reply starts its tool_use at index 0; the non-stream body matches', async () => {
    fake.script({ toolCalls: [{ name: 'now', arguments: { tz: 'UTC' } }], times: 2 })
    const events = []
    const params = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'now?' }] }
    for await (const event of await anthropic().messages.create({ ...params, stream: true })) events.push(event)
    const start = events.find((event) => event.type === 'content_block_start')
    expect(start).toMatchObject({ index: 0, content_block: { type: 'tool_use', name: 'now', id: expect.stringMatching(/^toolu_fake\d+_0$/), input: {} } })
    expect(events.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } })

    const message = await anthropic().messages.create(params)
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'now', input: { tz: 'UTC' } })])
  })

  it('a held call-only stream sends nothing of its calls until released', async () => {
    fake.script({ hold: 'calls', toolCalls: [weather] })
    const stream = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true })
    const calls = []
    let chunks = 0
    for await (const chunk of stream) {
      chunks += 1
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []))
      // Only the opening chunk can have arrived: the rest is sent once this line has run.
      if (chunks === 1) {
        expect(calls).toEqual([])
        fake.release('calls')
      }
    }
    expect(calls[0]).toMatchObject({ id: 'call_w1', function: { name: 'get_weather' } })
  })

  it("every tool-call stream passes Keel's stream-shape check and ends with a closing event", async () => {
    const body = { model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'x' }], input: 'x' }
    const cases = [
      { api: 'openai-chat', path: '/v1/chat/completions', headers: {} },
      { api: 'openai-responses', path: '/v1/responses', headers: {} },
      { api: 'anthropic-messages', path: '/v1/messages', headers: ANTHROPIC_HEADERS },
    ] as const
    for (const { api, path, headers } of cases) {
      for (const reply of ['Some text first.', undefined]) {
        fake.script({ toolCalls: [weather, time], times: 1, ...(reply === undefined ? {} : { reply }) })
        const { frames, rest } = splitFrames(await rawStream(path, body, headers))
        expect(rest).toBe('')
        const parsed = frames.map(parseFrame)
        expect(parsed.map((frame) => frameProblem(api, frame)).filter((problem) => problem !== null)).toEqual([])
        expect(isFinalFrame(api, parsed.at(-1)!)).toBe(true)
      }
    }
  })
})

describe('a correct two-step history is accepted (sequence: tool call, then final text)', () => {
  it('Chat Completions', async () => {
    fake.sequence([{ toolCalls: [weather, time] }, { toolResultFor: 'call_w1', reply: 'Sunny, and it is noon.' }])
    const client = openai()
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather and time?' }]
    const first = await client.chat.completions.stream({ model: 'gpt-4o', messages }).finalChatCompletion()
    const assistant = first.choices[0]!.message
    messages.push({ role: 'assistant', content: assistant.content, tool_calls: assistant.tool_calls ?? [] })
    for (const call of assistant.tool_calls ?? []) messages.push({ role: 'tool', tool_call_id: call.id, content: `result of ${call.id}` })

    const second = await client.chat.completions.stream({ model: 'gpt-4o', messages }).finalChatCompletion()
    expect(second.choices[0]?.message.content).toBe('Sunny, and it is noon.')
    expect(second.choices[0]?.finish_reason).toBe('stop')
    expect(toolResultsSent(fake.requests()[1]!)).toEqual([
      { callId: 'call_w1', content: 'result of call_w1' },
      { callId: 'call_t1', content: 'result of call_t1' },
    ])
  })

  it('Responses, with the calls replayed in the input', async () => {
    fake.sequence([{ toolCalls: [weather] }, { toolResultFor: 'call_w1', reply: 'Sunny.' }])
    const client = openai()
    const first = await client.responses.stream({ model: 'gpt-4o', input: 'weather?' }).finalResponse()
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'weather?' }]
    for (const item of first.output) {
      if (item.type !== 'function_call') continue
      input.push({ type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments })
      input.push({ type: 'function_call_output', call_id: item.call_id, output: '18°C' })
    }
    const second = await client.responses.stream({ model: 'gpt-4o', input }).finalResponse()
    expect(second.output_text).toBe('Sunny.')
    expect(toolResultsSent(fake.requests()[1]!)).toEqual([{ callId: 'call_w1', content: '18°C' }])
  })

  it('Responses, continuing with previous_response_id: the outputs alone are enough, and required', async () => {
    fake.sequence([{ toolCalls: [weather] }, { toolResultFor: 'call_w1', reply: 'Sunny.' }])
    const client = openai()
    const first = await client.responses.create({ model: 'gpt-4o', input: 'weather?' })

    const forgot = await post('/v1/responses', { model: 'gpt-4o', previous_response_id: first.id, input: [{ role: 'user', content: 'and?' }] })
    expect(forgot).toEqual({ status: 400, json: openaiError('No tool output found for function call call_w1.', 'input') })

    const second = await client.responses.create({
      model: 'gpt-4o',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_w1', output: '18°C' }],
    })
    expect(second.output_text).toBe('Sunny.')
  })

  it('Anthropic Messages, with text after the tool_result blocks', async () => {
    fake.sequence([
      { toolCalls: [{ name: 'lookup', id: 'toolu_A', arguments: { q: 1 } }, { name: 'lookup', id: 'toolu_B', arguments: { q: 2 } }] },
      { toolResultFor: 'toolu_B', reply: 'Both found.' },
    ])
    const client = anthropic()
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'find' }]
    const first = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages }).finalMessage()
    messages.push({ role: 'assistant', content: first.content })
    messages.push({
      role: 'user',
      content: [
        ...first.content.flatMap((block) =>
          block.type === 'tool_use'
            ? [{ type: 'tool_result' as const, tool_use_id: block.id, content: `found ${block.id}`, is_error: block.id === 'toolu_B' }]
            : [],
        ),
        { type: 'text', text: 'thanks' },
      ],
    })
    const second = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages }).finalMessage()
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Both found.' })])
    expect(toolResultsSent(fake.requests()[1]!)).toEqual([
      { callId: 'toolu_A', content: 'found toolu_A', isError: false },
      { callId: 'toolu_B', content: 'found toolu_B', isError: true },
    ])
  })
})

describe('a broken pairing is rejected as the real API rejects it', () => {
  const callW1 = { id: 'call_w1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } }
  const callT1 = { id: 'call_t1', type: 'function' as const, function: { name: 'get_time', arguments: '{}' } }
  const chatMissing = (ids: string) =>
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
    `The following tool_call_ids did not have response messages: ${ids}`
  const chatOrphan = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."

  it('Chat Completions: an unanswered call (next message, a partial answer, or the end of the history)', async () => {
    const user = { role: 'user', content: 'hi' }
    const assistant = { role: 'assistant', content: null, tool_calls: [callW1, callT1] }
    const answerW1 = { role: 'tool', tool_call_id: 'call_w1', content: 'ok' }

    expect(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [user, assistant, user] })).toEqual({
      status: 400,
      json: openaiError(chatMissing('call_w1, call_t1'), 'messages.[1].role'),
    })
    expect(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [user, assistant, answerW1, user] })).toEqual({
      status: 400,
      json: openaiError(chatMissing('call_t1'), 'messages.[1].role'),
    })
    expect(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [user, assistant, answerW1] })).toEqual({
      status: 400,
      json: openaiError(chatMissing('call_t1'), 'messages.[1].role'),
    })
  })

  it('Chat Completions: a tool message without its call, and the SDK error the client sees', async () => {
    const user = { role: 'user' as const, content: 'hi' }
    const orphan = { role: 'tool' as const, tool_call_id: 'call_zz', content: 'ok' }
    expect(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [user, orphan] })).toEqual({
      status: 400,
      json: openaiError(chatOrphan, 'messages.[1].role'),
    })
    // An answer to a call of an earlier assistant message (not the one right before) is an orphan too.
    const assistant = { role: 'assistant' as const, content: null, tool_calls: [callW1] }
    const answer = { role: 'tool' as const, tool_call_id: 'call_w1', content: 'ok' }
    const late = [user, assistant, answer, { role: 'assistant' as const, content: 'done' }, user, answer]
    const error = await openai()
      .chat.completions.create({ model: 'gpt-4o', messages: late })
      .then(() => null, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ status: 400, param: 'messages.[5].role', type: 'invalid_request_error', message: expect.stringContaining(chatOrphan) })
  })

  it('Responses: a call without output, and an output without call', async () => {
    const call = { type: 'function_call', call_id: 'call_w1', name: 'get_weather', arguments: '{}' }
    const output = { type: 'function_call_output', call_id: 'call_x9', output: 'ok' }
    expect(await post('/v1/responses', { model: 'gpt-4o', input: [{ role: 'user', content: 'hi' }, call] })).toEqual({
      status: 400,
      json: openaiError('No tool output found for function call call_w1.', 'input'),
    })
    expect(await post('/v1/responses', { model: 'gpt-4o', input: [{ role: 'user', content: 'hi' }, output] })).toEqual({
      status: 400,
      json: openaiError('No tool call found for function call output with call_id call_x9.', 'input'),
    })
    const error = await openai()
      .responses.create({ model: 'gpt-4o', input: [call as OpenAI.Responses.ResponseInputItem] })
      .then(() => null, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ status: 400, param: 'input' })
  })

  const toolUse = (id: string) => ({ type: 'tool_use', id, name: 'lookup', input: {} })
  const toolResult = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' })
  const missing = (index: number, ids: string) =>
    `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${ids}. ` +
    'Each `tool_use` block must have a corresponding `tool_result` block in the next message.'

  it('Anthropic Messages: tool_use without tool_result right after (missing, partial, behind text, last message)', async () => {
    const user = { role: 'user', content: 'hi' }
    const assistant = { role: 'assistant', content: [{ type: 'text', text: 'ok' }, toolUse('toolu_A'), toolUse('toolu_B')] }
    const histories: [unknown[], string][] = [
      [[user, assistant, user], missing(1, 'toolu_A, toolu_B')],
      [[user, assistant, { role: 'user', content: [toolResult('toolu_A')] }], missing(1, 'toolu_B')],
      // Results must come first: text before them does not count as "immediately after".
      [[user, assistant, { role: 'user', content: [{ type: 'text', text: 'here' }, toolResult('toolu_A'), toolResult('toolu_B')] }], missing(1, 'toolu_A, toolu_B')],
      [[user, assistant], missing(1, 'toolu_A, toolu_B')],
    ]
    for (const [messages, message] of histories) {
      expect(await post('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 10, messages }, ANTHROPIC_HEADERS)).toEqual({
        status: 400,
        json: anthropicError(message),
      })
    }
  })

  it('Anthropic Messages: tool_result without a tool_use in the previous message, and the SDK error', async () => {
    const unexpected = (at: string, id: string) =>
      `${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
      'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [toolUse('toolu_A')] },
      { role: 'user', content: [toolResult('toolu_A'), toolResult('toolu_Z')] },
    ]
    expect(await post('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 10, messages }, ANTHROPIC_HEADERS)).toEqual({
      status: 400,
      json: anthropicError(unexpected('messages.2.content.1', 'toolu_Z')),
    })
    const error = await anthropic()
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: [toolResult('toolu_Q') as Anthropic.ToolResultBlockParam] }] })
      .then(() => null, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(Anthropic.BadRequestError)
    expect(error).toMatchObject({ status: 400, error: anthropicError(unexpected('messages.0.content.0', 'toolu_Q')) })
  })

  it('a rejected request is recorded but consumes no sequence step; toolPairing off lets it through', async () => {
    fake.sequence([{ toolResultFor: 'call_w1', reply: 'answered' }])
    const broken = { model: 'gpt-4o', messages: [{ role: 'tool', tool_call_id: 'call_w1', content: 'ok' }] }
    expect((await post('/v1/chat/completions', broken)).status).toBe(400)
    expect(fake.requests()).toHaveLength(1)
    const fixed = {
      model: 'gpt-4o',
      messages: [{ role: 'assistant', content: null, tool_calls: [callW1] }, { role: 'tool', tool_call_id: 'call_w1', content: 'ok' }],
    }
    expect(await post('/v1/chat/completions', fixed)).toMatchObject({ status: 200, json: { choices: [{ message: { content: 'answered' } }] } })

    const lenient = await startFakeProvider({ toolPairing: 'off' })
    try {
      const response = await fetch(`${lenient.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(broken) })
      expect(response.status).toBe(200)
    } finally {
      await lenient.close()
    }
  })
})

describe('matching by position and content', () => {
  it('requestIndex counts completion requests only; toolResults false/true tells first steps from follow-ups', async () => {
    fake.script({ requestIndex: 1, reply: 'second' })
    fake.script({ toolResults: true, reply: 'has results' })
    fake.script({ toolResults: false, reply: 'no results' })
    const client = openai()
    const ask = async (messages: OpenAI.ChatCompletionMessageParam[]) =>
      (await client.chat.completions.create({ model: 'gpt-4o', messages })).choices[0]?.message.content
    const plain = [{ role: 'user' as const, content: 'hi' }]
    const withResult: OpenAI.ChatCompletionMessageParam[] = [
      ...plain,
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'r' },
    ]
    expect(await ask(plain)).toBe('no results')
    await client.models.list() // not a completion: does not move the index
    expect(await ask(withResult)).toBe('second')
    expect(await ask(withResult)).toBe('has results')
    expect(await ask(plain)).toBe('no results')
  })

  it('a sequence step is not taken out of order, and steps can be scripted over /__admin/sequence', async () => {
    const scripted = await fetch(`${fake.url}/__admin/sequence`, {
      method: 'POST',
      body: JSON.stringify({ steps: [{ toolCalls: [{ name: 'f', id: 'c1', arguments: { a: 1 } }] }, { toolResultFor: 'c1', reply: 'final' }] }),
    })
    expect(scripted.status).toBe(200)
    const client = openai()
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'go' }] })
    expect(first.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'c1' })
    // A request without the result does not match step 2: it gets the default echo, and step 2 stays.
    const stray = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] })
    expect(stray.choices[0]?.message.content).toBe('Echo [gpt-4o]: again')
    const final = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'r' },
      ],
    })
    expect(final.choices[0]?.message.content).toBe('final')
    expect((await fetch(`${fake.url}/__admin/sequence`, { method: 'POST', body: '{"steps":3}' })).status).toBe(400)

    // A later step that would match is not taken while an earlier one waits for its request.
    fake.sequence([{ toolResultFor: 'c9', reply: 'step one' }, { reply: 'step two' }])
    const early = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'early' }] })
    expect(early.choices[0]?.message.content).toBe('Echo [gpt-4o]: early')
  })
})
