// Built-in provider kinds and their public defaults (DESIGN.md, "Built-in provider kinds"): one table, read by the
// core (resolution, entry creation) and the renderer (the provider form). Pure data.
import type { ProviderApi, ProviderKind } from './domain'

export interface KindDefaults {
  label: string
  /** The public default base URL; null when the user must give one. */
  baseUrl: string | null
  api: ProviderApi
  /** Whether requests need a key unless the entry's own `auth` says otherwise. */
  auth: 'api-key' | 'none'
  /** A loopback server by default (full model ids, no key). */
  local: boolean
}

export const KIND_DEFAULTS: Record<ProviderKind, KindDefaults> = {
  openai: { label: 'OpenAI', baseUrl: 'https://api.openai.com/v1', api: 'openai-responses', auth: 'api-key', local: false },
  anthropic: { label: 'Anthropic', baseUrl: 'https://api.anthropic.com', api: 'anthropic-messages', auth: 'api-key', local: false },
  openrouter: { label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', api: 'openai-chat', auth: 'api-key', local: false },
  gemini: { label: 'Google Gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/', api: 'openai-chat', auth: 'api-key', local: false },
  ollama: { label: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-chat', auth: 'none', local: true },
  lmstudio: { label: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', api: 'openai-chat', auth: 'none', local: true },
  'openai-compatible': { label: 'OpenAI-compatible', baseUrl: null, api: 'openai-chat', auth: 'api-key', local: false },
}
