// How usage and cost read in the window. Pure: a count the provider did not report reads "not reported", a cost
// without a price reads "cost unknown" — never 0, never an estimate.
import type { TokenCounts, TurnUsageView, UsageRow } from '../../../shared/usage'

const integer = new Intl.NumberFormat('en-US')

export function formatTokens(n: number | null): string {
  return n === null ? 'not reported' : integer.format(n)
}

/** Prices are per million tokens in the provider's billing currency (USD for the providers Keel knows). */
export function formatCost(cost: number | null): string {
  if (cost === null) return 'cost unknown'
  if (cost === 0) return '$0'
  if (cost < 0.0001) return '<$0.0001'
  return `$${cost < 1 ? cost.toFixed(4) : cost.toFixed(2)}`
}

export function formatSeconds(ms: number | null): string {
  if (ms === null) return '—'
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** "1,234 in (200 cached) · 56 out (40 reasoning)", or "tokens not reported". */
export function formatTokenLine(u: TokenCounts): string {
  if (u.inputTokens === null && u.outputTokens === null) return 'tokens not reported'
  const cached = u.cachedInputTokens ? ` (${integer.format(u.cachedInputTokens)} cached)` : ''
  const reasoning = u.reasoningTokens ? ` (${integer.format(u.reasoningTokens)} reasoning)` : ''
  return `${formatTokens(u.inputTokens)} in${cached} · ${formatTokens(u.outputTokens)} out${reasoning}`
}

/** The reply's line: who answered, tokens, cost, duration and time to first token. */
export function replyUsageParts(u: TurnUsageView): string[] {
  const steps = u.steps > 1 ? [`${u.steps} steps`] : []
  const partial = u.unreportedSteps > 0 && u.unreportedSteps < u.steps ? [`${u.unreportedSteps} step(s) not reported`] : []
  return [
    `${u.entryName} · ${u.model}`,
    formatTokenLine(u),
    ...partial,
    formatCost(u.cost),
    ...steps,
    `${formatSeconds(u.durationMs)}`,
    `first token ${formatSeconds(u.firstTokenMs)}`,
  ]
}

/** A summary row's cost: the priced part, saying when some steps had no price. */
export function formatRowCost(r: UsageRow): string {
  if (r.cost === null) return 'cost unknown'
  return r.unpricedSteps > 0 ? `${formatCost(r.cost)} + unknown (${r.unpricedSteps} unpriced)` : formatCost(r.cost)
}

/** The rows summed: a count stays "not reported" only when no row reported it. */
export function totalOf(rows: readonly UsageRow[]): UsageRow {
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b)
  return rows.reduce<UsageRow>(
    (t, r) => ({
      ...t,
      steps: t.steps + r.steps,
      unreportedSteps: t.unreportedSteps + r.unreportedSteps,
      unpricedSteps: t.unpricedSteps + r.unpricedSteps,
      inputTokens: add(t.inputTokens, r.inputTokens),
      outputTokens: add(t.outputTokens, r.outputTokens),
      cachedInputTokens: add(t.cachedInputTokens, r.cachedInputTokens),
      reasoningTokens: add(t.reasoningTokens, r.reasoningTokens),
      cost: add(t.cost, r.cost),
    }),
    { key: 'total', label: 'Total', steps: 0, unreportedSteps: 0, unpricedSteps: 0, inputTokens: null, outputTokens: null, cachedInputTokens: null, reasoningTokens: null, cost: null },
  )
}
