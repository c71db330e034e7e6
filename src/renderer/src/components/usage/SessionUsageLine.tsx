// The session header's usage: the session's totals (tokens as reported, cost or "cost unknown"), and, when the
// session used several identities (entry + model), the same per identity in a disclosure.
import { useLiveQuery } from '../../hooks/useLiveQuery'
import { formatRowCost, formatTokenLine, totalOf } from '../../lib/usageFormat'

export function SessionUsageLine({ sessionId }: { sessionId: string }) {
  // A turn's end is a 'sessions' event: the totals follow each reply.
  const { data } = useLiveQuery('usage.session', { id: sessionId }, { refreshOn: ['sessions'] })
  const rows = data?.rows ?? []
  if (rows.length === 0) return null
  const total = totalOf(rows)
  // Steps whose provider reported nothing are said, so a partial sum never passes for the whole.
  const unreported = total.unreportedSteps > 0 ? ` · ${total.unreportedSteps} of ${total.steps} step(s) not reported` : ''
  const line = `Session usage: ${formatTokenLine(total)}${unreported} · ${formatRowCost(total)}`
  if (rows.length === 1) {
    return (
      <p className="session-usage" data-testid="session-usage">
        {line}
      </p>
    )
  }
  return (
    <details className="session-usage" data-testid="session-usage">
      <summary>
        {line} · {rows.length} identities
      </summary>
      <ul className="session-usage__by-identity" aria-label="Usage by identity">
        {rows.map((r) => (
          <li key={r.key}>
            {r.label}: {formatTokenLine(r)} · {formatRowCost(r)}
          </li>
        ))}
      </ul>
    </details>
  )
}
