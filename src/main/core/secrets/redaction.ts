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

/** The fewest characters of a secret's start, left before a clip mark, that are taken for what is left of one. */
const MIN_PARTIAL = 4
const CLIP_MARK = '…'

const lowerForms = (secrets: Iterable<string | null | undefined>) =>
  [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap(secretForms).map((f) => f.toLowerCase()))]

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
  const list = [...secrets]
  const redacted = redactSecrets(text, list)
  if (!redacted.includes(CLIP_MARK)) return redacted
  const forms = lowerForms(list)
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
  const redacted = redactSecrets(text, secrets)
  const forms = lowerForms(secrets)
  if (forms.length === 0) return redacted
  return redacted.slice(0, redacted.length - partialTail(redacted, forms, 1))
}

/**
 * Redacts a stream of text (a reply arriving in deltas) whose secrets may be split across deltas: the end of what
 * arrived is held back while it could be the start of a secret, and released, redacted, once it cannot.
 */
export class StreamRedactor {
  private readonly forms: string[]
  private pending = ''

  constructor(
    private readonly secrets: ReadonlyArray<string | null | undefined>,
    private readonly emit: (text: string) => void,
  ) {
    this.forms = lowerForms(secrets)
  }

  push(text: string): void {
    if (this.forms.length === 0) {
      if (text) this.emit(text)
      return
    }
    this.pending += text
    const hold = partialTail(this.pending, this.forms, 1)
    const ready = this.pending.slice(0, this.pending.length - hold)
    this.pending = this.pending.slice(this.pending.length - hold)
    if (ready) this.emit(redactSecrets(ready, this.secrets))
  }

  /** The stream ended (or was cut off): what is held back goes out, and the start of a secret does not. */
  end(): void {
    const rest = this.pending
    this.pending = ''
    if (!rest) return
    this.emit(rest.length >= MIN_PARTIAL ? REDACTED : redactSecrets(rest, this.secrets))
  }
}
