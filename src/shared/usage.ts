// Usage and cost (issue #11): what each provider request (a step) consumed, as the provider reported it, and what
// it cost at the price in force when the step ended. A count the provider did not report is null ("not
// reported"), never an estimate; a step without a price has a null cost ("cost unknown"), never 0.
import { z } from 'zod'

const Count = z.number().int().nonnegative().nullable()
const Money = z.number().nonnegative().nullable()

/** Prices of one model, in the currency of the provider's bill (USD for the providers Keel knows) per million tokens. */
export const ModelPrice = z.object({
  input: z.number().nonnegative().max(1_000_000),
  /** Cached input tokens; absent: cached input is charged as input. */
  cachedInput: z.number().nonnegative().max(1_000_000).optional(),
  output: z.number().nonnegative().max(1_000_000),
  /** Where the price came from: typed by the user, or the provider's model list (OpenRouter's /models). */
  source: z.enum(['manual', 'provider']).default('manual'),
})
export type ModelPrice = z.infer<typeof ModelPrice>

/** config.json `prices`: entry id → wire model id → price. Kept apart from the entries so editing a price never
 *  changes an entry's revision (and so never asks a pinned session to re-apply its runtime). */
export const PriceTable = z.record(z.string().min(1).max(64), z.record(z.string().min(1).max(512), ModelPrice))
export type PriceTable = z.infer<typeof PriceTable>

/** Token counts of a step or a sum; each null when not reported. */
export const TokenCounts = z.object({
  inputTokens: Count,
  outputTokens: Count,
  cachedInputTokens: Count,
  reasoningTokens: Count,
})
export type TokenCounts = z.infer<typeof TokenCounts>

/** One reply's usage (the steps of its turn summed), for the reply's identity line. */
export const TurnUsageView = TokenCounts.extend({
  steps: z.number().int().nonnegative(),
  /** Steps whose provider reported no usage at all. */
  unreportedSteps: z.number().int().nonnegative(),
  /** null: cost unknown (a step without usage or without a price). */
  cost: Money,
  /** Steps that had no price. */
  unpricedSteps: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative().nullable(),
  /** Time to the first token of the turn's first step. */
  firstTokenMs: z.number().int().nonnegative().nullable(),
  entryId: z.string(),
  entryName: z.string(),
  model: z.string(),
})
export type TurnUsageView = z.infer<typeof TurnUsageView>

export const UsageGroupBy = z.enum(['day', 'entry', 'model', 'profile', 'identity'])
export type UsageGroupBy = z.infer<typeof UsageGroupBy>

/** One row of a usage summary: a day, an entry, a model, a profile or an identity (entry + model). */
export const UsageRow = TokenCounts.extend({
  key: z.string(),
  label: z.string(),
  steps: z.number().int().nonnegative(),
  unreportedSteps: z.number().int().nonnegative(),
  /** The sum of the priced steps' costs; null when none was priced. */
  cost: Money,
  unpricedSteps: z.number().int().nonnegative(),
})
export type UsageRow = z.infer<typeof UsageRow>

export const UsageSummary = z.object({
  groupBy: UsageGroupBy,
  from: z.string(),
  to: z.string(),
  rows: z.array(UsageRow),
  total: UsageRow,
})
export type UsageSummary = z.infer<typeof UsageSummary>

/** A calendar day, YYYY-MM-DD (UTC). */
export const UsageDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
