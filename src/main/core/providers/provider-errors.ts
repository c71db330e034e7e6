// Provider failures as errors a user can act on: which entry, what status, what to do. Provider-supplied text is
// scrubbed of the key and of header values, in every encoding, and only then shortened before it is shown (a
// misbehaving server could echo a secret back; clipping first would leave the start of one that straddles the cut).
import { APIError as OpenAIAPIError, APIConnectionError as OpenAIConnectionError } from 'openai'
import { APIError as AnthropicAPIError, APIConnectionError as AnthropicConnectionError } from '@anthropic-ai/sdk'
import type { ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { KeelError } from '../errors'
import { redactClipped, redactSecrets } from '../secrets/redaction'

/** The secrets a provider could echo: a single key (older callers) or a list (key and header values). */
export type ProviderSecrets = string | null | ReadonlyArray<string | null | undefined>

/** Header values too short to be credentials are left alone, so that e.g. a version number is not scrubbed. */
const MIN_HEADER_SECRET_LENGTH = 8

/**
 * What is secret about requests to an entry: its key and its header values (headers live in config.json, but a
 * value may still be a token the user chose to put there).
 */
export function providerSecrets(entry: Pick<ProviderEntry, 'headers'>, key: string | null): string[] {
  const headerValues = Object.values(entry.headers ?? {})
    .map((v) => v.trim())
    .filter((v) => v.length >= MIN_HEADER_SECRET_LENGTH)
  return [...(key ? [key] : []), ...headerValues]
}

export function redact(text: string, secrets: ProviderSecrets): string {
  return redactSecrets(text, typeof secrets === 'string' || secrets === null ? [secrets] : secrets)
}

/** For text shortened before it could be redacted (excerpts ending in "…"): a secret cut short is removed too. */
export function redactExcerpt(text: string, secrets: ProviderSecrets): string {
  return redactClipped(text, typeof secrets === 'string' || secrets === null ? [secrets] : secrets)
}

const DETAIL_MAX = 300

function providerDetail(err: { message?: string }, secrets: ProviderSecrets): string {
  const raw = redact(redact(err.message ?? '', secrets).replace(/\s+/g, ' ').trim(), secrets)
  return raw.length > DETAIL_MAX ? `${raw.slice(0, DETAIL_MAX)}…` : raw
}

export type ErrorSubject = Pick<RuntimeIdentity, 'entryId' | 'entryName' | 'baseUrl' | 'model'>

function statusError(status: number, id: ErrorSubject, detail: string, retryAfter: string | null): KeelError {
  const who = `"${id.entryName}"`
  const extra = { entryId: id.entryId, status }
  const said = detail ? ` The provider said: ${detail}` : ''
  if (status === 401 || status === 403) {
    return KeelError.of('auth', `${who} rejected the API key (HTTP ${status}).${said}`, { ...extra, fix: `Check the key of provider entry "${id.entryName}" (${id.entryId}) in Settings.` })
  }
  if (status === 404) {
    return KeelError.of('model-not-found', `Model "${id.model}" was not found at ${who} (${id.baseUrl}) (HTTP 404).`, { ...extra, fix: 'Pick a model this provider lists, or check the entry\'s base URL.' })
  }
  if (status === 429) {
    const wait = retryAfter ? ` The provider asks to wait ${retryAfter} s.` : ''
    const seconds = retryAfter !== null ? Number(retryAfter) : NaN
    const error = KeelError.of('rate-limited', `${who} is rate limiting requests (HTTP 429).${wait}`, { ...extra, fix: 'Wait a moment, then send again; check the plan or quota of this key if it persists.' })
    error.retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 600) * 1000 : null
    return error
  }
  if (status >= 500) {
    return KeelError.of('server', `${who} had a server error (HTTP ${status}).${said}`, { ...extra, fix: 'Try again in a moment; if it persists, check the provider\'s status page.' })
  }
  return KeelError.of('bad-request', `${who} refused the request (HTTP ${status}).${said}`, { ...extra, fix: 'Check the model id and the entry\'s API type in Settings.' })
}

export function classifyProviderError(err: unknown, id: ErrorSubject, key: ProviderSecrets): KeelError {
  if (err instanceof KeelError) return err
  if (err instanceof OpenAIConnectionError || err instanceof AnthropicConnectionError) {
    return KeelError.of('network', `Could not reach "${id.entryName}" at ${id.baseUrl}.`, { entryId: id.entryId, fix: 'Check that the server is running and the base URL is right, and your network connection.' })
  }
  if ((err instanceof OpenAIAPIError || err instanceof AnthropicAPIError) && typeof err.status === 'number') {
    const headers = err.headers as Headers | undefined
    const retryAfter = headers && typeof headers.get === 'function' ? headers.get('retry-after') : null
    const body = (err as { error?: { message?: string; error?: { message?: string } } }).error
    const message = body?.error?.message ?? body?.message ?? ''
    return statusError(err.status, id, providerDetail({ message }, key), retryAfter)
  }
  const text = err instanceof Error ? err.message : String(err)
  // fetch refuses a header value outside Latin-1 before sending ("Cannot convert argument to a ByteString because
  // the character at index 7 has a value of 1082"): that text describes a character of the key, so it is not shown.
  if (err instanceof TypeError && /ByteString|header/i.test(text)) {
    return KeelError.of('invalid-input', `The API key or a header of "${id.entryName}" contains a character HTTP cannot carry, so nothing was sent.`, {
      entryId: id.entryId,
      fix: `Enter the key of provider entry "${id.entryName}" (${id.entryId}) again in Settings, and check its headers.`,
    })
  }
  // What breaks while reading a 200 stream: unparsable JSON or SSE framing, or a body cut off mid-message.
  if (err instanceof SyntaxError || /JSON|parse|stream|SSE|unexpected (end|token)|terminated/i.test(text)) {
    return KeelError.of('malformed-stream', `"${id.entryName}" sent a response Keel could not read (malformed stream).`, {
      entryId: id.entryId,
      fix: 'Try again; if it persists, check that the entry\'s API type matches what the server speaks.',
    })
  }
  return KeelError.of('network', `The request to "${id.entryName}" at ${id.baseUrl} failed: ${providerDetail({ message: text }, key)}`, {
    entryId: id.entryId,
    fix: 'Check the entry\'s base URL and API type in Settings, and your network connection.',
  })
}
