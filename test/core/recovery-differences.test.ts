// When Keel may continue an interrupted reply on its own: only when the session would run on exactly the identity
// the turn recorded. Every other case is shown to the user as named differences (invariant 9).
import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/shared/domain'
import { RECOVERY_NOTE, recoveryDifferences } from '../../src/main/core/agents/recovery'
import { identityFor } from '../../src/main/core/identity/resolve'

const entry: ProviderEntry = { id: 'acme', name: 'Acme', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'https://acme.test/v1' }
const then = identityFor(entry, 'm-1', 'fp-then')
/** The turn row as recorded when the reply started. */
const turn = { identityKey: then.identityKey, entryId: then.entryId, model: then.model, baseUrl: then.baseUrl, api: then.api }

describe('recoveryDifferences', () => {
  it('the same identity: no differences, so Keel may continue on its own', () => {
    expect(recoveryDifferences(turn, identityFor(entry, 'm-1', 'fp-then'))).toEqual([])
  })

  it('no identity now: the entry is named as missing', () => {
    expect(recoveryDifferences(turn, null)).toEqual([{ field: 'entry', active: 'acme', config: null }])
  })

  it('each changed field is named with what was recorded and what it would be now', () => {
    const other = identityFor({ ...entry, id: 'other' }, 'm-1', 'fp-then')
    expect(recoveryDifferences(turn, other)).toEqual([{ field: 'entry', active: 'acme', config: 'other' }])
    expect(recoveryDifferences(turn, identityFor(entry, 'm-2', 'fp-then'))).toEqual([{ field: 'model', active: 'm-1', config: 'm-2' }])
    expect(recoveryDifferences(turn, identityFor({ ...entry, baseUrl: 'https://moved.test/v1' }, 'm-1', 'fp-then'))).toEqual([
      { field: 'baseUrl', active: 'https://acme.test/v1', config: 'https://moved.test/v1' },
    ])
    expect(recoveryDifferences(turn, identityFor({ ...entry, api: 'openai-responses' }, 'm-1', 'fp-then'))).toEqual([
      { field: 'api', active: 'openai-chat', config: 'openai-responses' },
    ])
    expect(recoveryDifferences(turn, identityFor({ ...entry, api: 'openai-responses' }, 'm-2', 'fp-then')).map((d) => d.field)).toEqual(['model', 'api'])
  })

  it('only the key differs: the credential is named, never the key or its fingerprint', () => {
    const diffs = recoveryDifferences(turn, identityFor(entry, 'm-1', 'fp-now'))
    expect(diffs).toEqual([{ field: 'credential', active: 'the key used then', config: 'a different key' }])
    expect(JSON.stringify(diffs)).not.toMatch(/fp-/)
  })

  it('the note asks the model to continue without repeating or mentioning it', () => {
    expect(RECOVERY_NOTE).toMatch(/^\[Keel\] /)
    expect(RECOVERY_NOTE).toContain('Continue it from exactly where it stopped')
    expect(RECOVERY_NOTE).toContain('without repeating what you already wrote and without mentioning this note')
  })
})
