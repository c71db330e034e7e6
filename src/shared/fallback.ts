// Fallback bindings (issue #11, invariant 17): an agent profile — and a session, overriding it — may list other
// entry + model bindings to try, in order, when the selected binding fails before any text streamed with an error of
// a kind the list says. Fallback is for one step of one turn: nothing about it is written to the session's binding,
// and every surface that shows identity shows the selected binding next to the one that answered, with the reason.
// The config shapes (FallbackBinding, FallbackChain) live in agent-profiles.ts, next to the profile they belong to;
// this module holds what views carry and imports nothing of Keel's, so domain.ts can import it.
import { z } from 'zod'

/**
 * The failures a fallback may follow. Auth (401/403: a wrong key must be fixed, not routed around), context-length,
 * content and other request errors are never among them.
 */
export const FallbackTrigger = z.enum(['network', 'timeout', 'server', 'rate-limited'])
export type FallbackTrigger = z.infer<typeof FallbackTrigger>
export const DEFAULT_FALLBACK_TRIGGERS: readonly FallbackTrigger[] = FallbackTrigger.options

/** A binding named for the user: its entry's display name when the entry exists. */
export const FallbackSide = z.object({ entryId: z.string(), entryName: z.string(), model: z.string() })
export type FallbackSide = z.infer<typeof FallbackSide>

/** A binding that was tried (its error) or could not be tried (why it does not resolve), in the order it came. */
export const FallbackSkip = FallbackSide.extend({
  /** Short: "HTTP 503", "429", "network", "its key is missing", "entry deleted", "model not listed". */
  reason: z.string(),
  /** The full text the user reads (no secret: error texts are redacted before they get here). */
  message: z.string(),
  /** 'failed': sent and failed; 'unresolved': not sent, it could not resolve. */
  outcome: z.enum(['failed', 'unresolved']),
})
export type FallbackSkip = z.infer<typeof FallbackSkip>

/** What one step of a turn ran on when fallbacks were involved: selected vs the identity that answered. */
export const StepFallbackView = z.object({
  step: z.number().int().nonnegative(),
  selected: FallbackSide,
  /** The binding that answered; null when none did (every binding failed, the turn ended with that error). */
  answered: FallbackSide.extend({ identityKey: z.string() }).nullable(),
  /** Each binding passed over before the one that answered, with why. */
  skipped: z.array(FallbackSkip),
  at: z.number(),
})
export type StepFallbackView = z.infer<typeof StepFallbackView>

/** The fallback list a session uses, and where it comes from (its own override, or its profile's). */
export const SessionFallbacks = z.object({
  source: z.enum(['session', 'profile', 'none']),
  /** The list in force (entry + model each, in order, and the triggers); null: none configured. */
  chain: z.object({ bindings: z.array(z.object({ entryId: z.string(), model: z.string() })), triggers: z.array(FallbackTrigger) }).nullable(),
  /** Bindings of the list that cannot resolve now, each with why (Settings and the header show them). */
  problems: z.array(FallbackSkip),
  /** The session's latest turn's fallback record (its last step that had one); null when that turn used none. */
  latest: StepFallbackView.extend({ turnId: z.string() }).nullable(),
})
export type SessionFallbacks = z.infer<typeof SessionFallbacks>

/** "answered by B · m2 — fallback from A · m1: HTTP 503" (the header, the reply line, the tray, exports). */
export function fallbackLine(f: Pick<StepFallbackView, 'selected' | 'answered' | 'skipped'>): string {
  const name = (s: FallbackSide) => `${s.entryName} · ${s.model}`
  const first = f.skipped.find((s) => s.entryId === f.selected.entryId && s.model === f.selected.model) ?? f.skipped[0]
  const reason = first ? `: ${first.reason}` : ''
  if (!f.answered) return `no binding answered — ${f.skipped.map((s) => `${name(s)}: ${s.reason}`).join('; ')}`
  return `answered by ${name(f.answered)} — fallback from ${name(f.selected)}${reason}`
}
