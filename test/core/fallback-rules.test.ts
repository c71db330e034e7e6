// The fallback rules of the identity module (issue #11): which failures may move on to a fallback, the words used for
// them, which list a session uses, and the one line every surface shows.
import { describe, expect, it } from 'vitest'
import { allFailedMessage, effectiveChain, shortReason, triggerOf, triggersFallback } from '../../src/main/core/identity/fallback'
import { DEFAULT_FALLBACK_TRIGGERS, fallbackLine, type FallbackSkip } from '../../src/shared/fallback'
import { FallbackChain } from '../../src/shared/agent-profiles'
import type { KeelErrorKind } from '../../src/shared/domain'

const all = { triggers: [...DEFAULT_FALLBACK_TRIGGERS] }

describe('fallback rules', () => {
  it('only network errors, timeouts, 5xx and 429 trigger a fallback; never auth, a missing model or a bad request', () => {
    const yes: KeelErrorKind[] = ['network', 'timeout', 'server', 'rate-limited']
    const no: KeelErrorKind[] = ['auth', 'model-not-found', 'bad-request', 'malformed-stream', 'unexpected-response', 'unresolved', 'invalid-input', 'internal']
    for (const kind of yes) expect(triggersFallback({ kind }, all)).toBe(true)
    for (const kind of no) {
      expect(triggerOf({ kind })).toBeNull()
      expect(triggersFallback({ kind }, all)).toBe(false)
    }
    // A list that names only 429 leaves a 5xx an error.
    expect(triggersFallback({ kind: 'server' }, { triggers: ['rate-limited'] })).toBe(false)
    expect(triggersFallback({ kind: 'rate-limited' }, { triggers: ['rate-limited'] })).toBe(true)
  })

  it('a list defaults to every trigger, and is off when empty', () => {
    expect(FallbackChain.parse({ bindings: [{ entryId: 'b', model: 'm' }] }).triggers).toEqual(['network', 'timeout', 'server', 'rate-limited'])
    expect(FallbackChain.safeParse({ bindings: [{ entryId: 'b/x', model: 'm' }] }).success).toBe(false)
    const profile = { bindings: [{ entryId: 'p', model: 'm' }], triggers: [...DEFAULT_FALLBACK_TRIGGERS] }
    const own = { bindings: [{ entryId: 's', model: 'm' }], triggers: [...DEFAULT_FALLBACK_TRIGGERS] }
    expect(effectiveChain(null, null)).toEqual({ source: 'none', chain: null })
    expect(effectiveChain(null, profile)).toEqual({ source: 'profile', chain: profile })
    expect(effectiveChain(own, profile)).toEqual({ source: 'session', chain: own })
    // An empty override turns the profile's list off for this session.
    expect(effectiveChain({ bindings: [], triggers: [] }, profile)).toEqual({ source: 'session', chain: null })
  })

  it('says why in a few words, and one line says selected vs answered', () => {
    expect(shortReason({ kind: 'server', status: 503 })).toBe('HTTP 503')
    expect(shortReason({ kind: 'network' })).toBe('network error')
    expect(shortReason({ kind: 'timeout' })).toBe('timeout')
    const skipped: FallbackSkip[] = [
      { entryId: 'a', entryName: 'Primary', model: 'p-1', reason: 'HTTP 429', message: '', outcome: 'failed' },
      { entryId: 'z', entryName: 'z', model: 'z-1', reason: 'its key is missing', message: '', outcome: 'unresolved' },
    ]
    const selected = { entryId: 'a', entryName: 'Primary', model: 'p-1' }
    expect(fallbackLine({ selected, answered: { entryId: 'b', entryName: 'Backup', model: 'b-1', identityKey: 'k' }, skipped })).toBe('answered by Backup · b-1 — fallback from Primary · p-1: HTTP 429')
    expect(fallbackLine({ selected, answered: null, skipped })).toBe('no binding answered — Primary · p-1: HTTP 429; z · z-1: its key is missing')
    expect(allFailedMessage(skipped)).toBe('Every binding failed, nothing answered: selected Primary · p-1: HTTP 429; fallback z · z-1: its key is missing.')
  })
})
