// Wire payloads of the three completion protocols: what the prompt text is, and how a reply is
// framed as one JSON object (non-stream) or as a sequence of SSE events (stream). Field names and
// event order follow the real APIs closely enough for the official SDKs' strict stream accumulators
// (e.g. openai's ResponseStream validates item ids and output/content indexes).

import type { CompletionProtocol, ToolCallSpec, UsageSpec } from './types.js'
import { isJsonObject, type JsonObject } from './http.js'
import type { SseEvent } from './sse.js'

/** Per-response identity and counters shared by all events of one reply. */
export interface ReplyContext {
  id: string
  /** Id of the single output message item (Responses API). */
  itemId: string
  model: string
  /** Unix seconds. */
  created: number
  inputTokens: number
  body: Record<string, unknown>
  /** Next `sequence_number` (Responses API events are numbered). */
  seq: number
  /** Whether the reply has a text part (false only for a tool-call reply without `reply` text). */
  hasText: boolean
  /** The tool calls that end the reply (empty for a plain text reply). */
  toolCalls: PlannedToolCall[]
  /** Scripted usage (`Rule.usage`); absent: counted words. */
  usage?: UsageSpec | 'none'
}

/** A scripted tool call with its id and wire text fixed. */
export interface PlannedToolCall {
  id: string
  /** Responses API output item id of the call (`fc_…`). */
  itemId: string
  name: string
  /** The arguments as JSON text, and that text in the pieces it is streamed in. */
  arguments: string
  argumentPieces: string[]
}

/** How one protocol frames a reply. A stream is `head`, then `delta` per text chunk, then `tools` (when the
 * reply ends in tool calls), then `tail`. */
export interface ProtocolWire {
  /** `event:` name carried by text deltas, reused for the malformed line so SDKs do not skip it. */
  deltaEvent?: string
  head(ctx: ReplyContext): SseEvent[]
  delta(ctx: ReplyContext, text: string): SseEvent[]
  /** Valid JSON of the wrong shape where a text delta belongs (for `malformed: 'wrong-shape'`). */
  wrongShape(ctx: ReplyContext): SseEvent[]
  /** Closes the text part (if any) and streams every tool call of `ctx.toolCalls`. */
  tools(ctx: ReplyContext, fullText: string): SseEvent[]
  tail(ctx: ReplyContext, fullText: string): SseEvent[]
  /** The non-stream response body. */
  complete(ctx: ReplyContext, fullText: string): unknown
}

/** Rough token count: one per word, at least one. */
export function countTokens(text: string): number {
  return Math.max(1, text.split(/\s+/).filter(Boolean).length)
}

// ---------------------------------------------------------------------------------------------
// Prompt extraction

type Json = JsonObject

/** Text of a message `content`: a string, or an array of text parts (`text`/`input_text`). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .filter((part): part is Json => isJsonObject(part) && (part.type === 'text' || part.type === 'input_text'))
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('\n')
}

function lastUserContent(items: unknown): string {
  if (!Array.isArray(items)) return ''
  const user = items.filter((item): item is Json => isJsonObject(item) && item.role === 'user').at(-1)
  return user ? contentText(user.content) : ''
}

/** Text of the last user message, per protocol (`messages` for Chat/Anthropic, `input` for Responses). */
export function lastUserText(protocol: CompletionProtocol, body: Json): string {
  if (protocol === 'openai-responses') {
    return typeof body.input === 'string' ? body.input : lastUserContent(body.input)
  }
  return lastUserContent(body.messages)
}

/** The deterministic default reply. */
export function echoReply(model: string, userText: string): string {
  return `Echo [${model}]: ${userText}`
}

/** Split on word boundaries, keeping each word's trailing whitespace so the pieces re-join exactly. */
export function splitWords(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? []
  return pieces.length > 0 ? pieces : ['']
}

/**
 * Exactly `n` chunks out of `pieces`: extra pieces are merged into the last chunk, missing ones
 * are padded with ` ·` filler so a slow stream always has the requested number of deltas.
 */
export function fitChunks(pieces: string[], n: number): string[] {
  const count = Math.max(1, Math.floor(n))
  if (pieces.length >= count) {
    return [...pieces.slice(0, count - 1), pieces.slice(count - 1).join('')]
  }
  return [...pieces, ...Array.from({ length: count - pieces.length }, () => ' ·')]
}

/** `json` in at most `n` pieces of near-equal length (at least one character each), re-joining exactly. */
export function splitArguments(json: string, n: number): string[] {
  const count = Math.max(1, Math.min(Math.floor(n), json.length))
  const size = Math.ceil(json.length / count)
  const pieces: string[] = []
  for (let start = 0; start < json.length; start += size) pieces.push(json.slice(start, start + size))
  return pieces.length > 0 ? pieces : ['']
}

const CALL_ID_PREFIX: Record<CompletionProtocol, string> = {
  'openai-chat': 'call_fake',
  'openai-responses': 'call_fake',
  'anthropic-messages': 'toolu_fake',
}

/** Fix ids and argument pieces of scripted calls; `serial` keeps generated ids unique per server. */
export function planToolCalls(protocol: CompletionProtocol, specs: ToolCallSpec[], serial: number, argumentChunks = 3): PlannedToolCall[] {
  return specs.map((spec, index) => {
    const json = JSON.stringify(spec.arguments ?? {})
    return {
      id: spec.id ?? `${CALL_ID_PREFIX[protocol]}${serial}_${index}`,
      itemId: `fc_fake${serial}_${index}`,
      name: spec.name,
      arguments: json,
      argumentPieces: splitArguments(json, argumentChunks),
    }
  })
}

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions

function chatChunk(ctx: ReplyContext, delta: Json, finishReason: string | null): Json {
  return {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

function chatUsage(ctx: ReplyContext, text: string): Json | null {
  const u = ctx.usage
  if (u === 'none') return null
  if (u) {
    return {
      prompt_tokens: u.input,
      completion_tokens: u.output,
      total_tokens: u.input + u.output,
      ...(u.cached !== undefined ? { prompt_tokens_details: { cached_tokens: u.cached } } : {}),
      ...(u.reasoning !== undefined ? { completion_tokens_details: { reasoning_tokens: u.reasoning } } : {}),
    }
  }
  const completion = countTokens(text)
  return { prompt_tokens: ctx.inputTokens, completion_tokens: completion, total_tokens: ctx.inputTokens + completion }
}

function wantsStreamUsage(body: Json): boolean {
  return isJsonObject(body.stream_options) && body.stream_options.include_usage === true
}

/** Each call: a first chunk with index, id, type and name (arguments ""), then one chunk per arguments piece. */
function chatToolChunks(ctx: ReplyContext): SseEvent[] {
  return ctx.toolCalls.flatMap((call, index) => [
    { data: chatChunk(ctx, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null) },
    ...call.argumentPieces.map((piece) => ({ data: chatChunk(ctx, { tool_calls: [{ index, function: { arguments: piece } }] }, null) })),
  ])
}

function chatFinish(ctx: ReplyContext): string {
  return ctx.toolCalls.length > 0 ? 'tool_calls' : 'stop'
}

const openaiChat: ProtocolWire = {
  // A reply that is only tool calls has `content: null`, as the real API sends it.
  head: (ctx) => [{ data: chatChunk(ctx, { role: 'assistant', content: ctx.hasText ? '' : null, refusal: null }, null) }],
  delta: (ctx, text) => [{ data: chatChunk(ctx, { content: text }, null) }],
  wrongShape: (ctx) => [{ data: { ...chatChunk(ctx, { content: 'lost' }, null), choices: 'nope' } }],
  tools: (ctx) => chatToolChunks(ctx),
  tail: (ctx, fullText) => [
    { data: chatChunk(ctx, {}, chatFinish(ctx)) },
    // With stream_options.include_usage the real API adds a last chunk with empty choices.
    ...(wantsStreamUsage(ctx.body) && ctx.usage !== 'none'
      ? [{ data: { ...chatChunk(ctx, {}, null), choices: [], usage: chatUsage(ctx, fullText) } }]
      : []),
    { data: '[DONE]' },
  ],
  complete: (ctx, fullText) => ({
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: ctx.hasText ? fullText : null,
          refusal: null,
          annotations: [],
          ...(ctx.toolCalls.length > 0
            ? {
                tool_calls: ctx.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: chatFinish(ctx),
      },
    ],
    ...(ctx.usage !== 'none' ? { usage: chatUsage(ctx, fullText) } : {}),
  }),
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

function responsesMessage(ctx: ReplyContext, text: string | null): Json {
  const done = text !== null
  return {
    id: ctx.itemId,
    type: 'message',
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content: done ? [outputText(text)] : [],
  }
}

function outputText(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] }
}

/** A `function_call` output item; `done` gives it its full arguments. */
function functionCallItem(call: PlannedToolCall, done: boolean): Json {
  return {
    id: call.itemId,
    type: 'function_call',
    status: done ? 'completed' : 'in_progress',
    arguments: done ? call.arguments : '',
    call_id: call.id,
    name: call.name,
  }
}

/** Output index of the first tool call: after the message item when there is text. */
function firstCallIndex(ctx: ReplyContext): number {
  return ctx.hasText ? 1 : 0
}

/** The Response object; `text === null` means still in progress (no output yet). */
function responseObject(ctx: ReplyContext, text: string | null): Json {
  const done = text !== null
  const outputTokens = done ? countTokens(text) + ctx.toolCalls.length : 0
  const output = done
    ? [...(ctx.hasText ? [responsesMessage(ctx, text)] : []), ...ctx.toolCalls.map((call) => functionCallItem(call, true))]
    : []
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.created,
    status: done ? 'completed' : 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: ctx.body.instructions ?? null,
    max_output_tokens: ctx.body.max_output_tokens ?? null,
    model: ctx.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: ctx.body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: ctx.body.store ?? true,
    temperature: ctx.body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: ctx.body.tool_choice ?? 'auto',
    tools: Array.isArray(ctx.body.tools) ? ctx.body.tools : [],
    top_p: ctx.body.top_p ?? 1,
    truncation: 'disabled',
    usage: !done || ctx.usage === 'none'
      ? null
      : ctx.usage
        ? {
            input_tokens: ctx.usage.input,
            ...(ctx.usage.cached !== undefined ? { input_tokens_details: { cached_tokens: ctx.usage.cached } } : {}),
            output_tokens: ctx.usage.output,
            ...(ctx.usage.reasoning !== undefined ? { output_tokens_details: { reasoning_tokens: ctx.usage.reasoning } } : {}),
            total_tokens: ctx.usage.input + ctx.usage.output,
          }
        : {
          input_tokens: ctx.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: ctx.inputTokens + outputTokens,
        },
    user: null,
    metadata: {},
  }
}

/** A named Responses event; the event name doubles as the payload's `type`. */
function responsesEvent(ctx: ReplyContext, type: string, fields: Json): SseEvent {
  return { event: type, data: { type, sequence_number: ctx.seq++, ...fields } }
}

function textPosition(ctx: ReplyContext): Json {
  return { item_id: ctx.itemId, output_index: 0, content_index: 0 }
}

/** The events that close the message item after its last text delta. */
function responsesTextDone(ctx: ReplyContext, fullText: string): SseEvent[] {
  return [
    responsesEvent(ctx, 'response.output_text.done', { ...textPosition(ctx), text: fullText, logprobs: [] }),
    responsesEvent(ctx, 'response.content_part.done', { ...textPosition(ctx), part: outputText(fullText) }),
    responsesEvent(ctx, 'response.output_item.done', { output_index: 0, item: responsesMessage(ctx, fullText) }),
  ]
}

/** Each call: its item added, its arguments in deltas, arguments done, item done. */
function responsesToolEvents(ctx: ReplyContext): SseEvent[] {
  return ctx.toolCalls.flatMap((call, index) => {
    const position = { item_id: call.itemId, output_index: firstCallIndex(ctx) + index }
    return [
      responsesEvent(ctx, 'response.output_item.added', { output_index: position.output_index, item: functionCallItem(call, false) }),
      ...call.argumentPieces.map((delta) => responsesEvent(ctx, 'response.function_call_arguments.delta', { ...position, delta })),
      responsesEvent(ctx, 'response.function_call_arguments.done', { ...position, name: call.name, arguments: call.arguments }),
      responsesEvent(ctx, 'response.output_item.done', { output_index: position.output_index, item: functionCallItem(call, true) }),
    ]
  })
}

const openaiResponses: ProtocolWire = {
  deltaEvent: 'response.output_text.delta',
  head: (ctx) => [
    responsesEvent(ctx, 'response.created', { response: responseObject(ctx, null) }),
    responsesEvent(ctx, 'response.in_progress', { response: responseObject(ctx, null) }),
    ...(ctx.hasText
      ? [
          responsesEvent(ctx, 'response.output_item.added', { output_index: 0, item: responsesMessage(ctx, null) }),
          responsesEvent(ctx, 'response.content_part.added', { ...textPosition(ctx), part: outputText('') }),
        ]
      : []),
  ],
  delta: (ctx, text) => [
    responsesEvent(ctx, 'response.output_text.delta', { ...textPosition(ctx), delta: text, logprobs: [] }),
  ],
  wrongShape: (ctx) => [
    responsesEvent(ctx, 'response.output_text.delta', { ...textPosition(ctx), delta: { text: 'lost' }, logprobs: [] }),
  ],
  tools: (ctx, fullText) => [...(ctx.hasText ? responsesTextDone(ctx, fullText) : []), ...responsesToolEvents(ctx)],
  // With tool calls, `tools` already closed the message item.
  tail: (ctx, fullText) => [
    ...(ctx.hasText && ctx.toolCalls.length === 0 ? responsesTextDone(ctx, fullText) : []),
    responsesEvent(ctx, 'response.completed', { response: responseObject(ctx, fullText) }),
  ],
  complete: (ctx, fullText) => responseObject(ctx, fullText),
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicStopReason(ctx: ReplyContext): string {
  return ctx.toolCalls.length > 0 ? 'tool_use' : 'end_turn'
}

function anthropicMessage(ctx: ReplyContext, text: string | null): Json {
  const done = text !== null
  const content = done
    ? [
        ...(ctx.hasText ? [{ type: 'text', text }] : []),
        ...ctx.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown })),
      ]
    : []
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: done ? anthropicStopReason(ctx) : null,
    stop_sequence: null,
    ...(ctx.usage === 'none'
      ? {}
      : ctx.usage
        ? { usage: { input_tokens: ctx.usage.input, ...(ctx.usage.cached !== undefined ? { cache_read_input_tokens: ctx.usage.cached } : {}), output_tokens: done ? ctx.usage.output : 1 } }
        : { usage: { input_tokens: ctx.inputTokens, output_tokens: done ? countTokens(text) + ctx.toolCalls.length : 1 } }),
  }
}

/** Each call: a `tool_use` block (input {}), an empty then the real `input_json_delta` pieces, the block's stop. */
function anthropicToolEvents(ctx: ReplyContext): SseEvent[] {
  const first = ctx.hasText ? 1 : 0
  return ctx.toolCalls.flatMap((call, offset) => {
    const index = first + offset
    return [
      anthropicEvent('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      ...['', ...call.argumentPieces].map((partial_json) =>
        anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
      ),
      anthropicEvent('content_block_stop', { index }),
    ]
  })
}

/** A named Anthropic event; the event name doubles as the payload's `type`. */
function anthropicEvent(type: string, fields: Json = {}): SseEvent {
  return { event: type, data: { type, ...fields } }
}

const anthropicMessages: ProtocolWire = {
  deltaEvent: 'content_block_delta',
  head: (ctx) => [
    anthropicEvent('message_start', { message: anthropicMessage(ctx, null) }),
    ...(ctx.hasText ? [anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })] : []),
    anthropicEvent('ping'),
  ],
  delta: (_ctx, text) => [anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })],
  wrongShape: () => [anthropicEvent('content_block_delta', { index: 0, delta: 'nope' })],
  tools: (ctx) => [...(ctx.hasText ? [anthropicEvent('content_block_stop', { index: 0 })] : []), ...anthropicToolEvents(ctx)],
  // With tool calls, `tools` already closed the text block.
  tail: (ctx, fullText) => [
    ...(ctx.hasText && ctx.toolCalls.length === 0 ? [anthropicEvent('content_block_stop', { index: 0 })] : []),
    anthropicEvent('message_delta', {
      delta: { stop_reason: anthropicStopReason(ctx), stop_sequence: null },
      ...(ctx.usage === 'none' ? {} : { usage: { output_tokens: ctx.usage ? ctx.usage.output : countTokens(fullText) + ctx.toolCalls.length } }),
    }),
    anthropicEvent('message_stop'),
  ],
  complete: (ctx, fullText) => anthropicMessage(ctx, fullText),
}

export const WIRES: Record<CompletionProtocol, ProtocolWire> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
}

const ID_PREFIX: Record<CompletionProtocol, string> = {
  'openai-chat': 'chatcmpl-fake',
  'openai-responses': 'resp_fake',
  'anthropic-messages': 'msg_fake',
}

/** A fresh reply context; `serial` makes ids unique per server. */
export function newReplyContext(
  protocol: CompletionProtocol,
  body: Json,
  model: string,
  serial: number,
  toolCalls: PlannedToolCall[] = [],
  hasText = true,
  usage?: UsageSpec | 'none',
): ReplyContext {
  return {
    id: `${ID_PREFIX[protocol]}${serial}`,
    itemId: `msg_fake${serial}`,
    model,
    created: Math.floor(Date.now() / 1000),
    inputTokens: countTokens(lastUserText(protocol, body)),
    body,
    seq: 0,
    hasText,
    toolCalls,
    ...(usage !== undefined ? { usage } : {}),
  }
}
