// Prices and cost. A price is what the user typed in Settings (or config.json), or what the provider's own model
// list returned (OpenRouter's /models `pricing`); Keel never ships prices of its own, since they change.
import type { ModelPrice, PriceTable } from '../../../shared/usage'
import type { ReportedUsage } from './reported-usage'

export function priceFor(table: PriceTable | undefined, entryId: string, model: string): ModelPrice | null {
  return table?.[entryId]?.[model] ?? null
}

/**
 * The cost of one step, or null ("cost unknown") without a price or without the counts the price needs. Cached
 * input tokens are part of the input count on every API (Keel adds Anthropic's cache reads in), so they are priced
 * at the cached price and only the rest at the input price. Reasoning tokens are part of the output count.
 */
export function stepCost(usage: ReportedUsage, price: ModelPrice | null): number | null {
  if (!price || usage.inputTokens === null || usage.outputTokens === null) return null
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens)
  const cachedPrice = price.cachedInput ?? price.input
  return ((usage.inputTokens - cached) * price.input + cached * cachedPrice + usage.outputTokens * price.output) / 1_000_000
}

/**
 * OpenRouter's /models lists `pricing` per model as decimal strings in USD per token ("0.000003"); Keel keeps
 * prices per million tokens. Parsed as decimals (not via floating multiplication of the string's value) so
 * "0.000003" becomes exactly 3. A model without a usable prompt and completion price gets none; a negative price
 * ("-1": a variable-priced router such as openrouter/auto) is not a price.
 */
export function openRouterPrices(body: unknown): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = {}
  const data = typeof body === 'object' && body !== null && Array.isArray((body as { data?: unknown }).data) ? (body as { data: unknown[] }).data : []
  for (const m of data) {
    if (typeof m !== 'object' || m === null) continue
    const { id, pricing } = m as { id?: unknown; pricing?: unknown }
    if (typeof id !== 'string' || typeof pricing !== 'object' || pricing === null) continue
    const p = pricing as Record<string, unknown>
    const input = perMillion(p.prompt)
    const output = perMillion(p.completion)
    if (input === null || output === null) continue
    const cached = perMillion(p.input_cache_read)
    out[id] = { input, output, ...(cached !== null ? { cachedInput: cached } : {}), source: 'provider' }
  }
  return out
}

/** A per-token decimal string (or number) as a per-million price; null when it is not a non-negative number. */
export function perMillion(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  const m = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!m) return null
  const digits = (m[1]! + (m[2] ?? '')).replace(/^0+(?=\d)/, '')
  // value = digits × 10^(exp − fraction length); per million: × 10^6.
  const exp = Number(m[3] ?? 0) - (m[2]?.length ?? 0) + 6
  const n = exp >= 0 ? Number(digits + '0'.repeat(exp)) : Number(`${digits.slice(0, Math.max(0, digits.length + exp)) || '0'}.${digits.padStart(-exp, '0').slice(-(-exp))}`)
  return Number.isFinite(n) ? n : null
}
