import type { IdentityDifference } from '../../../shared/domain'

/** Field by field: what the session runs on, and what the config resolves to now. */
export function DifferenceTable({ differences, activeLabel = 'Running on', configLabel = 'Config now' }: {
  differences: IdentityDifference[]
  activeLabel?: string
  configLabel?: string
}) {
  if (differences.length === 0) return null
  return (
    <table className="difference-table">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{activeLabel}</th>
          <th scope="col">{configLabel}</th>
        </tr>
      </thead>
      <tbody>
        {differences.map((d) => (
          <tr key={d.field}>
            <th scope="row">{d.field}</th>
            <td className="mono">{d.active ?? '—'}</td>
            <td className="mono">{d.config ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
