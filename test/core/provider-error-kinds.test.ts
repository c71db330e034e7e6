// Which error a provider failure becomes: the kind decides what the UI offers (Settings for a key, a model list for
// a 404, a wait for a 429), so each status boundary is pinned here with the SDKs' own error objects. Written to
// kill the mutants `npm run mutate` found surviving in provider-errors.ts (docs/mutation.md).
import { describe, expect, it } from 'vitest'
import { APIConnectionError as OpenAIConnectionError, APIError as OpenAIAPIError, APIUserAbortError } from 'openai'
import { APIError as AnthropicAPIError } from '@anthropic-ai/sdk'
import { KeelError } from '../../src/main/core/errors'
import { classifyProviderError, providerSecrets, redactExcerpt } from '../../src/main/core/providers/provider-errors'

const subject = { entryId: 'acme', entryName: 'Acme', baseUrl: 'https://api.acme.test/v1', model: 'acme-1' }
const KEY = 'sk-keeltest-kinds-0123456789abcdef'

/** An SDK error as the openai package builds it from a provider's error response. */
function openaiError(status: number, message?: string, headers: Record<string, string> = {}) {
  return OpenAIAPIError.generate(status, message === undefined ? undefined : { error: { message } }, undefined, new Headers(headers))
}
/** The same from the Anthropic SDK, whose body nests the message one level deeper. */
function anthropicError(status: number, message: string) {
  return AnthropicAPIError.generate(status, { type: 'error', error: { type: 'x', message } }, undefined, new Headers())
}
const classify = (err: unknown, key: string | null = KEY) => classifyProviderError(err, subject, key)

describe('provider error kinds', () => {
  for (const status of [401, 403]) {
    it(`HTTP ${status} is an auth error naming the entry, its id and where to fix the key`, () => {
      const e = classify(openaiError(status, 'invalid api key'))
      expect(e.data.kind).toBe('auth')
      expect(e.message).toBe(`"Acme" rejected the API key (HTTP ${status}). The provider said: invalid api key`)
      expect(e.data.fix).toBe('Check the key of provider entry "Acme" (acme) in Settings.')
      expect(e.data).toMatchObject({ entryId: 'acme', status })
    })
  }

  it('HTTP 404 names the model and the base URL', () => {
    const e = classify(openaiError(404, 'no such model'))
    expect(e.data.kind).toBe('model-not-found')
    expect(e.message).toBe('Model "acme-1" was not found at "Acme" (https://api.acme.test/v1) (HTTP 404).')
    expect(e.data.fix).toMatch(/Pick a model this provider lists/)
  })

  it('HTTP 5xx is a server error; 499 and other 4xx are a refused request', () => {
    for (const status of [500, 502, 599]) expect(classify(openaiError(status, 'boom')).data.kind).toBe('server')
    expect(classify(openaiError(500, 'boom')).message).toBe('"Acme" had a server error (HTTP 500). The provider said: boom')
    for (const status of [400, 422, 499]) expect(classify(openaiError(status, 'bad')).data.kind).toBe('bad-request')
    const e = classify(openaiError(400, 'bad'))
    expect(e.message).toBe('"Acme" refused the request (HTTP 400). The provider said: bad')
    expect(e.data.fix).toMatch(/model id and the entry's API type/)
  })

  it('without a provider message the error says nothing about what the provider said', () => {
    expect(classify(openaiError(500)).message).toBe('"Acme" had a server error (HTTP 500).')
    expect(classify(openaiError(401, '   ')).message).toBe('"Acme" rejected the API key (HTTP 401).')
  })

  it('Anthropic errors are read from their nested body', () => {
    const e = classify(anthropicError(401, 'invalid x-api-key'))
    expect(e.data.kind).toBe('auth')
    expect(e.message).toContain('The provider said: invalid x-api-key')
  })

  describe('429 and Retry-After', () => {
    const wait = (retryAfter?: string) => classify(openaiError(429, 'slow down', retryAfter === undefined ? {} : { 'retry-after': retryAfter }))
    it('a number of seconds becomes the cooldown and is said', () => {
      const e = wait('7')
      expect(e.data.kind).toBe('rate-limited')
      expect(e.retryAfterMs).toBe(7000)
      expect(e.message).toBe('"Acme" is rate limiting requests (HTTP 429). The provider asks to wait 7 s.')
    })
    it('the cooldown is capped at 10 minutes', () => {
      expect(wait('600').retryAfterMs).toBe(600_000)
      expect(wait('86400').retryAfterMs).toBe(600_000)
    })
    it('no header, zero, negative or unparsable values start no cooldown', () => {
      const none = wait()
      expect(none.retryAfterMs).toBeNull()
      expect(none.message).toBe('"Acme" is rate limiting requests (HTTP 429).')
      for (const v of ['0', '-5', 'Wed, 21 Oct 2099 07:28:00 GMT', 'soon']) expect(wait(v).retryAfterMs).toBeNull()
    })
  })

  describe('the provider detail', () => {
    it('collapses whitespace and never carries the key', () => {
      const e = classify(openaiError(401, `  bad key\n\n  ${KEY}\t(rejected)  `))
      expect(e.message).toBe('"Acme" rejected the API key (HTTP 401). The provider said: bad key [redacted] (rejected)')
    })
    it('is clipped after 300 characters, with an ellipsis only when clipped', () => {
      const exactly = 'x'.repeat(300)
      expect(classify(openaiError(500, exactly)).message).toBe(`"Acme" had a server error (HTTP 500). The provider said: ${exactly}`)
      expect(classify(openaiError(500, `${exactly}yz`)).message).toBe(`"Acme" had a server error (HTTP 500). The provider said: ${exactly}…`)
    })
    it('without a key nothing is redacted', () => {
      expect(classify(openaiError(500, 'plain text'), null).message).toContain('The provider said: plain text')
    })
  })

  it('a KeelError passes through unchanged', () => {
    const own = KeelError.of('unresolved', 'x')
    expect(classify(own)).toBe(own)
  })

  it('an unreachable server is a network error naming the URL', () => {
    const e = classify(new OpenAIConnectionError({ message: 'Connection error.' }))
    expect(e.data.kind).toBe('network')
    expect(e.message).toBe('Could not reach "Acme" at https://api.acme.test/v1.')
    expect(e.data.fix).toMatch(/server is running/)
    expect(e.data).toMatchObject({ entryId: 'acme' })
  })

  it('a broken stream is a malformed-stream error; any other failure is a network error with the key scrubbed', () => {
    for (const err of [new SyntaxError('Unexpected token'), new Error('Could not parse SSE event'), new Error('terminated'), new Error('unexpected end of JSON input')]) {
      expect(classify(err).data.kind).toBe('malformed-stream')
    }
    const malformed = classify(new Error('terminated'))
    expect(malformed.message).toBe('"Acme" sent a response Keel could not read (malformed stream).')
    expect(malformed.data).toMatchObject({ entryId: 'acme', fix: expect.stringMatching(/API type matches what the server speaks/) })
    const other = classify(new Error(`socket hang up (auth ${KEY})`))
    expect(other.data.kind).toBe('network')
    expect(other.message).toBe('The request to "Acme" at https://api.acme.test/v1 failed: socket hang up (auth [redacted])')
    expect(other.data.fix).toMatch(/base URL and API type/)
    expect(classify('a thrown string').data.kind).toBe('network')
  })

  it('only a TypeError about a header is a key HTTP cannot carry; other TypeErrors and header texts are not', () => {
    expect(classify(new TypeError('fetch failed')).data.kind).toBe('network')
    expect(classify(new Error('missing header x-request-id')).data.kind).toBe('network')
  })

  it('an SDK error without an HTTP status is not read as one', () => {
    expect(classify(new APIUserAbortError()).data.kind).toBe('network')
  })
})

describe('what counts as a secret of an entry', () => {
  it('the key and header values of 8 characters or more, trimmed', () => {
    expect(providerSecrets({ headers: { 'X-Token': '  12345678  ', 'X-Version': '1234567' } }, 'sk-k')).toEqual(['sk-k', '12345678'])
    expect(providerSecrets({}, null)).toEqual([])
  })
  it('an excerpt is scrubbed of the key given as a single string, and nothing else is touched', () => {
    expect(redactExcerpt('plain words', KEY)).toBe('plain words')
    expect(redactExcerpt('plain words', null)).toBe('plain words')
    expect(redactExcerpt(`said ${KEY}`, KEY)).toBe('said [redacted]')
  })
})
