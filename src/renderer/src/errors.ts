// Errors the UI can render: what happened (`message`) and what to do next (`fix`). Components catch these from
// `call()` and show both; they never show a stack trace.
import type { KeelErrorData } from '../../shared/domain'

export class KeelUiError extends Error {
  readonly data: KeelErrorData

  constructor(data: KeelErrorData) {
    super(data.message)
    this.name = 'KeelUiError'
    this.data = data
  }

  get fix(): string | undefined {
    return this.data.fix
  }

  get kind(): KeelErrorData['kind'] {
    return this.data.kind
  }
}

export const LOST_CONNECTION: KeelErrorData = {
  kind: 'network',
  message: 'Lost connection to Keel',
  fix: 'Reload the window',
}

/** Turns anything thrown into renderable error data (a KeelUiError keeps its kind, fix and field). */
export function toErrorData(error: unknown): KeelErrorData {
  if (error instanceof KeelUiError) return error.data
  const message = error instanceof Error ? error.message : String(error)
  return { kind: 'internal', message: message || 'Something went wrong', fix: 'Try again; if it keeps happening, reload the window' }
}
