// The one canonicalize step: legacy ids map to Keel's, entry prefixes are stripped, local servers keep full ids.
import { describe, expect, it } from 'vitest'
import type { ProviderEntry } from '../../src/shared/domain'
import { canonicalizeBinding } from '../../src/main/core/identity/canonicalize'

const entries: ProviderEntry[] = [
  { id: 'openai', name: 'OpenAI', kind: 'openai', api: 'openai-responses', baseUrl: 'https://api.openai.com/v1' },
  { id: 'mimo', name: 'Mimo', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'https://token-plan.example.com/v1' },
  { id: 'lmstudio', name: 'LM Studio', kind: 'lmstudio', api: 'openai-chat', baseUrl: 'http://127.0.0.1:1234/v1' },
  { id: 'qwen', name: 'Qwen box', kind: 'openai-compatible', api: 'openai-chat', baseUrl: 'http://192.168.1.20:8000/v1' },
  { id: 'openrouter', name: 'OpenRouter', kind: 'openrouter', api: 'openai-chat', baseUrl: 'https://openrouter.ai/api/v1' },
]

describe('canonicalizeBinding', () => {
  it('maps the legacy openai-codex id and strips its prefix from the model', () => {
    expect(canonicalizeBinding({ entryId: 'openai-codex', model: 'openai-codex/gpt-5.5' }, entries)).toMatchObject({ entryId: 'openai', model: 'gpt-5.5' })
  })
  it('strips a model prefixed with its own entry id only to reach an id the entry lists', () => {
    expect(canonicalizeBinding({ entryId: 'mimo', model: 'mimo/gpt-x' }, entries, () => ['gpt-x'])).toMatchObject({ entryId: 'mimo', model: 'gpt-x', changes: [expect.stringContaining('prefix')] })
    const listing = entries.map((e) => (e.id === 'mimo' ? { ...e, models: ['gpt-x'] } : e))
    expect(canonicalizeBinding({ entryId: 'mimo', model: 'mimo/gpt-x' }, listing).model).toBe('gpt-x')
    // Nothing says `gpt-x` is Mimo's id: `mimo/gpt-x` may be its own, so it is kept whole.
    expect(canonicalizeBinding({ entryId: 'mimo', model: 'mimo/gpt-x' }, entries)).toMatchObject({ model: 'mimo/gpt-x', changes: [] })
  })
  it('strips an entry prefix on a local server when the rest is what the server lists, never a listed id', () => {
    expect(canonicalizeBinding({ entryId: 'lmstudio', model: 'lmstudio/qwen/qwen3.6-27b' }, entries, () => ['qwen/qwen3.6-27b'])).toMatchObject({ model: 'qwen/qwen3.6-27b', changes: [expect.stringContaining('prefix')] })
    expect(canonicalizeBinding({ entryId: 'lmstudio', model: 'lmstudio/qwen/qwen3.6-27b' }, entries, () => ['lmstudio/qwen/qwen3.6-27b']).model).toBe('lmstudio/qwen/qwen3.6-27b')
    expect(canonicalizeBinding({ entryId: 'lmstudio', model: 'lmstudio/qwen/qwen3.6-27b' }, entries).model).toBe('lmstudio/qwen/qwen3.6-27b')
  })
  it('the kind decides, not the address: an openai entry on a loopback proxy loses the legacy openai/ prefix', () => {
    const proxy: ProviderEntry = { id: 'litellm', name: 'LiteLLM', kind: 'openai', api: 'openai-chat', baseUrl: 'http://127.0.0.1:4000/v1' }
    expect(canonicalizeBinding({ entryId: 'litellm', model: 'openai/gpt-5.5' }, [proxy]).model).toBe('gpt-5.5')
    // …unless the proxy lists the prefixed id itself.
    expect(canonicalizeBinding({ entryId: 'litellm', model: 'openai/gpt-5.5' }, [proxy], () => ['openai/gpt-5.5']).model).toBe('openai/gpt-5.5')
  })
  it('keeps full ids on local servers, even when the prefix equals the entry id', () => {
    expect(canonicalizeBinding({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b' }, entries)).toEqual({ entryId: 'lmstudio', model: 'qwen/qwen3.6-27b', changes: [] })
    expect(canonicalizeBinding({ entryId: 'qwen', model: 'qwen/qwen3.6-27b' }, entries)).toEqual({ entryId: 'qwen', model: 'qwen/qwen3.6-27b', changes: [] })
  })
  it('never strips a prefix that is part of the provider\'s own id (OpenRouter)', () => {
    expect(canonicalizeBinding({ entryId: 'openrouter', model: 'anthropic/claude-sonnet-4.5' }, entries).model).toBe('anthropic/claude-sonnet-4.5')
    expect(canonicalizeBinding({ entryId: 'openrouter', model: 'openrouter/auto' }, entries).model).toBe('openrouter/auto')
  })
  it('refuses resolved classes as bindings', () => {
    for (const cls of ['custom', 'openai-compatible']) expect(() => canonicalizeBinding({ entryId: cls, model: 'm' }, entries)).toThrow(/resolved provider class/)
  })
  it('is idempotent', () => {
    const once = canonicalizeBinding({ entryId: 'openai-codex', model: 'openai-codex/gpt-5.5' }, entries)
    expect(canonicalizeBinding(once, entries).changes).toEqual([])
  })
})
