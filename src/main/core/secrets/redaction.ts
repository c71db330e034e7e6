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

/**
 * Every form of a set of secrets, worked out once: the encodings and the pattern are what costs, and a reply
 * streams as thousands of small deltas redacted with the same secrets (one turn's), so each delta must cost only
 * its own length.
 */
export class SecretPatterns {
  /** Every form, lower-cased (matching ignores case), longest first. */
  readonly lowerForms: readonly string[]
  private readonly pattern: RegExp | null

  constructor(secrets: Iterable<string | null | undefined>) {
    const forms = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap(secretForms))]
    forms.sort((a, b) => b.length - a.length)
    this.pattern = forms.length === 0 ? null : new RegExp(forms.map(escapeRegExp).join('|'), 'gi')
    this.lowerForms = [...new Set(forms.map((f) => f.toLowerCase()))]
  }

  get empty(): boolean {
    return this.pattern === null
  }

  /** `text` with every form replaced by `[redacted]`. (replace() with a global pattern starts from 0 each call.) */
  redact(text: string): string {
    return this.pattern === null || text === '' ? text : text.replace(this.pattern, REDACTED)
  }

  /** How many characters at the end of `text` are the start (not the whole) of some form: at least `min`, else 0. */
  partialTail(text: string, min: number): number {
    return partialTail(text, this.lowerForms, min)
  }
}

// A turn passes the same secrets array to every call (provider-client makes it once per request): its patterns are
// kept with it, and go when it does (nothing here outlives the turn's own reference to its key).
const compiled = new WeakMap<object, SecretPatterns>()

/** The patterns for `secrets`, worked out once per array. */
export function secretPatterns(secrets: Iterable<string | null | undefined>): SecretPatterns {
  if (!Array.isArray(secrets)) return new SecretPatterns(secrets)
  let found = compiled.get(secrets)
  if (!found) {
    found = new SecretPatterns(secrets)
    compiled.set(secrets, found)
  }
  return found
}

/** `text` with every form of every secret replaced by `[redacted]`. Empty and missing secrets are skipped. */
export function redactSecrets(text: string, secrets: Iterable<string | null | undefined>): string {
  return secretPatterns(secrets).redact(text)
}

/** The fewest characters of a secret's start, left before a clip mark, that are taken for what is left of one. */
const MIN_PARTIAL = 4
const CLIP_MARK = '…'

/** How many characters at the end of `text` are the start (not the whole) of some form: at least `min`, else 0. */
function partialTail(text: string, forms: readonly string[], min: number): number {
  const lower = text.toLowerCase()
  let best = 0
  for (const form of forms) {
    for (let k = Math.min(form.length - 1, lower.length); k >= min && k > best; k--) {
      if (lower.charCodeAt(lower.length - k) === form.charCodeAt(0) && lower.endsWith(form.slice(0, k))) {
        best = k
        break
      }
    }
  }
  return best
}

/**
 * Like redactSecrets, for text that may have been clipped before it got here (excerpts end in "…"): the start of a
 * secret that the clip cut short is removed too, since it no longer matches the whole form.
 */
export function redactClipped(text: string, secrets: Iterable<string | null | undefined>): string {
  const patterns = secretPatterns(Array.isArray(secrets) ? secrets : [...secrets])
  const redacted = patterns.redact(text)
  if (!redacted.includes(CLIP_MARK)) return redacted
  const forms = patterns.lowerForms
  if (forms.length === 0) return redacted
  const parts = redacted.split(CLIP_MARK)
  return parts
    .map((part, i) => {
      if (i === parts.length - 1) return part
      const cut = partialTail(part, forms, MIN_PARTIAL)
      return cut > 0 ? `${part.slice(0, part.length - cut)}${REDACTED}` : part
    })
    .join(CLIP_MARK)
}

/**
 * For text that is still arriving and is shown whole-so-far each time (a tool call's arguments as they stream):
 * redacted, and cut before an end that could be the start of a secret (the rest of it may arrive next).
 */
export function redactSoFar(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  const patterns = secretPatterns(secrets)
  const redacted = patterns.redact(text)
  if (patterns.empty) return redacted
  return redacted.slice(0, redacted.length - patterns.partialTail(redacted, 1))
}

/**
 * Redacts a stream of text (a reply arriving in deltas) whose secrets may be split across deltas: the end of what
 * arrived is held back while it could be the start of a secret, and released, redacted, once it cannot.
 */
export class StreamRedactor {
  private readonly patterns: SecretPatterns
  private pending = ''

  constructor(
    secrets: ReadonlyArray<string | null | undefined>,
    private readonly emit: (text: string) => void,
  ) {
    this.patterns = secretPatterns(secrets)
  }

  push(text: string): void {
    if (this.patterns.empty) {
      if (text) this.emit(text)
      return
    }
    // Only what is held back (shorter than the longest form) is looked at again: the cost is the new text's.
    this.pending += text
    const hold = this.patterns.partialTail(this.pending, 1)
    const ready = this.pending.slice(0, this.pending.length - hold)
    this.pending = this.pending.slice(this.pending.length - hold)
    if (ready) this.emit(this.patterns.redact(ready))
  }

  /** The stream ended (or was cut off): what is held back goes out, and the start of a secret does not. */
  end(): void {
    const rest = this.pending
    this.pending = ''
    if (!rest) return
    this.emit(rest.length >= MIN_PARTIAL ? REDACTED : this.patterns.redact(rest))
  }
}
