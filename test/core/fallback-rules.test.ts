// The fallback rules of the identity module (issue #11): which failures may move on to a fallback, the words used for
// them, which list a session uses, and the one line every surface shows.
import { describe, expect, it } from 'vitest'
import { allFailedMessage, effectiveChain, fallbackDiagnosticRow, fallbackProblems, resolveFallbackBinding, shortReason, triggerOf, triggersFallback } from '../../src/main/core/identity/fallback'
import { EMPTY_CONFIG, type KeelConfig } from '../../src/main/core/config/config-schema'
import type { KeyInfo } from '../../src/main/core/secrets/keychain'
import type { ProviderEntry } from '../../src/shared/domain'
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

  it('a fallback that cannot resolve says why in its own words, and one whose model the entry does not list is skipped', () => {
    const backup: ProviderEntry = { id: 'backup', name: 'Backup', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'https://backup.test/v1', auth: 'api-key', models: ['b-1'] }
    const config: KeelConfig = { ...EMPTY_CONFIG, providers: [backup] }
    const key = (info: KeyInfo) => () => info
    const present = key({ state: 'present', fingerprint: 'f1' })
    const known = () => ['b-2']
    const skipOf = (entryId: string, model: string, keys = present) => {
      const r = resolveFallbackBinding({ entryId, model }, config, keys, known)
      return r.ok ? null : { reason: r.skip.reason, message: r.skip.message }
    }
    // Deleted entry, and one saved as a resolved class: "its entry was deleted" — and a valid config.json is not blamed.
    expect(skipOf('gone', 'g-1')).toEqual({ reason: 'its entry was deleted', message: 'Fallback gone · g-1 skipped: its entry was deleted. Provider entry "gone" no longer exists. Nothing will be sent.' })
    expect(skipOf('custom', 'c-1')?.reason).toBe('its entry was deleted')
    expect(fallbackProblems({ bindings: [{ entryId: 'gone', model: 'g-1' }], triggers: ['network'] }, config, present, known).map((p) => p.message)).toEqual([
      'Fallback gone · g-1 skipped: its entry was deleted. Provider entry "gone" no longer exists. Nothing will be sent.',
    ])
    expect(skipOf('backup', 'b-1', key({ state: 'absent', fingerprint: null }))?.reason).toBe('its key is missing')
    expect(skipOf('backup', 'b-1', key({ state: 'unavailable', locked: true, fingerprint: null }))).toEqual({
      reason: 'the keychain is locked',
      message: 'Fallback Backup · b-1 skipped: the keychain is locked. The OS keychain is locked, so the key of "Backup" cannot be read. Nothing will be sent.',
    })
    expect(skipOf('backup', 'b-1', key({ state: 'unavailable', fingerprint: null }))?.reason).toBe('the keychain is unavailable')
    // Listed models: the static list and the cached catalog both count; anything else is skipped, never sent.
    expect(skipOf('backup', 'b-1')).toBeNull()
    expect(skipOf('backup', 'b-2')).toBeNull()
    expect(skipOf('backup', 'b-3')).toEqual({ reason: 'its model is not listed', message: 'Fallback Backup · b-3 skipped: "b-3" is not among the models "Backup" lists.' })
    const r = resolveFallbackBinding({ entryId: 'backup', model: 'b-1' }, config, present, known)
    expect(r.ok && r.identity.model).toBe('b-1')
  })

  it('the diagnostics row names the list in force, marks each binding that cannot resolve, and says who answered', () => {
    const chain = { bindings: [{ entryId: 'a', model: 'm1' }, { entryId: 'a', model: 'm2' }, { entryId: 'c', model: 'm2' }], triggers: ['network' as const, 'rate-limited' as const] }
    const problems: FallbackSkip[] = [{ entryId: 'a', entryName: 'A', model: 'm2', reason: 'its key is missing', message: '', outcome: 'unresolved' }]
    const none = fallbackDiagnosticRow({ source: 'none', chain: null, problems: [], latest: null })
    expect(none).toMatchObject({ label: 'Answered by', active: 'the selected binding', persisted: null, config: 'fallbacks: none' })
    expect(fallbackDiagnosticRow({ source: 'session', chain, problems, latest: null }).config).toBe(
      'fallbacks: a · m1, a · m2 (its key is missing), c · m2 (this session; after network, rate-limited)',
    )
    expect(fallbackDiagnosticRow({ source: 'profile', chain, problems: [], latest: null }).config).toBe('fallbacks: a · m1, a · m2, c · m2 (profile; after network, rate-limited)')
  })
})
