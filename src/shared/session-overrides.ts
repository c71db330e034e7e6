// Per-session instructions and parameters (issue #12): a session may override its agent profile's system prompt and
// request parameters (temperature, max output tokens, reasoning effort) from its header. Each override is the
// session's own; null means "the profile's". Parameters override field by field: a field the session does not set
// keeps the profile's value. What the provider receives is the effective set (see effectiveRequest).
// This module imports nothing of Keel's, so domain.ts (diagnostics) and agent-profiles.ts can both use it.
import { z } from 'zod'

/** The same range as an agent profile's parameters (agent-profiles.ts), with messages that name the field. */
export const TEMPERATURE_MAX = 2
export const MAX_OUTPUT_TOKENS_MAX = 1_000_000
export const OVERRIDE_INSTRUCTIONS_MAX = 100_000
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const

export const SessionParamsOverride = z.strictObject({
  temperature: z
    .number({ error: 'Temperature must be a number from 0 to 2' })
    .min(0, 'Temperature must be from 0 to 2')
    .max(TEMPERATURE_MAX, 'Temperature must be from 0 to 2')
    .optional(),
  maxOutputTokens: z
    .number({ error: 'Max output tokens must be a whole number above 0' })
    .int('Max output tokens must be a whole number above 0')
    .min(1, 'Max output tokens must be a whole number above 0')
    .max(MAX_OUTPUT_TOKENS_MAX, `Max output tokens must be at most ${MAX_OUTPUT_TOKENS_MAX.toLocaleString('en-US')}`)
    .optional(),
  reasoningEffort: z.enum(REASONING_EFFORTS, { error: `Reasoning effort must be one of ${REASONING_EFFORTS.join(', ')}` }).optional(),
})
export type SessionParamsOverride = z.infer<typeof SessionParamsOverride>

/** What `sessions.setOverrides` takes: both overrides at once; null clears one back to the profile's. */
export const SessionOverridesInput = z.object({
  instructions: z.string().max(OVERRIDE_INSTRUCTIONS_MAX, `Instructions must be at most ${OVERRIDE_INSTRUCTIONS_MAX.toLocaleString('en-US')} characters`).nullable(),
  params: SessionParamsOverride.nullable(),
})

/** The request parameters in force, as a profile has them (every field optional: absent leaves the API's default). */
export type RequestParams = SessionParamsOverride

/** Where each effective value comes from: the session's own override, or its profile. */
export type OverrideSource = 'session' | 'profile'

export const SessionOverridesView = z.object({
  /** The session's own instructions ('' sends none), or null: the profile's. */
  instructions: z.string().nullable(),
  /** The session's own parameters (only the fields it sets), or null: the profile's. */
  params: SessionParamsOverride.nullable(),
  /** The profile's values (null when the session's profile was deleted). */
  profile: z.object({ id: z.string(), name: z.string(), instructions: z.string(), parameters: SessionParamsOverride }).nullable(),
  /** What the next request carries. */
  effective: z.object({ instructions: z.string(), parameters: SessionParamsOverride }),
  /** One line for the header and diagnostics ("instructions, temperature 0.2 (this session’s)"); null: no override. */
  line: z.string().nullable(),
})
export type SessionOverridesView = z.infer<typeof SessionOverridesView>

/** An empty object overrides nothing: stored as null, so "has an override" means something is set. */
export function normalizeParams(p: SessionParamsOverride | null): SessionParamsOverride | null {
  if (!p) return null
  const out: SessionParamsOverride = {}
  if (p.temperature !== undefined) out.temperature = p.temperature
  if (p.maxOutputTokens !== undefined) out.maxOutputTokens = p.maxOutputTokens
  if (p.reasoningEffort !== undefined) out.reasoningEffort = p.reasoningEffort
  return Object.keys(out).length === 0 ? null : out
}

/** The instructions and parameters a request carries: the session's override over its profile's, field by field. */
export function effectiveRequest(
  profile: { instructions: string; parameters: SessionParamsOverride } | null,
  own: { instructions: string | null; params: SessionParamsOverride | null },
): { instructions: string; parameters: SessionParamsOverride } {
  return {
    instructions: own.instructions ?? profile?.instructions ?? '',
    parameters: { ...(profile?.parameters ?? {}), ...(own.params ?? {}) },
  }
}

/** "temperature 0.2 · max output tokens 1,000 · reasoning effort low" (no fields: "none"). */
export function paramsText(p: SessionParamsOverride): string {
  const parts = [
    p.temperature !== undefined ? `temperature ${p.temperature}` : null,
    p.maxOutputTokens !== undefined ? `max output tokens ${p.maxOutputTokens.toLocaleString('en-US')}` : null,
    p.reasoningEffort !== undefined ? `reasoning effort ${p.reasoningEffort}` : null,
  ].filter((x): x is string => x !== null)
  return parts.length === 0 ? 'none' : parts.join(' · ')
}

/** The header's and diagnostics' line: what the session overrides, or null when it overrides nothing. */
export function overridesLine(own: { instructions: string | null; params: SessionParamsOverride | null }): string | null {
  const parts: string[] = []
  if (own.instructions !== null) parts.push(own.instructions.trim() === '' ? 'no instructions' : `instructions (${own.instructions.length.toLocaleString('en-US')} characters)`)
  if (own.params) parts.push(paramsText(own.params))
  return parts.length === 0 ? null : parts.join(' · ')
}
