// What a provider reported a request consumed, read from each API's own fields. Pure functions over the parsed
// payloads: a field the provider did not send stays null ("not reported"); nothing is estimated or defaulted to 0.
import type { TokenCounts } from '../../../shared/usage'
import { isJsonObject, type JsonObject } from '../json-object'

export type ReportedUsage = TokenCounts

export const NOT_REPORTED: ReportedUsage = { inputTokens: null, outputTokens: null, cachedInputTokens: null, reasoningTokens: null }

type Json = JsonObject
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : null)
const nested = (o: Json, key: string, field: string): number | null => (isJsonObject(o[key]) ? count((o[key] as Json)[field]) : null)

/** Chat Completions `usage` (the last chunk of a stream sent with stream_options.include_usage). */
export function chatUsage(usage: unknown): Partial<ReportedUsage> {
  if (!isJsonObject(usage)) return {}
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: nested(usage, 'prompt_tokens_details', 'cached_tokens'),
    reasoningTokens: nested(usage, 'completion_tokens_details', 'reasoning_tokens'),
  }
}

/** Responses `response.usage` (on response.completed / response.incomplete). */
export function responsesUsage(usage: unknown): Partial<ReportedUsage> {
  if (!isJsonObject(usage)) return {}
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: nested(usage, 'input_tokens_details', 'cached_tokens'),
    reasoningTokens: nested(usage, 'output_tokens_details', 'reasoning_tokens'),
  }
}

/**
 * Anthropic `message_start.message.usage` (input and cache reads) and `message_delta.usage` (output, cumulative).
 * Anthropic's input_tokens excludes cached reads and cache writes; Keel's input is everything sent, so the cache
 * reads and writes are added in and the reads are also reported as cached input. Anthropic reports no reasoning
 * count (thinking tokens are part of output_tokens): reasoning stays null.
 */
export function anthropicUsage(usage: unknown, event: 'message_start' | 'message_delta'): Partial<ReportedUsage> {
  if (!isJsonObject(usage)) return {}
  const out: Partial<ReportedUsage> = {}
  const input = count(usage.input_tokens)
  const read = count(usage.cache_read_input_tokens)
  const written = count(usage.cache_creation_input_tokens)
  if (input !== null) out.inputTokens = input + (read ?? 0) + (written ?? 0)
  if (read !== null) out.cachedInputTokens = read
  // message_start's output_tokens is a placeholder (1) before anything was generated: only message_delta's counts.
  const output = event === 'message_delta' ? count(usage.output_tokens) : null
  if (output !== null) out.outputTokens = output
  return out
}

/** Later reports win field by field (a message_delta's output after message_start's placeholder). */
export function mergeUsage(into: ReportedUsage, next: Partial<ReportedUsage>): ReportedUsage {
  const out = { ...into }
  for (const k of Object.keys(NOT_REPORTED) as Array<keyof ReportedUsage>) {
    const v = next[k]
    if (v !== undefined && v !== null) out[k] = v
  }
  return out
}

export function anyReported(u: ReportedUsage): boolean {
  return u.inputTokens !== null || u.outputTokens !== null || u.cachedInputTokens !== null || u.reasoningTokens !== null
}
