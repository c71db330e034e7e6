// Scripted behaviours: an ordered list of rules, first match wins, `times` rules are consumed.

import type { RecordedRequest, Rule } from './types.js'

function matches(rule: Rule, request: RecordedRequest): boolean {
  // Models requests are only scripted explicitly, so an error rule for completions does not also
  // break model listing.
  if (request.protocol === 'models' && rule.protocol !== 'models') return false
  if (rule.protocol !== undefined && rule.protocol !== request.protocol) return false
  if (rule.pathPrefix !== undefined && !request.path.startsWith(rule.pathPrefix)) return false
  if (rule.model !== undefined && rule.model !== request.model) return false
  if (rule.key !== undefined && rule.key !== request.bearer && rule.key !== request.apiKey) return false
  return true
}

export class Script {
  private rules: Rule[] = []

  add(rule: Rule): void {
    if (rule.times !== undefined && rule.times <= 0) return // a rule usable zero times never applies
    // Copy so later mutation by the caller cannot change a queued rule.
    this.rules.push({ ...rule })
  }

  reset(): void {
    this.rules = []
  }

  /** The first rule matching `request`, consuming one use of it; undefined when none matches. */
  take(request: RecordedRequest): Rule | undefined {
    const index = this.rules.findIndex((rule) => matches(rule, request))
    if (index < 0) return undefined
    const rule = this.rules[index]!
    if (rule.times !== undefined) {
      rule.times -= 1
      if (rule.times <= 0) this.rules.splice(index, 1)
    }
    return rule
  }
}
