// Scrubs secrets out of text a provider sent back (error bodies, messages): a misbehaving or hostile server can
// echo the key, as is or encoded. Every form is removed: as is, base64 and base64url (at each of the three byte
// alignments, so a key inside a longer encoded value such as `Basic base64(user:key)` is found too), hex,
// percent-encoded and JSON-escaped. Matching ignores case: removing a little too much is harmless.

export const REDACTED = '[redacted]'

/** Shorter encoded forms would match ordinary text; the secret itself is always removed, whatever its length. */
const MIN_FORM_LENGTH = 6

const toUrlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_')

/** Base64 text that depends only on the secret's bytes when it starts `offset` bytes into a longer value. */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = []
  const whole = bytes.toString('base64')
  forms.push(whole, whole.replace(/=+$/, ''))
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64')
    // Characters before `start` mix in bytes before the secret; those from `end` on mix in bytes after it.
    const start = Math.ceil((offset * 8) / 6)
    const end = Math.floor(((offset + bytes.length) * 8) / 6)
    forms.push(encoded.slice(start, end))
  }
  return [...forms, ...forms.map(toUrlSafe)]
}

/** Every form of `secret` that is looked for. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const percentAll = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
  const encoded = [
    ...base64Forms(bytes),
    bytes.toString('hex'),
    percentAll,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
  ].filter((f) => f.length >= MIN_FORM_LENGTH)
  // Longest first, so a whole encoded value is removed before a part of it could be.
  return [...new Set([secret, ...encoded])].sort((a, b) => b.length - a.length)
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `text` with every form of every secret replaced by `[redacted]`. Empty and missing secrets are skipped. */
export function redactSecrets(text: string, secrets: Iterable<string | null | undefined>): string {
  const forms = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap(secretForms))]
  if (forms.length === 0) return text
  forms.sort((a, b) => b.length - a.length)
  return text.replace(new RegExp(forms.map(escapeRegExp).join('|'), 'gi'), REDACTED)
}
