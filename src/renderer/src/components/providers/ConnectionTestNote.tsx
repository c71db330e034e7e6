// The outcome of "Test connection", in words: what was asked (the URL, and which key: typed, stored or none) and
// what came back (the models, or the exact error as main words it, already redacted).
import type { ConnectionTestResult } from '../../../../shared/connection-test'

const KEY_TEXT: Record<ConnectionTestResult['keySource'], string> = {
  typed: 'with the key typed here',
  stored: 'with the stored key',
  none: 'without a key',
}

export function ConnectionTestNote({ result }: { result: ConnectionTestResult }) {
  const asked = `${result.url} ${KEY_TEXT[result.keySource]}`
  if (result.ok) {
    const shown = result.models.slice(0, 5).join(', ')
    const more = result.modelCount > 5 ? `, and ${result.modelCount - 5} more` : ''
    return (
      <div role="status" className="connection-test connection-test--ok" aria-label="Connection test result">
        <p className="connection-test__headline">
          Connected: {result.modelCount === 0 ? 'the server lists no models' : `${result.modelCount} model${result.modelCount === 1 ? '' : 's'} listed`}
        </p>
        {shown ? (
          <p className="connection-test__models">
            {shown}
            {more}
          </p>
        ) : null}
        <p className="connection-test__asked">Asked {asked}.</p>
      </div>
    )
  }
  return (
    <div role="alert" className="connection-test connection-test--failed" aria-label="Connection test result">
      <p className="connection-test__headline">
        Connection failed{result.status !== null ? ` (HTTP ${result.status})` : ''}
      </p>
      {result.error ? <p className="connection-test__message">{result.error.message}</p> : null}
      {result.error?.fix ? <p className="connection-test__fix">{result.error.fix}</p> : null}
      <p className="connection-test__asked">Asked {asked}.</p>
    </div>
  )
}
