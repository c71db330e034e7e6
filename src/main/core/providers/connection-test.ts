// "Test connection" in the provider form: lists the models of an entry that may not be saved yet, with the key
// typed in the form or, without one, the key stored for the entry being edited. The answer names the URL asked,
// where the key came from (never the key) and the exact outcome: the models, or the HTTP status and the provider's
// words, redacted of the key and header values like every provider error. Nothing is cached or stored.
import { APIError as OpenAIAPIError } from 'openai'
import { APIError as AnthropicAPIError } from '@anthropic-ai/sdk'
import type { ProviderEntry } from '../../../shared/domain'
import { CONNECTION_TEST_MODELS_MAX, type ConnectionKeySource, type ConnectionTestResult } from '../../../shared/connection-test'
import { KeelError, toErrorData } from '../errors'
import { anthropicClient, openaiClient } from './provider-client'
import { classifyProviderError, providerSecrets, redact } from './provider-errors'
import { RequestDeadline } from './request-deadline'
import { streamTimeoutsFor } from './stream-guard'

/** A test is something the user waits for with the form open: it gives up sooner than a slow server might take. */
export const CONNECTION_TEST_MAX_MS = 15_000

export interface ConnectionTestInput {
  entry: ProviderEntry
  key: string | null
  keySource: ConnectionKeySource
}

function statusOf(err: unknown): number | null {
  if ((err instanceof OpenAIAPIError || err instanceof AnthropicAPIError) && typeof err.status === 'number') return err.status
  return null
}

/** The URL as asked, without its query string (a provider's list may page with one). */
function withoutQuery(url: string): string {
  const at = url.indexOf('?')
  return at < 0 ? url : url.slice(0, at)
}

export async function testConnection({ entry: given, key, keySource }: ConnectionTestInput): Promise<ConnectionTestResult> {
  const firstByteMs = Math.min(streamTimeoutsFor(given).firstByteMs, CONNECTION_TEST_MAX_MS)
  const entry: ProviderEntry = { ...given, timeouts: { ...given.timeouts, firstByteMs } }
  const secrets = providerSecrets(entry, key)
  const deadline = new RequestDeadline(entry, 'its model list')
  // The URL the SDK actually asked, so the result shows where the request went, not where Keel thinks it went.
  let asked: string | null = null
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    asked = withoutQuery(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    return deadline.fetch(input, init)
  }
  const transport = { fetch, timeoutMs: deadline.ms + 5_000 }
  const fallbackUrl = entry.api === 'anthropic-messages' ? `${entry.baseUrl.replace(/\/+$/, '')}/v1/models` : `${entry.baseUrl.replace(/\/+$/, '')}/models`
  const base = { keySource, url: fallbackUrl }
  try {
    let ids: string[]
    if (entry.api === 'anthropic-messages') {
      const page = await anthropicClient(entry, entry.baseUrl, key, transport).models.list({ limit: 1000 }, { signal: deadline.signal })
      ids = page.data.map((m) => m.id)
    } else {
      const page = await openaiClient(entry, entry.baseUrl, key, transport).models.list({ signal: deadline.signal })
      ids = page.data.map((m) => m.id).sort()
    }
    // A listing is provider text too: an id that echoes a secret is dropped, never shown.
    ids = ids.filter((id) => redact(id, secrets) === id)
    return { ...base, url: asked ?? fallbackUrl, ok: true, status: 200, models: ids.slice(0, CONNECTION_TEST_MODELS_MAX), modelCount: ids.length, error: null }
  } catch (err) {
    const url = asked ?? fallbackUrl
    const status = deadline.problem ? null : statusOf(err)
    let error: KeelError
    if (deadline.problem) error = deadline.problem
    else if (status === 404) {
      // Not "model not found": a test asks for no model. A 404 here is the models endpoint itself.
      error = KeelError.of('not-found', `"${entry.name}" answered HTTP 404 at ${url}: there is no models list there.`, {
        entryId: entry.id,
        status: 404,
        fix: 'Check the base URL (many servers expect it to end in /v1), or add a static model list to this entry.',
      })
    } else error = classifyProviderError(err, { entryId: entry.id, entryName: entry.name, baseUrl: entry.baseUrl, model: '' }, secrets)
    return { ...base, url, ok: false, status, models: [], modelCount: 0, error: toErrorData(error) }
  } finally {
    deadline.dispose()
  }
}
