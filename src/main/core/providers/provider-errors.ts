// Provider failures as errors a user can act on: which entry, what status, what to do. Provider-supplied text is
// shortened and scrubbed of the key before it is shown (a misbehaving server could echo it back).
import { APIError as OpenAIAPIError, APIConnectionError as OpenAIConnectionError } from 'openai'
import { APIError as AnthropicAPIError, APIConnectionError as AnthropicConnectionError } from '@anthropic-ai/sdk'
import type { RuntimeIdentity } from '../../../shared/domain'
import { KeelError } from '../errors'

export function redact(text: string, secret: string | null): string {
  if (!secret) return text
  return text.split(secret).join('[redacted]')
}

function providerDetail(err: { message?: string }, key: string | null): string {
  const raw = (err.message ?? '').replace(/\s+/g, ' ').trim()
  const clipped = raw.length > 300 ? `${raw.slice(0, 300)}…` : raw
  return redact(clipped, key)
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

export function classifyProviderError(err: unknown, id: ErrorSubject, key: string | null): KeelError {
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
