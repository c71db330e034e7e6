// What "Test connection" in the provider form reports: which URL was asked, with which key (by where it came
// from, never its bytes), and what came back — the models listed, or the exact error (HTTP status, unreachable,
// timeout) redacted like every other provider error. Nothing is stored: the form's values are not saved by a test.
import { z } from 'zod'
import { KeelErrorData } from './domain'

export const ConnectionKeySource = z.enum(['typed', 'stored', 'none'])
export type ConnectionKeySource = z.infer<typeof ConnectionKeySource>

/** How many model ids a test result carries (the count says how many there were). */
export const CONNECTION_TEST_MODELS_MAX = 50

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  /** The models endpoint asked (base URL + /models, or Anthropic's /v1/models). */
  url: z.string(),
  /** The key sent: the one typed in the form, the one stored for the entry, or none. */
  keySource: ConnectionKeySource,
  /** The HTTP status the endpoint answered, when it answered (null: unreachable or timed out). */
  status: z.number().int().nullable(),
  /** The first CONNECTION_TEST_MODELS_MAX model ids listed (ok only). */
  models: z.array(z.string()),
  modelCount: z.number().int().nonnegative(),
  error: KeelErrorData.nullable(),
})
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>
