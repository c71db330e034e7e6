// The step_usage table (migration 013): one row per provider request with what the provider reported, the price in
// force when the step ended and the cost it gives. Rows are written by the agent service inside the transaction
// that ends the step; everything else here reads.
import type Database from 'better-sqlite3'
import { preparedStatements } from '../sessions/prepared-statements'
import type { ModelPrice, TurnUsageView, UsageGroupBy, UsageRow, UsageSummary } from '../../../shared/usage'
import { anyReported, type ReportedUsage } from './reported-usage'
import { stepCost } from './prices'

export interface StepUsageRecord {
  turnId: string
  step: number
  sessionId: string
  entryId: string
  entryName: string
  model: string
  api: string
  identityKey: string
  usage: ReportedUsage
  price: ModelPrice | null
  startedAt: number
  firstTokenAt: number | null
  endedAt: number
}

type RawUsage = {
  turn_id: string
  step: number
  session_id: string
  entry_id: string
  entry_name: string
  model: string
  api: string
  profile_id: string | null
  reported: number
  input_tokens: number | null
  output_tokens: number | null
  cached_input_tokens: number | null
  reasoning_tokens: number | null
  price_input: number | null
  price_cached_input: number | null
  price_output: number | null
  cost: number | null
  started_at: number
  first_token_at: number | null
  ended_at: number
}

const DAY_MS = 86_400_000

/** Milliseconds of the start of a UTC day 'YYYY-MM-DD'. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`)
}

const GROUP_SQL: Record<UsageGroupBy, { key: string; label: string }> = {
  day: { key: "strftime('%Y-%m-%d', ended_at / 1000, 'unixepoch')", label: "strftime('%Y-%m-%d', ended_at / 1000, 'unixepoch')" },
  entry: { key: 'entry_id', label: 'MAX(entry_name)' },
  model: { key: 'model', label: 'model' },
  profile: { key: "COALESCE(profile_id, '')", label: "COALESCE(profile_id, '(none)')" },
  identity: { key: "entry_id || char(31) || model", label: "MAX(entry_name) || ' · ' || model" },
}

const SUMS = `COUNT(*) AS steps, SUM(reported = 0) AS unreported, SUM(input_tokens) AS input, SUM(output_tokens) AS output,
  SUM(cached_input_tokens) AS cached, SUM(reasoning_tokens) AS reasoning, SUM(cost) AS cost, SUM(cost IS NULL) AS unpriced`

type RawSum = { key: string; label: string; steps: number; unreported: number; input: number | null; output: number | null; cached: number | null; reasoning: number | null; cost: number | null; unpriced: number }

function toRow(r: RawSum): UsageRow {
  return {
    key: r.key,
    label: r.label,
    steps: r.steps,
    unreportedSteps: r.unreported ?? 0,
    inputTokens: r.input,
    outputTokens: r.output,
    cachedInputTokens: r.cached,
    reasoningTokens: r.reasoning,
    cost: r.cost,
    unpricedSteps: r.unpriced ?? 0,
  }
}

export class UsageStore {
  private readonly st: (sql: string) => Database.Statement

  constructor(readonly db: Database.Database) {
    this.st = preparedStatements(db)
  }

  /** Records a step's usage (call inside the transaction that ends the step); a step is recorded once. */
  record(r: StepUsageRecord): void {
    const u = r.usage
    this.st(
      `INSERT OR IGNORE INTO step_usage (turn_id, step, session_id, entry_id, entry_name, model, api, profile_id, identity_key, reported,
        input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, price_input, price_cached_input, price_output, cost,
        started_at, first_token_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT profile_id FROM sessions WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      // The session's profile as the step ran (the usage view groups by it after the session changes profile).
      r.turnId, r.step, r.sessionId, r.entryId, r.entryName, r.model, r.api, r.sessionId, r.identityKey, anyReported(u) ? 1 : 0,
      u.inputTokens, u.outputTokens, u.cachedInputTokens, u.reasoningTokens,
      r.price?.input ?? null, r.price ? (r.price.cachedInput ?? null) : null, r.price?.output ?? null, stepCost(u, r.price),
      r.startedAt, r.firstTokenAt, r.endedAt,
    )
  }

  /** Each turn's usage, its steps summed (the reply's identity line). */
  turns(turnIds: readonly string[]): Map<string, TurnUsageView> {
    const out = new Map<string, TurnUsageView>()
    if (turnIds.length === 0) return out
    const rows = this.st('SELECT * FROM step_usage WHERE turn_id IN (SELECT value FROM json_each(?)) ORDER BY turn_id, step').all(JSON.stringify(turnIds)) as RawUsage[]
    const byTurn = new Map<string, RawUsage[]>()
    for (const r of rows) byTurn.set(r.turn_id, [...(byTurn.get(r.turn_id) ?? []), r])
    for (const [turnId, steps] of byTurn) out.set(turnId, turnUsage(steps))
    return out
  }

  /** A session's totals by identity (entry + model), most used first. */
  session(sessionId: string): UsageRow[] {
    const g = GROUP_SQL.identity
    return (this.st(`SELECT ${g.key} AS key, ${g.label} AS label, ${SUMS} FROM step_usage WHERE session_id = ? GROUP BY ${g.key} ORDER BY steps DESC, key`).all(sessionId) as RawSum[]).map(toRow)
  }

  /** Usage between two UTC days (inclusive), grouped. */
  summary(from: string, to: string, groupBy: UsageGroupBy): UsageSummary {
    const [lo, hi] = [dayStart(from), dayStart(to) + DAY_MS]
    const g = GROUP_SQL[groupBy]
    const rows = (this.st(`SELECT ${g.key} AS key, ${g.label} AS label, ${SUMS} FROM step_usage WHERE ended_at >= ? AND ended_at < ? GROUP BY ${g.key} ORDER BY ${groupBy === 'day' ? 'key' : 'cost DESC, steps DESC, key'}`).all(lo, hi) as RawSum[]).map(toRow)
    const total = this.st(`SELECT 'total' AS key, 'Total' AS label, ${SUMS} FROM step_usage WHERE ended_at >= ? AND ended_at < ?`).get(lo, hi) as RawSum
    return { groupBy, from, to, rows, total: toRow(total) }
  }

  /** Every step between two UTC days (inclusive), oldest first, as CSV (RFC 4180; empty cells for "not reported"). */
  csv(from: string, to: string): string {
    const rows = this.st('SELECT * FROM step_usage WHERE ended_at >= ? AND ended_at < ? ORDER BY ended_at, turn_id, step').all(dayStart(from), dayStart(to) + DAY_MS) as RawUsage[]
    const head = ['ended_at', 'session_id', 'turn_id', 'step', 'entry_id', 'entry_name', 'model', 'api', 'profile_id', 'usage_reported', 'input_tokens', 'cached_input_tokens', 'output_tokens', 'reasoning_tokens', 'price_input_per_m', 'price_cached_input_per_m', 'price_output_per_m', 'cost', 'duration_ms', 'first_token_ms']
    const lines = rows.map((r) =>
      [
        new Date(r.ended_at).toISOString(), r.session_id, r.turn_id, r.step, r.entry_id, r.entry_name, r.model, r.api, r.profile_id, r.reported ? 'yes' : 'no',
        r.input_tokens, r.cached_input_tokens, r.output_tokens, r.reasoning_tokens, r.price_input, r.price_cached_input, r.price_output, r.cost,
        r.ended_at - r.started_at, r.first_token_at === null ? null : r.first_token_at - r.started_at,
      ].map(csvCell).join(','),
    )
    return [head.join(','), ...lines].join('\r\n') + '\r\n'
  }
}

function csvCell(v: string | number | null): string {
  if (v === null) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function sumOrNull(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null)
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0)
}

function turnUsage(steps: RawUsage[]): TurnUsageView {
  const first = steps[0]!
  const last = steps[steps.length - 1]!
  const unpriced = steps.filter((s) => s.cost === null).length
  return {
    steps: steps.length,
    unreportedSteps: steps.filter((s) => !s.reported).length,
    inputTokens: sumOrNull(steps.map((s) => s.input_tokens)),
    outputTokens: sumOrNull(steps.map((s) => s.output_tokens)),
    cachedInputTokens: sumOrNull(steps.map((s) => s.cached_input_tokens)),
    reasoningTokens: sumOrNull(steps.map((s) => s.reasoning_tokens)),
    // A reply's cost is known only when every step's is: a partial sum would pass for the whole.
    cost: unpriced > 0 ? null : steps.reduce((a, s) => a + (s.cost ?? 0), 0),
    unpricedSteps: unpriced,
    durationMs: Math.max(0, last.ended_at - first.started_at),
    firstTokenMs: first.first_token_at === null ? null : Math.max(0, first.first_token_at - first.started_at),
    entryId: last.entry_id,
    entryName: last.entry_name,
    model: last.model,
  }
}
