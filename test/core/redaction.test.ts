// Secrets echoed by a provider are removed in every encoding, and error text is redacted before it is clipped.
import { describe, expect, it } from 'vitest'
import { APIError } from 'openai'
import { StreamRedactor, redactClipped, redactSecrets, redactSoFar, secretForms, secretPatterns } from '../../src/main/core/secrets/redaction'
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

describe('every form, removed whole (mutation testing, issue #13)', () => {
  // KEY is 45 bytes, so its base64 has no padding: keys of the two other lengths have "==" and "=".
  for (const secret of [KEY, `${KEY}x`, `${KEY}xy`]) {
    it(`a ${secret.length}-byte key echoed in any encoding leaves nothing of it, not one character`, () => {
      for (const [name, form] of Object.entries(encodingsOf(secret))) {
        expect(redactSecrets(`bad credential "${form}" (rejected)`, [secret]), name).toBe('bad credential "[redacted]" (rejected)')
      }
    })
  }

  it('the forms of a secret are the secret, its base64 (whole, unpadded, and at each byte alignment), hex, percent- and JSON-encodings', () => {
    const sorted = (a: string[]) => [...a].sort()
    expect(sorted(secretForms('ab cd"'))).toEqual(sorted(['ab cd"', 'YWIgY2Qi', 'FiIGNkI', 'hYiBjZC', '616220636422', '%61%62%20%63%64%22', 'ab%20cd%22', 'ab+cd%22', 'ab cd\\"']))
    // Encoded forms shorter than 6 characters would match ordinary text ("YWIx"); the secret itself is always kept.
    expect(sorted(secretForms('ab1'))).toEqual(sorted(['ab1', '616231', '%61%62%31']))
    expect(redactSecrets('ab1 616231 YWIx', ['ab1'])).toBe('[redacted] [redacted] YWIx')
  })

  it('a secret whose base64 has "+" and "/" is found in base64url ("-" and "_") too, whole or inside a longer value', () => {
    const secret = 'pw-???>>>~~~1-token'
    const b64 = Buffer.from(secret).toString('base64')
    expect(b64).toMatch(/\+/)
    expect(b64).toMatch(/\//)
    expect(redactSecrets(`got ${Buffer.from(secret).toString('base64url')} back`, [secret])).toBe('got [redacted] back')
    for (const prefix of ['u:', 'us:', 'use:']) {
      const out = redactSecrets(`Basic ${Buffer.from(`${prefix}${secret}`).toString('base64url')}`, [secret])
      expect(out, prefix).toContain('[redacted]')
      expect(out.split('[redacted]')[1]!.length, prefix).toBeLessThanOrEqual(2)
    }
  })

  it('a byte below 0x10 (a tab in a header value) is found percent-encoded as %09, not %9', () => {
    const secret = 'team\ttoken-12345'
    const percentAll = [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
    expect(redactSecrets(`sent ${percentAll} ok`, [secret])).toBe('sent [redacted] ok')
  })

  it('a secret with quotes or backslashes is found JSON-escaped inside a JSON body', () => {
    const secret = 'pa"ss\\word-123456'
    const body = JSON.stringify({ error: { message: `bad key ${secret} given` } })
    expect(redactSecrets(body, [secret])).toBe('{"error":{"message":"bad key [redacted] given"}}')
  })

  it('regular-expression characters in a secret are matched literally', () => {
    const secret = 'k.e*y+(1)[2]{3}|4^5$6\\7?'
    expect(redactSecrets(`key ${secret} end`, [secret])).toBe('key [redacted] end')
    // Read as a pattern, the secret would match this text.
    expect(redactSecrets('key kXy1222 end', [secret])).toBe('key kXy1222 end')
  })

  it('a secret that contains another is removed whole, whichever is given first', () => {
    expect(redactSecrets('X tok-1234567-extra Y', ['tok-1234567', 'tok-1234567-extra'])).toBe('X [redacted] Y')
    expect(redactSecrets('X tok-1234567-extra Y', ['tok-1234567-extra', 'tok-1234567'])).toBe('X [redacted] Y')
  })

  it("an array's patterns are worked out once; secrets in any other iterable are read afresh each call", () => {
    const secrets = [KEY]
    expect(secretPatterns(secrets)).toBe(secretPatterns(secrets))
    const set = new Set([KEY])
    expect(redactSecrets(`a ${KEY}`, set)).toBe('a [redacted]')
    set.add('later-secret-123')
    expect(redactSecrets('b later-secret-123', set)).toBe('b [redacted]')
    expect(redactClipped(`c ${KEY}`, new Set([KEY]))).toBe('c [redacted]')
  })
})

describe('clipped and streamed text (mutation testing, issue #13)', () => {
  it('text after the last clip mark was not clipped: an ending that looks like the start of a key is kept', () => {
    expect(redactClipped('first part…keys for live mode start with sk-l', [KEY])).toBe('first part…keys for live mode start with sk-l')
    expect(redactClipped(`cut ${KEY.slice(0, 12)}…keys start with sk-l`, [KEY])).toBe('cut [redacted]…keys start with sk-l')
  })

  it('tool-call arguments so far: redacted, and cut before an end that could be the start of the key', () => {
    expect(redactSoFar(`{"key":"${KEY.slice(0, 10)}`, [KEY])).toBe('{"key":"')
    expect(redactSoFar(`{"key":"${KEY}"}`, [KEY])).toBe('{"key":"[redacted]"}')
    expect(redactSoFar(`{"key":"${KEY.slice(0, 10)}`, [])).toBe(`{"key":"${KEY.slice(0, 10)}`)
  })

  it('a whole key at the end of a delta goes out at once, as [redacted]; only a possible start is held back', () => {
    const out: string[] = []
    const r = new StreamRedactor([KEY], (t) => out.push(t))
    r.push(`Your key is ${KEY}`)
    expect(out).toEqual(['Your key is [redacted]'])
  })

  it('no empty deltas: nothing goes out while all is held back, nor at an end with nothing held; a second end() adds nothing', () => {
    const out: string[] = []
    const r = new StreamRedactor([KEY], (t) => out.push(t))
    r.push(KEY.slice(0, 6))
    expect(out).toEqual([])
    r.end()
    expect(out).toEqual(['[redacted]'])
    r.end()
    r.push(' and done')
    r.end()
    expect(out).toEqual(['[redacted]', ' and done'])

    const plain: string[] = []
    const p = new StreamRedactor([], (t) => plain.push(t))
    p.push('')
    p.push('hello')
    p.end()
    expect(plain).toEqual(['hello'])
  })

  it('a stream that ends in the first 3 characters of a key keeps them (ordinary text); 4 or more are taken for a cut-off key', () => {
    const run = (text: string) => {
      const out: string[] = []
      const r = new StreamRedactor([KEY], (t) => out.push(t))
      r.push(text)
      r.end()
      return out.join('')
    }
    expect(run('Keys start with sk-')).toBe('Keys start with sk-')
    expect(run('Here: sk-l')).toBe('Here: [redacted]')
  })
})
