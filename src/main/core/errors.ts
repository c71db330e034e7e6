// Errors are values the UI can render: a kind, what they concern, and what to do next (STYLE.md).
// A KeelError's text is written by Keel, never copied from a request, so it cannot carry a secret.
import type { KeelErrorData, KeelErrorKind } from '../../shared/domain'

export class KeelError extends Error {
  readonly data: KeelErrorData
  /** For rate limits: how long the provider asked to wait (drives the credential's cooldown). */
  retryAfterMs: number | null = null

  constructor(data: KeelErrorData) {
    super(data.message)
    this.name = 'KeelError'
    this.data = data
  }

  static of(kind: KeelErrorKind, message: string, extra: Omit<KeelErrorData, 'kind' | 'message'> = {}): KeelError {
    return new KeelError({ kind, message, ...extra })
  }
}

/** Any thrown value as renderable error data; unknown errors say only that something failed, not their text. */
export function toErrorData(err: unknown): KeelErrorData {
  if (err instanceof KeelError) return err.data
  return {
    kind: 'internal',
    message: 'Keel hit an unexpected error.',
    fix: 'Try again; if it keeps happening, run `npm run doctor` and report what it prints.',
  }
}
