// Usage and cost channels (issue #11): Settings → Usage (summary, CSV), the session header's totals, and the price
// table of each entry (config.json `prices`, validated with the rest of the config on every write).
import type { ChannelOutput } from '../../../../shared/contract'
import type { ModelPrice } from '../../../../shared/usage'
import type { ConfigService } from '../../config/config-service'
import { KeelError } from '../../errors'
import type { UsageStore } from '../../usage/usage-store'

export interface UsageHandlerDeps {
  usage: UsageStore
  config: ConfigService
  requireSession(id: string): unknown
}

export function usageHandlers(deps: UsageHandlerDeps) {
  const { usage, config } = deps
  const pricesOf = (entryId: string) => config.current().prices[entryId] ?? {}
  const range = (from: string, to: string) => {
    if (from > to) throw KeelError.of('invalid-input', 'The range starts after it ends.', { field: 'from', fix: 'Pick a start day on or before the end day.' })
  }
  return {
    'usage.summary': async ({ from, to, groupBy }: { from: string; to: string; groupBy: ChannelOutput<'usage.summary'>['groupBy'] }) => {
      range(from, to)
      return usage.summary(from, to, groupBy)
    },
    'usage.csv': async ({ from, to }: { from: string; to: string }) => {
      range(from, to)
      return { csv: usage.csv(from, to), filename: `keel-usage-${from}-to-${to}.csv` }
    },
    'usage.session': async ({ id }: { id: string }) => {
      deps.requireSession(id)
      return { rows: usage.session(id) }
    },
    'prices.get': async ({ entryId }: { entryId: string }) => {
      if (!config.entry(entryId)) throw KeelError.of('not-found', 'There is no such provider entry.', { entryId })
      return { prices: pricesOf(entryId) }
    },
    'prices.set': async ({ entryId, model, price }: { entryId: string; model: string; price: Omit<ModelPrice, 'source'> | null }) => {
      if (!config.entry(entryId)) throw KeelError.of('not-found', 'There is no such provider entry.', { entryId })
      const next = config.update((cfg) => {
        const table = { ...(cfg.prices[entryId] ?? {}) }
        if (price === null) delete table[model]
        else table[model] = { ...price, source: 'manual' }
        const prices = { ...cfg.prices, [entryId]: table }
        if (Object.keys(table).length === 0) delete prices[entryId]
        return { ...cfg, prices }
      })
      return { prices: next.prices[entryId] ?? {} }
    },
  }
}

/**
 * Prices a provider's model list stated (OpenRouter's), merged into config.json: a model the user priced by hand
 * keeps the user's price; a provider price is refreshed when the list changes it. Written only when something
 * changed, so listing models does not rewrite the file.
 */
export function prefillPrices(config: ConfigService, entryId: string, listed: Record<string, ModelPrice>): void {
  const current = config.current().prices[entryId] ?? {}
  const changed = Object.entries(listed).filter(([model, p]) => {
    const have = current[model]
    if (have?.source === 'manual') return false
    return !have || have.input !== p.input || have.output !== p.output || have.cachedInput !== p.cachedInput
  })
  if (changed.length === 0) return
  config.update((cfg) => ({ ...cfg, prices: { ...cfg.prices, [entryId]: { ...(cfg.prices[entryId] ?? {}), ...Object.fromEntries(changed) } } }))
}
