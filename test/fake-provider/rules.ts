// Scripted behaviours: an ordered list of rules, first match wins, `times` rules are consumed. Sequence steps are
// rules gated on their predecessor: each answers one request, strictly in order.

import type { RecordedRequest, Rule } from './types.js'

/** What a rule can match beyond the recorded request itself (computed by the server). */
export interface MatchFacts {
  /** 0-based position among completion requests since start or the last clear(). */
  requestIndex: number
  /** Call ids of the tool results the request carries. */
  toolResultIds: string[]
}

/** A sequence's progress: the index of the step that may answer the next request. */
interface SequenceState {
  next: number
}

interface Entry {
  rule: Rule
  gate?: { sequence: SequenceState; step: number }
}

function matches(rule: Rule, request: RecordedRequest, facts: MatchFacts): boolean {
  // Models requests are only scripted explicitly, so an error rule for completions does not also
  // break model listing.
  if (request.protocol === 'models' && rule.protocol !== 'models') return false
  if (rule.protocol !== undefined && rule.protocol !== request.protocol) return false
  if (rule.pathPrefix !== undefined && !request.path.startsWith(rule.pathPrefix)) return false
  if (rule.model !== undefined && rule.model !== request.model) return false
  if (rule.key !== undefined && rule.key !== request.bearer && rule.key !== request.apiKey) return false
  if (rule.requestIndex !== undefined && rule.requestIndex !== facts.requestIndex) return false
  if (rule.toolResultFor !== undefined && !facts.toolResultIds.includes(rule.toolResultFor)) return false
  if (rule.toolResults !== undefined && rule.toolResults !== facts.toolResultIds.length > 0) return false
  return true
}

export class Script {
  private entries: Entry[] = []

  add(rule: Rule): void {
    if (rule.times !== undefined && rule.times <= 0) return // a rule usable zero times never applies
    // Copy so later mutation by the caller cannot change a queued rule.
    this.entries.push({ rule: { ...rule } })
  }

  /** Steps answering one request each, in order; step N+1 is only tried once step N was used. */
  addSequence(steps: Rule[]): void {
    const sequence: SequenceState = { next: 0 }
    steps.forEach((step, index) => {
      const { times: _ignored, ...rule } = step
      this.entries.push({ rule: { ...rule, times: 1 }, gate: { sequence, step: index } })
    })
  }

  reset(): void {
    this.entries = []
  }

  /** The first rule matching `request`, consuming one use of it; undefined when none matches. */
  take(request: RecordedRequest, facts: MatchFacts): Rule | undefined {
    const index = this.entries.findIndex(
      (entry) => (entry.gate === undefined || entry.gate.sequence.next === entry.gate.step) && matches(entry.rule, request, facts),
    )
    if (index < 0) return undefined
    const entry = this.entries[index]!
    const rule = entry.rule
    if (entry.gate) entry.gate.sequence.next += 1
    if (rule.times !== undefined) {
      rule.times -= 1
      if (rule.times <= 0) this.entries.splice(index, 1)
    }
    return rule
  }
}
