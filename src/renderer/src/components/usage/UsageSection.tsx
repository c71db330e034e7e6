// Settings → Usage (issue #11): what the providers reported, by day, entry, model or profile, over a date range,
// with a small bar chart (plain CSS), the table, and Export CSV. Below it, each entry's price table (per million
// tokens), where the cost comes from: typed here, or prefilled from a model list that states prices (OpenRouter's).
import { useEffect, useState } from 'react'
import type { ProviderEntryView } from '../../../../shared/domain'
import type { UsageGroupBy, UsageRow } from '../../../../shared/usage'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useLiveQuery } from '../../hooks/useLiveQuery'
import { formatRowCost, formatTokens } from '../../lib/usageFormat'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'
import { PricesEditor } from './PricesEditor'
import '../../styles/usage.css'

const GROUPS: Array<{ value: Exclude<UsageGroupBy, 'identity'>; label: string }> = [
  { value: 'day', label: 'By day' },
  { value: 'entry', label: 'By entry' },
  { value: 'model', label: 'By model' },
  { value: 'profile', label: 'By profile' },
]

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The bar of a row: its cost when every row has one, else its tokens (in + out). */
function barValue(r: UsageRow, byCost: boolean): number {
  return byCost ? (r.cost ?? 0) : (r.inputTokens ?? 0) + (r.outputTokens ?? 0)
}

export function UsageSection({ providers, profileName }: { providers: ProviderEntryView[]; profileName: (id: string) => string }) {
  const [from, setFrom] = useState(() => day(Date.now() - 29 * 86_400_000))
  const [to, setTo] = useState(() => day(Date.now()))
  const [groupBy, setGroupBy] = useState<Exclude<UsageGroupBy, 'identity'>>('day')
  const notify = useNotify()
  const valid = from !== '' && to !== '' && from <= to
  const summary = useLiveQuery('usage.summary', { from: valid ? from : to, to, groupBy }, { refreshOn: ['sessions'] })
  const [exportError, setExportError] = useState<ReturnType<typeof toErrorData> | null>(null)
  useEffect(() => setExportError(null), [from, to])

  const rows = summary.data?.rows ?? []
  const total = summary.data?.total
  const byCost = rows.length > 0 && rows.every((r) => r.cost !== null)
  const max = Math.max(1, ...rows.map((r) => barValue(r, byCost)))
  const label = (r: UsageRow) => (groupBy === 'profile' ? (r.key ? profileName(r.key) : '(none)') : r.label)

  const exportCsv = async () => {
    try {
      const { csv, filename } = await call('usage.csv', { from, to })
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }))
      const a = document.createElement('a')
      a.href = url
      a.download = filename
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      notify(`Exported ${filename}`, 'success')
    } catch (e) {
      setExportError(toErrorData(e))
    }
  }

  return (
    <section className="dialog-section usage" aria-labelledby="settings-usage">
      <div className="dialog-section__head">
        <h3 id="settings-usage" className="dialog-section__title">
          Usage
        </h3>
        <button type="button" className="button" disabled={!valid} onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </div>
      <p className="field__help">
        Tokens as each provider reported them (“not reported” when it sent none), and cost at the price in force when each step ended. Days are UTC.
      </p>
      <div className="usage__filters">
        <label className="usage__date">
          From <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="usage__date">
          To <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </label>
        <div className="usage__groups" role="group" aria-label="Group usage">
          {GROUPS.map((g) => (
            <button key={g.value} type="button" className="button button--small" aria-pressed={groupBy === g.value} onClick={() => setGroupBy(g.value)}>
              {g.label}
            </button>
          ))}
        </div>
      </div>
      {!valid ? <p className="field__error">The range starts after it ends.</p> : null}
      {summary.error ? <ErrorNote error={summary.error} label="Usage problem" /> : null}
      {exportError ? <ErrorNote error={exportError} label="Export problem" /> : null}
      {summary.loaded && rows.length === 0 ? <p className="muted">No usage recorded in this range.</p> : null}
      {rows.length > 0 ? (
        <>
          <div className="usage-chart" role="img" aria-label={`${byCost ? 'Cost' : 'Tokens'} ${GROUPS.find((g) => g.value === groupBy)!.label.toLowerCase()}`}>
            {rows.map((r) => (
              <div key={r.key} className="usage-chart__row">
                <span className="usage-chart__label" title={label(r)}>
                  {label(r)}
                </span>
                <span className="usage-chart__track">
                  <span className="usage-chart__bar" style={{ width: `${(barValue(r, byCost) / max) * 100}%` }} />
                </span>
                <span className="usage-chart__value">{byCost ? formatRowCost(r) : `${formatTokens((r.inputTokens ?? 0) + (r.outputTokens ?? 0))} tokens`}</span>
              </div>
            ))}
          </div>
          <table className="usage-table" aria-label="Usage table">
            <thead>
              <tr>
                <th scope="col">{{ day: 'Day', entry: 'Entry', model: 'Model', profile: 'Profile' }[groupBy]}</th>
                <th scope="col">Steps</th>
                <th scope="col">Input</th>
                <th scope="col">Cached</th>
                <th scope="col">Output</th>
                <th scope="col">Reasoning</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {[...rows, ...(total ? [total] : [])].map((r) => (
                <tr key={r.key} className={r === total ? 'usage-table__total' : undefined} data-testid="usage-row">
                  <th scope="row">{r === total ? 'Total' : label(r)}</th>
                  <td>
                    {r.steps}
                    {r.unreportedSteps > 0 ? <span className="muted"> ({r.unreportedSteps} not reported)</span> : null}
                  </td>
                  <td>{formatTokens(r.inputTokens)}</td>
                  <td>{formatTokens(r.cachedInputTokens)}</td>
                  <td>{formatTokens(r.outputTokens)}</td>
                  <td>{formatTokens(r.reasoningTokens)}</td>
                  <td>{formatRowCost(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <PricesEditor providers={providers} />
    </section>
  )
}
