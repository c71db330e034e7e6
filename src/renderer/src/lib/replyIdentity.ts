// Which identity produced a reply, and where the transcript switched to another one (issue #12). Pure, and read only
// from what the store recorded for the reply (its message's entry + model, its turn's usage and fallback records),
// never from the session's current binding, so renaming, re-binding or deleting an entry later does not rewrite
// the history. The entry is named as its step recorded it (main fills producedWith.entryName).
import type { ChatMessage } from '../../../shared/domain'
import type { StepFallbackView } from '../../../shared/fallback'
import type { TurnUsageView } from '../../../shared/usage'

export interface ReplyIdentity {
  entryId: string
  entryName: string
  model: string
}

/** The identity that answered: the usage its steps recorded, else the message's own record; null if none. */
export function answeredBy(message: ChatMessage, usage?: TurnUsageView | null): ReplyIdentity | null {
  if (usage) return { entryId: usage.entryId, entryName: usage.entryName, model: usage.model }
  const p = message.producedWith
  return p ? { entryId: p.entryId, entryName: p.entryName ?? p.entryId, model: p.model } : null
}

/**
 * The binding the reply's turn was sent to: when a fallback answered, the selected one (a one-turn fallback is not
 * a switch: its own line says so); otherwise the one that answered.
 */
export function selectedFor(message: ChatMessage, usage?: TurnUsageView | null, fallbacks?: readonly StepFallbackView[]): ReplyIdentity | null {
  const f = fallbacks?.[0]
  if (f) return { entryId: f.selected.entryId, entryName: f.selected.entryName, model: f.selected.model }
  return answeredBy(message, usage)
}

export function sameIdentity(a: ReplyIdentity, b: ReplyIdentity): boolean {
  return a.entryId === b.entryId && a.model === b.model
}

/** "Switched to claude-sonnet on Anthropic": the divider's text. */
export function switchText(to: ReplyIdentity): string {
  return `Switched to ${to.model} on ${to.entryName}`
}
