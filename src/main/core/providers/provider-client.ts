// Streams one completion through the official SDKs (openai for Chat Completions and Responses, @anthropic-ai/sdk
// for Messages). Every client option is passed explicitly so nothing leaks in from the environment
// (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, ANTHROPIC_AUTH_TOKEN, …): a request goes exactly to the
// resolved identity's base URL, with exactly the key read for it. Retries are Keel's decision, so the SDKs' are off.
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import type { ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { KeelError } from '../errors'
import { classifyProviderError, providerSecrets } from './provider-errors'

export interface WireMessage {
  role: 'user' | 'assistant'
  content: string
}

export interface StreamRequest {
  identity: RuntimeIdentity
  entry: ProviderEntry
  /** The key read from the keychain for this turn; null for entries that need none. */
  key: string | null
  messages: WireMessage[]
  signal: AbortSignal
  onDelta(text: string): void
}

const TIMEOUT_MS = 10 * 60 * 1000

// Placeholder credential for keyless entries: the SDK insists on one, and the `authorization: null` default header
// (applied after the SDK's auth headers) removes it from the request, so it never reaches the wire.
const NO_KEY = 'keel-no-key'

export function openaiClient(entry: ProviderEntry, baseUrl: string, key: string | null): OpenAI {
  return new OpenAI({
    apiKey: key ?? NO_KEY,
    baseURL: baseUrl,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: { ...(entry.headers ?? {}), ...(key === null ? { authorization: null } : {}) },
  })
}

// Anthropic's API authenticates with `x-api-key`. The SDK is given the key explicitly (so it never goes looking in
// the environment or profile files) and its own Authorization header is removed in favour of x-api-key.
export function anthropicClient(entry: ProviderEntry, baseUrl: string, key: string | null): Anthropic {
  return new Anthropic({
    apiKey: key ?? NO_KEY,
    authToken: null,
    baseURL: baseUrl,
    maxRetries: 0,
    timeout: TIMEOUT_MS,
    defaultHeaders: { ...(entry.headers ?? {}), authorization: null, 'x-api-key': key },
  })
}


async function streamOpenAIChat(req: StreamRequest): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key)
  const stream = await client.chat.completions.create({ model: req.identity.model, messages: req.messages, stream: true }, { signal: req.signal })
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content
    if (delta) req.onDelta(delta)
  }
}

async function streamOpenAIResponses(req: StreamRequest): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key)
  const stream = await client.responses.create(
    { model: req.identity.model, input: req.messages.map((m) => ({ role: m.role, content: m.content })), stream: true },
    { signal: req.signal },
  )
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') req.onDelta(event.delta)
    else if (event.type === 'error') throw KeelError.of('server', `${req.identity.entryName} reported an error mid-stream.`, { entryId: req.identity.entryId })
  }
}

async function streamAnthropic(req: StreamRequest): Promise<void> {
  const client = anthropicClient(req.entry, req.identity.baseUrl, req.key)
  const stream = await client.messages.create(
    { model: req.identity.model, max_tokens: 4096, messages: req.messages, stream: true },
    { signal: req.signal },
  )
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') req.onDelta(event.delta.text)
  }
}

/** Streams a reply; resolves when it completes, rejects with a classified KeelError (or an AbortError on Stop). */
export async function streamCompletion(req: StreamRequest): Promise<void> {
  try {
    if (req.identity.api === 'anthropic-messages') await streamAnthropic(req)
    else if (req.identity.api === 'openai-responses') await streamOpenAIResponses(req)
    else await streamOpenAIChat(req)
  } catch (err) {
    if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
    throw classifyProviderError(err, req.identity, providerSecrets(req.entry, req.key))
  }
  // The SDKs end a stream quietly when it is aborted; a stopped reply must not pass for a complete one.
  if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
}
