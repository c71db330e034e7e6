// Edges of the one canonicalize step that the mutation run found untested: whitespace around ids is trimmed and
// said so, and a model id that is empty (or only an entry prefix) is refused with a field to point at.
import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/shared/domain'
import { canonicalizeBinding, NO_KNOWN_MODELS } from '../../src/main/core/identity/canonicalize'
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

// The mutation run's second pass (issue #13): what the legacy-alias step, the resolved-class refusal and the listed
// ids decide, each as the binding a session ends up with.
const lmStudio: ProviderEntry = { id: 'lmstudio', name: 'LM Studio', kind: 'lmstudio', api: 'openai-chat', baseUrl: 'http://127.0.0.1:1234/v1' }
const openai: ProviderEntry = { id: 'openai', name: 'OpenAI', kind: 'openai', api: 'openai-responses', baseUrl: 'https://api.openai.com/v1' }
const anthropic: ProviderEntry = { id: 'anthropic', name: 'Anthropic', kind: 'anthropic', api: 'anthropic-messages', baseUrl: 'https://api.anthropic.com' }
/** A user's own entry that happens to be named like a legacy alias (a proxy they called "claude"). */
const ownClaude: ProviderEntry = { id: 'claude', name: 'My Claude proxy', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://10.0.0.5:4000/v1' }

function refused(entryId: string, model: string, providers: readonly ProviderEntry[]): KeelError {
  try {
    canonicalizeBinding({ entryId, model }, providers)
  } catch (err) {
    if (err instanceof KeelError) return err
    throw err
  }
  throw new Error('canonicalizeBinding accepted it')
}

describe('canonicalizeBinding: legacy aliases', () => {
  it('a row bound to the legacy id "lm-studio" loses that id\'s own prefix, though LM Studio lists nothing yet, and says both changes', () => {
    expect(canonicalizeBinding({ entryId: 'lm-studio', model: 'lm-studio/qwen/qwen3.6-27b' }, [lmStudio])).toEqual({
      entryId: 'lmstudio',
      model: 'qwen/qwen3.6-27b',
      changes: ['entry "lm-studio" → "lmstudio" (legacy alias)', 'model "lm-studio/qwen/qwen3.6-27b" → "qwen/qwen3.6-27b" (entry prefix removed)'],
    })
    // Whitespace around the legacy id does not keep its prefix on the model.
    expect(canonicalizeBinding({ entryId: ' lm-studio ', model: 'lm-studio/qwen/qwen3.6-27b' }, [lmStudio])).toMatchObject({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' })
  })

  it('a legacy "codex" row whose OpenAI entry is gone still names the bare model (the binding then shows the entry as missing)', () => {
    expect(canonicalizeBinding({ entryId: 'codex', model: 'codex/gpt-5.5' }, [])).toMatchObject({ entryId: 'openai', model: 'gpt-5.5' })
  })

  it('an entry of the user\'s own named like an alias stays theirs: not remapped, and its ids are kept whole', () => {
    expect(canonicalizeBinding({ entryId: 'claude', model: 'sonnet' }, [anthropic, ownClaude])).toEqual({ entryId: 'claude', model: 'sonnet', changes: [] })
    // `claude/sonnet` may be the proxy's own id: nothing it lists says otherwise.
    expect(canonicalizeBinding({ entryId: 'claude', model: 'claude/sonnet' }, [anthropic, ownClaude])).toEqual({ entryId: 'claude', model: 'claude/sonnet', changes: [] })
  })

  it('another provider\'s legacy prefix is not stripped: "codex/gpt-5.5" on Anthropic is never turned into "gpt-5.5"', () => {
    expect(canonicalizeBinding({ entryId: 'anthropic', model: 'codex/gpt-5.5' }, [openai, anthropic])).toEqual({ entryId: 'anthropic', model: 'codex/gpt-5.5', changes: [] })
  })
})

describe('canonicalizeBinding: resolved classes and listed ids', () => {
  it('a bare resolved class is refused with the field and the fix the picker shows, even with no entries at all', () => {
    for (const providers of [[], [openai]]) {
      expect(refused('custom', 'm', providers).data).toEqual({
        kind: 'invalid-input',
        message: '"custom" is a resolved provider class, not a provider entry; a session must be bound to a named entry.',
        field: 'entryId',
        fix: 'Pick the provider entry by name in the model picker.',
      })
    }
  })

  it('an entry the user named "custom" is bindable: the name is theirs, not the resolved class', () => {
    const named: ProviderEntry = { id: 'custom', name: 'Custom', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://10.0.0.6:8000/v1' }
    expect(canonicalizeBinding({ entryId: 'custom', model: 'm' }, [openai, named])).toEqual({ entryId: 'custom', model: 'm', changes: [] })
  })

  it('the entry\'s default model counts as listed: its prefixed form strips to it', () => {
    const mimo: ProviderEntry = { ...entries[0]!, defaultModel: 'gpt-x' }
    expect(canonicalizeBinding({ entryId: 'mimo', model: 'mimo/gpt-x' }, [mimo])).toMatchObject({ model: 'gpt-x', changes: ['model "mimo/gpt-x" → "gpt-x" (entry prefix removed)'] })
  })

  it('without a catalog nothing beyond the entry\'s own config is known', () => {
    expect(NO_KNOWN_MODELS(entries[0]!)).toEqual([])
    expect(NO_KNOWN_MODELS(lmStudio)).toEqual([])
  })

  it('a model with none of the entry\'s prefixes is judged without reading its catalogs (an unreadable one does not block it)', () => {
    const unreadable = () => {
      throw new Error('catalog unreadable')
    }
    expect(canonicalizeBinding({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' }, [lmStudio], unreadable)).toEqual({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b', changes: [] })
  })

  it('a model id that is only the entry\'s (or a legacy alias\'s) prefix is refused like an empty one', () => {
    for (const [entryId, model] of [['openai', 'openai/'], ['openai', 'codex/'], ['codex', 'codex/']] as const) {
      expect(refused(entryId, model, [openai]).data).toEqual({ kind: 'invalid-input', message: 'A model id is required.', field: 'model' })
    }
  })
})
