// Streams one completion through the official SDKs (openai for Chat Completions and Responses, @anthropic-ai/sdk
// for Messages). Every client option is passed explicitly so nothing leaks in from the environment
// (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, ANTHROPIC_AUTH_TOKEN, …): a request goes exactly to the
// resolved identity's base URL, with exactly the key read for it. Retries are Keel's decision, so the SDKs' are off.
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import type { ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { KeelError } from '../errors'
import { classifyProviderError, providerSecrets } from './provider-errors'
import { StreamRedactor } from '../secrets/redaction'
import { StreamGuard, streamTimeoutsFor } from './stream-guard'

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


async function streamOpenAIChat(req: StreamRequest, transport: Transport): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key, transport)
  const stream = await client.chat.completions.create({ model: req.identity.model, messages: req.messages, stream: true }, { signal: req.signal })
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content
    if (delta) req.onDelta(delta)
  }
}

async function streamOpenAIResponses(req: StreamRequest, transport: Transport): Promise<void> {
  const client = openaiClient(req.entry, req.identity.baseUrl, req.key, transport)
  const stream = await client.responses.create(
    { model: req.identity.model, input: req.messages.map((m) => ({ role: m.role, content: m.content })), stream: true },
    { signal: req.signal },
  )
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') req.onDelta(event.delta)
    else if (event.type === 'error') throw KeelError.of('server', `${req.identity.entryName} reported an error mid-stream.`, { entryId: req.identity.entryId })
  }
}

async function streamAnthropic(req: StreamRequest, transport: Transport): Promise<void> {
  const client = anthropicClient(req.entry, req.identity.baseUrl, req.key, transport)
  const stream = await client.messages.create(
    { model: req.identity.model, max_tokens: 4096, messages: req.messages, stream: true },
    { signal: req.signal },
  )
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') req.onDelta(event.delta.text)
  }
}

/**
 * Streams a reply; resolves when it completes, rejects with a classified KeelError (a timeout, an unexpected
 * response or a malformed stream as the guard saw it, else what the SDK reported), or an AbortError on Stop.
 */
export async function streamCompletion(req: StreamRequest): Promise<void> {
  const secrets = providerSecrets(req.entry, req.key)
  const guard = new StreamGuard(req.identity, req.identity.api, streamTimeoutsFor(req.entry), secrets, req.signal)
  // Reply text is provider text too: a server echoing the key in it must not get it into messages or the window.
  const scrub = new StreamRedactor(secrets, req.onDelta)
  // The SDK's own timeout (it covers the headers only) stays a backstop behind the guard's first-byte timeout.
  const transport: Transport = { fetch: guard.fetch, timeoutMs: guard.timeouts.firstByteMs + 10_000 }
  const guarded: StreamRequest = { ...req, signal: guard.signal, onDelta: (text) => scrub.push(text) }
  try {
    if (req.identity.api === 'anthropic-messages') await streamAnthropic(guarded, transport)
    else if (req.identity.api === 'openai-responses') await streamOpenAIResponses(guarded, transport)
    else await streamOpenAIChat(guarded, transport)
  } catch (err) {
    scrub.end()
    if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
    throw guard.problem ?? classifyProviderError(err, req.identity, secrets)
  } finally {
    guard.dispose()
  }
  scrub.end()
  // The SDKs end a stream quietly when it is aborted (by Stop or by the guard's watchdog): neither may pass for a
  // complete reply.
  if (req.signal.aborted) throw new DOMException('Stopped', 'AbortError')
  if (guard.problem) throw guard.problem
}
