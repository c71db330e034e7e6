// Streams one completion through the official SDKs (openai for Chat Completions and Responses, @anthropic-ai/sdk
// for Messages). Every client option is passed explicitly so nothing leaks in from the environment
// (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, ANTHROPIC_AUTH_TOKEN, …): a request goes exactly to the
// resolved identity's base URL, with exactly the key read for it. Retries are Keel's decision, so the SDKs' are off.
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import type { ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { KeelError } from '../errors'
import { classifyProviderError, providerSecrets, redact } from './provider-errors'
import { redactSoFar, StreamRedactor } from '../secrets/redaction'
import { StreamGuard, streamTimeoutsFor } from './stream-guard'
import { hasImages } from '../attachments/attachment-wire'
import {
  anthropicMessages,
  anthropicTools,
  chatMessages,
  chatTools,
  pairToolHistory,
  parseArguments,
  responsesInput,
  responsesTools,
  ToolCallAssembler,
  type CompletedToolCall,
  type WireMessage,
  type WireToolDefinition,
} from './tool-wire'

export type { WireMessage } from './tool-wire'
import { anthropicUsage, chatUsage, responsesUsage, type ReportedUsage } from '../usage/reported-usage'

export interface StreamRequest {
  identity: RuntimeIdentity
  entry: ProviderEntry
  /** The key read from the keychain for this turn; null for entries that need none. */
  key: string | null
  messages: WireMessage[]
  signal: AbortSignal
  onDelta(text: string): void
  /** Tools offered to the model; absent or empty sends exactly the request of a plain chat. */
  tools?: WireToolDefinition[]
  /** A tool call began streaming (its arguments follow). */
  onToolCallStart?(call: { id: string; name: string }): void
  /** More of a tool call's arguments arrived: the text so far (redacted of the entry's secrets). */
  onToolCallArguments?(call: ToolCallSoFar): void
  /** The session's agent profile: its instructions and the parameters it sets; absent or empty adds nothing. */
  profile?: RequestProfile
  /**
   * The provider reported usage (token counts as its API names them, read by usage/reported-usage.ts). Called as
   * reports arrive (Anthropic reports input at the start and output at the end), so a step cut short keeps what
   * was reported before; fields absent from a report are not in the object.
   */
  onUsage?(usage: Partial<ReportedUsage>): void
}

/**
 * What a session's agent profile adds to each request. Only what the profile sets goes on the wire (no default
 * temperature is invented); empty instructions send no system prompt, so a Chat session's request is unchanged.
 */
export interface RequestProfile {
  instructions?: string
  temperature?: number
  maxOutputTokens?: number
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high'
}

/** Anthropic's Messages API requires max_tokens; this is sent when the profile does not set one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096

/** A tool call while its arguments stream; `index` is its position in the reply. */
export interface ToolCallSoFar {
  index: number
  id: string
  name: string
  argumentsSoFar: string
}

/** How a completed stream ended: the tool calls the model made (none for a plain answer). */
export interface StreamOutcome {
  toolCalls: CompletedToolCall[]
}

const TIMEOUT_MS = 10 * 60 * 1000

/** How a streaming request travels: through its stream guard's fetch, with the SDK's own timeout as a backstop. */
export interface Transport {
  fetch: StreamGuard['fetch']
  timeoutMs: number
}


// Placeholder credential for keyless entries: the SDK insists on one, and the `authorization: null` default header
// (applied after the SDK's auth headers) removes it from the request, so it never reaches the wire.
const NO_KEY = 'keel-no-key'

export function openaiClient(entry: ProviderEntry, baseUrl: string, key: string | null, transport?: Transport): OpenAI {
  return new OpenAI({
    ...(transport ? { fetch: transport.fetch } : {}),
    apiKey: key ?? NO_KEY,
    baseURL: baseUrl,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: transport?.timeoutMs ?? TIMEOUT_MS,
    defaultHeaders: { ...(entry.headers ?? {}), ...(key === null ? { authorization: null } : {}) },
  })
}

// Anthropic's API authenticates with `x-api-key`. The SDK is given the key explicitly (so it never goes looking in
// the environment or profile files) and its own Authorization header is removed in favour of x-api-key.
export function anthropicClient(entry: ProviderEntry, baseUrl: string, key: string | null, transport?: Transport): Anthropic {
  return new Anthropic({
    ...(transport ? { fetch: transport.fetch } : {}),
    apiKey: key ?? NO_KEY,
    authToken: null,
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: transport?.timeoutMs ?? TIMEOUT_MS,
    defaultHeaders: { ...(entry.headers ?? {}), authorization: null, 'x-api-key': key },
  })
}


function reportArguments(req: StreamRequest, calls: ToolCallAssembler, key: string | number): void {
  if (!req.onToolCallArguments) return
  const c = calls.partial(key)
  if (c) req.onToolCallArguments({ index: calls.indexOf(key), id: c.id, name: c.name, argumentsSoFar: c.args })
}

const instructionsOf = (req: StreamRequest): string | null => (req.profile?.instructions?.trim() ? req.profile.instructions : null)

/** Chat Completions: a system message first; OpenAI's own API takes max_completion_tokens (its reasoning models
 *  refuse max_tokens), while compatible servers (Ollama, LM Studio, OpenRouter, …) know max_tokens. */
export function chatCompletionsBody(req: StreamRequest): Record<string, unknown> {
  const p = req.profile ?? {}
  const instructions = instructionsOf(req)
  const messages = [...(instructions ? [{ role: 'system', content: instructions }] : []), ...chatMessages(req.messages)]
  return {
    model: req.identity.model,
    messages,
    ...(req.tools && req.tools.length > 0 ? { tools: chatTools(req.tools) } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.maxOutputTokens !== undefined ? { [req.entry.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens']: p.maxOutputTokens } : {}),
    ...(p.reasoningEffort !== undefined ? { reasoning_effort: p.reasoningEffort } : {}),
    stream: true as const,
    // Without it a streamed Chat Completion reports no usage at all (the last chunk carries it when asked).
    stream_options: { include_usage: true },
  }
}

/** Responses: the instructions field, max_output_tokens and reasoning.effort. */
export function responsesBody(req: StreamRequest): Record<string, unknown> {
  const p = req.profile ?? {}
  const instructions = instructionsOf(req)
  return {
    model: req.identity.model,
    ...(instructions ? { instructions } : {}),
    input: responsesInput(req.messages),
    ...(req.tools && req.tools.length > 0 ? { tools: responsesTools(req.tools) } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.maxOutputTokens !== undefined ? { max_output_tokens: p.maxOutputTokens } : {}),
    ...(p.reasoningEffort !== undefined ? { reasoning: { effort: p.reasoningEffort } } : {}),
    stream: true as const,
  }
}

/**
 * Anthropic Messages: `system`, and max_tokens from the profile or Keel's default (the API requires it). Reasoning
 * effort is not sent: Anthropic has no effort parameter, only extended-thinking budgets (`thinking.budget_tokens`,
 * which must stay below max_tokens and constrain temperature), a different knob than the profile's setting.
 */
export function anthropicBody(req: StreamRequest): Record<string, unknown> {
  const p = req.profile ?? {}
  const instructions = instructionsOf(req)
  return {
    model: req.identity.model,
    max_tokens: p.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    ...(instructions ? { system: instructions } : {}),
    // PDFs whole as `document` blocks on Anthropic's own API; Anthropic-compatible servers get their text.
    messages: anthropicMessages(req.messages, { pdfDocuments: req.entry.kind === 'anthropic' }),
    ...(req.tools && req.tools.length > 0 ? { tools: anthropicTools(req.tools) } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    stream: true as const,
  }
}

async function streamOpenAIChat(req: StreamRequest, transport: Transport, calls: ToolCallAssembler): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key, transport)
  const body = chatCompletionsBody(req)
  const stream = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal: req.signal })
  for await (const chunk of stream) {
    if (chunk.usage) req.onUsage?.(chatUsage(chunk.usage))
    const delta = chunk.choices[0]?.delta
    if (delta?.content) req.onDelta(delta.content)
    for (const call of delta?.tool_calls ?? []) {
      const before = calls.size
      calls.chatDelta(call.index, call)
      if (calls.size > before) req.onToolCallStart?.({ id: call.id ?? '', name: call.function?.name ?? '' })
      if (call.function?.arguments) reportArguments(req, calls, call.index)
    }
  }
}

async function streamOpenAIResponses(req: StreamRequest, transport: Transport, calls: ToolCallAssembler): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key, transport)
  const body = responsesBody(req)
  const stream = await client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsStreaming, { signal: req.signal })
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') req.onDelta(event.delta)
    else if (event.type === 'response.output_item.added' && event.item.type === 'function_call') {
      calls.start(event.item.id ?? event.output_index, event.item.call_id, event.item.name, event.item.arguments ?? '')
      req.onToolCallStart?.({ id: event.item.call_id, name: event.item.name })
    } else if (event.type === 'response.function_call_arguments.delta') {
      calls.append(event.item_id, event.delta)
      reportArguments(req, calls, event.item_id)
    }
    else if (event.type === 'response.output_item.done' && event.item.type === 'function_call') calls.complete(event.item.id ?? event.output_index, event.item.arguments)
    else if ((event.type === 'response.completed' || event.type === 'response.incomplete') && event.response.usage) req.onUsage?.(responsesUsage(event.response.usage))
    else if (event.type === 'error') throw KeelError.of('server', `${req.identity.entryName} reported an error mid-stream.`, { entryId: req.identity.entryId })
  }
}

async function streamAnthropic(req: StreamRequest, transport: Transport, calls: ToolCallAssembler): Promise<void> {
  const client = anthropicClient(req.entry, req.identity.baseUrl, req.key, transport)
  const body = anthropicBody(req)
  const stream = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsStreaming, { signal: req.signal })
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') req.onDelta(event.delta.text)
    else if (event.type === 'message_start') req.onUsage?.(anthropicUsage(event.message.usage, 'message_start'))
    else if (event.type === 'message_delta') req.onUsage?.(anthropicUsage(event.usage, 'message_delta'))
    else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      calls.start(event.index, event.content_block.id, event.content_block.name)
      req.onToolCallStart?.({ id: event.content_block.id, name: event.content_block.name })
    } else if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
      calls.append(event.index, event.delta.partial_json)
      if (event.delta.partial_json) reportArguments(req, calls, event.index)
    }
  }
}

/**
 * Streams a reply; resolves when it completes, rejects with a classified KeelError (a timeout, an unexpected
 * response or a malformed stream as the guard saw it, else what the SDK reported), or an AbortError on Stop.
 */
export async function streamCompletion(req: StreamRequest): Promise<StreamOutcome> {
  const secrets = providerSecrets(req.entry, req.key)
  const guard = new StreamGuard(req.identity, req.identity.api, streamTimeoutsFor(req.entry), secrets, req.signal)
  // Reply text is provider text too: a server echoing the key in it must not get it into messages or the window.
  const scrub = new StreamRedactor(secrets, req.onDelta)
  // The SDK's own timeout (it covers the headers only) stays a backstop behind the guard's first-byte timeout.
  const transport: Transport = { fetch: guard.fetch, timeoutMs: guard.timeouts.firstByteMs + 10_000 }
  // Invariant 13: whatever history the caller built, every call goes with its result and every result with its call.
  const messages: WireMessage[] = pairToolHistory(req.messages)
  const guarded: StreamRequest = { ...req, messages, signal: guard.signal, onDelta: (text) => scrub.push(text) }
  // Arguments shown while they stream are provider text too: redacted, and never ending in the start of a key.
  if (req.onToolCallArguments) {
    const report = req.onToolCallArguments
    guarded.onToolCallArguments = (c) => report({ ...c, name: redact(c.name, secrets), argumentsSoFar: redactSoFar(c.argumentsSoFar, secrets) })
  }
  const calls = new ToolCallAssembler()
  try {
    if (req.identity.api === 'anthropic-messages') await streamAnthropic(guarded, transport, calls)
    else if (req.identity.api === 'openai-responses') await streamOpenAIResponses(guarded, transport, calls)
    else await streamOpenAIChat(guarded, transport, calls)
  } catch (err) {
    scrub.end()
    if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
    const problem = guard.problem ?? classifyProviderError(err, req.identity, secrets)
    throw hasImages(messages) ? imageRefusal(problem, req.identity) : problem
  } finally {
    guard.dispose()
  }
  scrub.end()
  // The SDKs end a stream quietly when it is aborted (by Stop or by the guard's watchdog): neither may pass for a
  // complete reply.
  if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
  if (guard.problem) throw guard.problem
  // Tool calls are provider text too: a server echoing the key in a call's arguments must not get it into the
  // ledger, the window or the next request. (Arguments are JSON text; a redacted key stays inside its string.)
  return { toolCalls: calls.done().map((c) => redactCall(c, secrets)) }
}

/**
 * A request with images that the provider refused because of them (its error names images): said as the model not
 * accepting images, with the provider's own (redacted) words kept. Models whose list reports their input types are
 * refused before sending instead (attachments/image-input.ts).
 */
function imageRefusal(problem: KeelError, id: RuntimeIdentity): KeelError {
  if (problem.data.kind !== 'bad-request' || !/image|vision|multimodal|modalit/i.test(problem.data.message)) return problem
  const said = problem.data.message.replace(/^.*?\(HTTP \d+\)\.\s*/, '')
  return KeelError.of('bad-request', `${id.model} on ${id.entryName} does not accept images (HTTP ${problem.data.status ?? 400}).${said ? ` ${said}` : ''}`, {
    entryId: id.entryId,
    ...(problem.data.status !== undefined ? { status: problem.data.status } : {}),
    fix: 'Remove the image and send again, or pick a model that accepts images.',
  })
}

function redactCall(call: CompletedToolCall, secrets: ReturnType<typeof providerSecrets>): CompletedToolCall {
  const argumentsJson = redact(call.argumentsJson, secrets)
  const name = redact(call.name, secrets)
  if (argumentsJson === call.argumentsJson && name === call.name) return call
  const parsed = parseArguments(argumentsJson)
  return { ...call, name, argumentsJson, arguments: parsed.arguments, argumentsProblem: parsed.problem }
}
