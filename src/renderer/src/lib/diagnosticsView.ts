// Display helpers for the diagnostics panel: labels and tones for what main reports. Nothing here decides identity.
import type { DiagnosticRow, SessionDiagnostics } from '../../../shared/domain'

export type DiagnosticColumn = 'active' | 'persisted' | 'config' | 'cached'

/** The four views, in the order DESIGN.md names them. */
export const DIAGNOSTIC_COLUMNS: ReadonlyArray<{ key: DiagnosticColumn; label: string }> = [
  { key: 'active', label: 'Active' },
  { key: 'persisted', label: 'Persisted' },
  { key: 'config', label: 'Config' },
  { key: 'cached', label: 'Cached' },
]

export function isDrifted(row: DiagnosticRow, column: DiagnosticColumn): boolean {
  return column !== 'active' && (row.drift?.columns.includes(column) ?? false)
}

/** Rows whose values are names people chose; the rest (ids, URLs, models, namespaces) are shown in monospace. */
const PROSE_FIELDS = new Set(['entryName', 'fallback', 'overrides'])
export function isProseField(field: string): boolean {
  return PROSE_FIELDS.has(field)
}

type Status = SessionDiagnostics['status']

export const STATUS_TONE: Record<Status, 'ok' | 'warning' | 'danger'> = {
  ok: 'ok',
  unresolved: 'danger',
  drifted: 'warning',
  'non-canonical': 'warning',
  'config-changed': 'warning',
}

/** "2025-03-04 14:32:07" in local time: diagnostics want the full moment, not "today". */
export function formatFullTime(epochMs: number): string {
  const d = new Date(epochMs)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}
