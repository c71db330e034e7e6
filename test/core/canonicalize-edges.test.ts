// Edges of the one canonicalize step that the mutation run found untested: whitespace around ids is trimmed and
// said so, and a model id that is empty (or only an entry prefix) is refused with a field to point at.
import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/shared/domain'
import { canonicalizeBinding } from '../../src/main/core/identity/canonicalize'
import { KeelError } from '../../src/main/core/errors'

const entries: ProviderEntry[] = [{ id: 'mimo', name: 'Mimo', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'https://mimo.test/v1' }]

function refusal(entryId: string, model: string): KeelError {
  try {
    canonicalizeBinding({ entryId, model }, entries)
  } catch (err) {
    if (err instanceof KeelError) return err
    throw err
  }
  throw new Error('canonicalizeBinding accepted it')
}

describe('canonicalizeBinding edges', () => {
  it('trims whitespace around the entry id and the model, and records that it did', () => {
    expect(canonicalizeBinding({ entryId: ' mimo ', model: 'm-1\n' }, entries)).toEqual({ entryId: 'mimo', model: 'm-1', changes: ['trimmed whitespace'] })
    expect(canonicalizeBinding({ entryId: 'mimo', model: 'm-1' }, entries).changes).toEqual([])
  })

  it('whitespace around only one of the two ids is recorded too', () => {
    expect(canonicalizeBinding({ entryId: '\tmimo', model: 'm-1' }, entries)).toEqual({ entryId: 'mimo', model: 'm-1', changes: ['trimmed whitespace'] })
    expect(canonicalizeBinding({ entryId: 'mimo', model: ' m-1' }, entries)).toEqual({ entryId: 'mimo', model: 'm-1', changes: ['trimmed whitespace'] })
  })

  it('an empty or blank model id is refused, naming the field', () => {
    for (const model of ['', '   ']) {
      const e = refusal('mimo', model)
      expect(e.data).toEqual({ kind: 'invalid-input', message: 'A model id is required.', field: 'model' })
    }
  })
})
