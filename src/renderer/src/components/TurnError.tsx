import type { KeelErrorData } from '../../../shared/domain'

/** A failed turn: shown as an error, never as an assistant reply. */
export function TurnError({ error }: { error: KeelErrorData }) {
  return (
    <div role="alert" aria-label="Turn error" className="turn-error">
      <p className="turn-error__title">
        <span className="turn-error__kind">{errorKindLabel(error)}</span>
        {error.entryId ? <span className="turn-error__entry"> · {error.entryId}</span> : null}
      </p>
      <p className="turn-error__message">{error.message}</p>
      {error.fix ? <p className="turn-error__fix">{error.fix}</p> : null}
    </div>
  )
}

function errorKindLabel(error: KeelErrorData): string {
  const status = error.status ? ` (HTTP ${error.status})` : ''
  switch (error.kind) {
    case 'auth':
      return `Authentication failed${status}`
    case 'model-not-found':
      return `Model not found${status}`
    case 'rate-limited':
      return `Rate limited${status}`
    case 'server':
      return `Provider error${status}`
    case 'network':
      return 'Network error'
    case 'unresolved':
      return 'Not sent: this session has no usable provider'
    case 'malformed-stream':
      return 'The provider sent a malformed reply'
    case 'timeout':
      return 'The provider stopped responding'
    case 'unexpected-response':
      return `The provider did not send a reply stream${status}`
    case 'bad-request':
      return `The provider rejected the request${status}`
    default:
      return `Turn failed${status}`
  }
}
