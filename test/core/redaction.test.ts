// Secrets echoed by a provider are removed in every encoding, and error text is redacted before it is clipped.
import { describe, expect, it } from 'vitest'
import { APIError } from 'openai'
import { StreamRedactor, redactSecrets } from '../../src/main/core/secrets/redaction'
import { classifyProviderError, providerSecrets, redactExcerpt } from '../../src/main/core/providers/provider-errors'
import { excerpt } from '../../src/main/core/providers/stream-shapes'

const KEY = 'sk-live-9f8E7d6C5b4A3f2e1D0c9B8a7F6e5D4c3B2a1'

/** Every form of the key a leak could take; none may survive anywhere in `text`. */
function encodingsOf(secret: string): Record<string, string> {
  const bytes = Buffer.from(secret, 'utf8')
  return {
    raw: secret,
    base64: bytes.toString('base64'),
    base64NoPad: bytes.toString('base64').replace(/=+$/, ''),
    base64url: bytes.toString('base64url'),
    hexLower: bytes.toString('hex'),
    hexUpper: bytes.toString('hex').toUpperCase(),
    percentAll: [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    uriComponent: encodeURIComponent(secret),
  }
}

function expectNoForm(text: string, secret: string) {
  for (const [name, form] of Object.entries(encodingsOf(secret))) {
    expect(text.toLowerCase(), `the ${name} form of the secret leaked`).not.toContain(form.toLowerCase())
  }
}

const subject = { entryId: 'acme', entryName: 'Acme', baseUrl: 'http://127.0.0.1:9/v1', model: 'm-1' }

/** An SDK error as the openai package builds it from a provider's 401 body. */
function apiError(status: number, message: string): APIError {
  return APIError.generate(status, { error: { message } }, undefined, new Headers())
}

describe('redactSecrets', () => {
  for (const [name, form] of Object.entries(encodingsOf(KEY))) {
    it(`removes the key echoed as ${name}`, () => {
      const out = redactSecrets(`bad credential "${form}" (rejected)`, [KEY])
      expect(out).toContain('[redacted]')
      expect(out).toContain('(rejected)')
      expectNoForm(out, KEY)
    })
  }

  it('finds a key inside a longer base64 value at every byte alignment (e.g. Basic user:key)', () => {
    for (const prefix of ['', 'u', 'us', 'user:', 'x:', '{"key":"']) {
      const whole = Buffer.from(`${prefix}${KEY}"}`, 'utf8')
      for (const encoded of [whole.toString('base64'), whole.toString('base64url')]) {
        const out = redactSecrets(`Authorization: Basic ${encoded}`, [KEY])
        expect(out, `prefix ${JSON.stringify(prefix)}`).toContain('[redacted]')
        // What is left is the prefix's and suffix's own encoding, plus at most one character mixing in key bits.
        const [before = '', after = ''] = out.replace('Authorization: Basic ', '').split('[redacted]')
        expect(before.length).toBeLessThanOrEqual(Math.ceil((prefix.length * 4) / 3) + 1)
        expect(after.replace(/=+$/, '').length).toBeLessThanOrEqual(Math.ceil((2 * 4) / 3) + 2)
      }
    }
  })

  it('removes every secret given (the key and header values), and leaves other text alone', () => {
    const token = 'tok_header_value_123456'
    const out = redactSecrets(`key=${KEY} token=${Buffer.from(token).toString('base64')} model=gpt-4o`, [KEY, token, null, ''])
    expect(out).toBe('key=[redacted] token=[redacted] model=gpt-4o')
  })

  it('non-ASCII secrets are found in their UTF-8 encodings too', () => {
    const secret = 'ключ-секрет-42'
    const out = redactSecrets(`got ${Buffer.from(secret).toString('base64')} / ${encodeURIComponent(secret)} / ${Buffer.from(secret).toString('hex')}`, [secret])
    expectNoForm(out, secret)
  })
})

describe('provider error text', () => {
  it('a key straddling the 300-character clip point is redacted whole, not shown minus its last characters', () => {
    for (let at = 270; at <= 300; at += 3) {
      const message = `${'x'.repeat(at)}${KEY} trailing text`
      const error = classifyProviderError(apiError(401, message), subject, KEY)
      expect(error.data.kind).toBe('auth')
      // No prefix of the key longer than a few characters survives the cut.
      expect(error.data.message, `key at ${at}`).not.toContain(KEY.slice(0, 8))
      expect(error.data.message).toContain('x'.repeat(50))
    }
  })

  it('every encoding of the key and of a header value is removed from a 401 body', () => {
    const header = 'hdr-secret-abcdef123456'
    const forms = [...Object.values(encodingsOf(KEY)), ...Object.values(encodingsOf(header))]
    const error = classifyProviderError(apiError(401, `You sent: ${forms.join(' ')}`), subject, providerSecrets({ headers: { 'X-Team-Token': header, 'X-Ver': '2' } }, KEY))
    expectNoForm(JSON.stringify(error.data), KEY)
    expectNoForm(JSON.stringify(error.data), header)
  })

  it('a header value too short to be a credential is not scrubbed from ordinary text', () => {
    expect(providerSecrets({ headers: { 'anthropic-version': '2023-06-01', 'x-v': '2' } }, null)).toEqual(['2023-06-01'])
    expect(providerSecrets({ headers: { 'x-v': '2' } }, KEY)).toEqual([KEY])
  })

  it('a ByteString failure (a key or header fetch cannot send) is reported without the character it names', () => {
    const err = new TypeError('Cannot convert argument to a ByteString because the character at index 7 has a value of 1082 which is greater than 255.')
    const error = classifyProviderError(err, subject, 'sk-abcdеf')
    expect(error.data.message).not.toMatch(/1082|index 7/)
    expect(error.data.message).toMatch(/character HTTP cannot carry/)
    expect(error.data.fix).toMatch(/Enter the key/)
  })
})

describe('excerpts shortened before redaction (stream problems, page titles)', () => {
  it('the start of a key cut off by an excerpt is removed too', () => {
    for (let at = 40; at <= 58; at += 2) {
      const problem = `a data line that is not JSON (${excerpt(`${'y'.repeat(at)}${KEY}`)})`
      const out = redactExcerpt(problem, KEY)
      expect(out, `key at ${at}`).not.toContain(KEY.slice(0, 4))
      expect(out).toContain('y'.repeat(20))
    }
  })

  it('text that merely ends near a clip mark is left alone', () => {
    expect(redactExcerpt(`${'z'.repeat(70)}…`, KEY)).toBe(`${'z'.repeat(70)}…`)
  })
})

describe('StreamRedactor (reply text arriving in deltas)', () => {
  const run = (deltas: string[], secrets: string[] = [KEY]) => {
    const out: string[] = []
    const r = new StreamRedactor(secrets, (t) => out.push(t))
    for (const d of deltas) r.push(d)
    r.end()
    return out
  }
  const split = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size))

  it('a key split across deltas never goes out, in any of its encodings, at any split size', () => {
    const text = `Sure. Your key is ${KEY}, or ${Buffer.from(KEY).toString('base64')} in base64, ${Buffer.from(KEY).toString('hex')} in hex. Done.`
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      const out = run(split(text, size))
      expectNoForm(out.join(''), KEY)
      for (const piece of out) expect(piece).not.toContain(KEY.slice(0, 10))
      expect(out.join('')).toMatch(/^Sure\. Your key is \[redacted\], or \[redacted\] in base64, \[redacted\] in hex\. Done\.$/)
    }
  })

  it('text without secrets passes through whole and in order', () => {
    const text = 'The quick brown fox jumps over the lazy dog; sk- is how keys start.'
    expect(run(split(text, 4)).join('')).toBe(text)
    expect(run(split(text, 4), []).join('')).toBe(text)
  })

  it('one secrets array serves a whole turn: its patterns, worked out once, redact every delta and every later call alike', () => {
    const secrets = [KEY, 'header-token-1234']
    const text = `a ${KEY} b header-token-1234 c ${Buffer.from(KEY).toString('base64')} d`
    const expected = 'a [redacted] b [redacted] c [redacted] d'
    for (let i = 0; i < 3; i++) {
      expect(redactSecrets(text, secrets)).toBe(expected)
      expect(run(split(text, 3), secrets).join('')).toBe(expected)
      expect(run(split(text, 1000), secrets).join('')).toBe(expected)
    }
  })

  it('a stream cut off in the middle of a key does not release its start', () => {
    const out = run(['Here: ', KEY.slice(0, 20)])
    expect(out.join('')).toBe('Here: [redacted]')
  })
})
