// The four views of one session side by side (DESIGN.md: active, persisted, config, cached). A cell that disagrees
// with the active view is highlighted and marked, and main's explanation of the disagreement follows its row.
import { Fragment, useId } from 'react'
import type { DiagnosticRow } from '../../../shared/domain'
import { DIAGNOSTIC_COLUMNS, isDrifted, isProseField, type DiagnosticColumn } from '../lib/diagnosticsView'

export function IdentityViewsTable({ rows }: { rows: DiagnosticRow[] }) {
  const baseId = useId()
  return (
    <div className="diag-table__scroller">
      <table className="diag-table" aria-label="Identity views">
        <colgroup>
          <col className="diag-table__label-col" />
          {DIAGNOSTIC_COLUMNS.map((c) => (
            <col key={c.key} />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Field</span>
            </th>
            {DIAGNOSTIC_COLUMNS.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const explanationId = `${baseId}-${row.field}`
            return (
              <Fragment key={row.field}>
                <tr className={row.drift ? 'diag-table__row diag-table__row--drift' : 'diag-table__row'} data-field={row.field}>
                  <th scope="row">{row.label}</th>
                  {DIAGNOSTIC_COLUMNS.map((c) => (
                    <ValueCell
                      key={c.key}
                      column={c.key}
                      value={row[c.key]}
                      drift={isDrifted(row, c.key)}
                      mono={!isProseField(row.field)}
                      explanationId={row.drift ? explanationId : undefined}
                    />
                  ))}
                </tr>
                {row.drift ? (
                  <tr className="diag-table__explain">
                    <td colSpan={DIAGNOSTIC_COLUMNS.length + 1} id={explanationId}>
                      <span className="diag-table__explain-mark" aria-hidden="true">
                        ≠
                      </span>
                      {row.drift.explanation}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

interface ValueCellProps {
  column: DiagnosticColumn
  value: string | null
  drift: boolean
  mono: boolean
  explanationId: string | undefined
}

function ValueCell({ column, value, drift, mono, explanationId }: ValueCellProps) {
  const classes = ['diag-table__cell', mono && value !== null ? 'mono' : '', drift ? 'diag-table__cell--drift' : '']
  return (
    <td
      className={classes.filter(Boolean).join(' ')}
      data-column={column}
      data-drift={drift ? 'true' : undefined}
      aria-describedby={drift ? explanationId : undefined}
    >
      {value === null ? (
        <>
          <span aria-hidden="true" className="diag-table__empty">
            —
          </span>
          <span className="visually-hidden">none</span>
        </>
      ) : mono ? (
        breakable(value)
      ) : (
        value
      )}
      {drift ? <span className="visually-hidden"> (differs)</span> : null}
    </td>
  )
}

/** Long ids, URLs and namespaces wrap after "|" and "/" (where a reader expects it) rather than mid-word. */
function breakable(value: string) {
  const parts = value.split(/(?<=\||\/(?!\/))/)
  return parts.map((part, i) => (
    <Fragment key={i}>
      {part}
      {i < parts.length - 1 ? <wbr /> : null}
    </Fragment>
  ))
}
