// Display facts about the built-in provider kinds (DESIGN.md, "Built-in provider kinds"). These only fill the
// provider form (labels, placeholders, a suggested API); main decides what an entry resolves to.
import { PROVIDER_APIS, PROVIDER_KINDS, type KeyStatus, type ProviderApi, type ProviderKind } from '../../../shared/domain'

interface KindInfo {
  label: string
  /** The public default base URL; null when the user must give one. */
  defaultBaseUrl: string | null
  defaultApi: ProviderApi
  /** Whether requests need an API key unless the entry says otherwise (mirrors main's kind defaults). */
  defaultAuth: ProviderAuth
}

export type ProviderAuth = 'api-key' | 'none'

export const KIND_INFO: Record<ProviderKind, KindInfo> = {
  openai: { label: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', defaultApi: 'openai-responses', defaultAuth: 'api-key' },
  anthropic: { label: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com', defaultApi: 'anthropic-messages', defaultAuth: 'api-key' },
  openrouter: { label: 'OpenRouter', defaultBaseUrl: 'https://openrouter.ai/api/v1', defaultApi: 'openai-chat', defaultAuth: 'api-key' },
  gemini: {
    label: 'Google Gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    defaultApi: 'openai-chat',
    defaultAuth: 'api-key',
  },
  ollama: { label: 'Ollama', defaultBaseUrl: 'http://127.0.0.1:11434/v1', defaultApi: 'openai-chat', defaultAuth: 'none' },
  lmstudio: { label: 'LM Studio', defaultBaseUrl: 'http://127.0.0.1:1234/v1', defaultApi: 'openai-chat', defaultAuth: 'none' },
  'openai-compatible': { label: 'OpenAI-compatible', defaultBaseUrl: null, defaultApi: 'openai-chat', defaultAuth: 'api-key' },
}

export const KINDS: readonly ProviderKind[] = PROVIDER_KINDS
export const APIS: readonly ProviderApi[] = PROVIDER_APIS

export function kindLabel(kind: ProviderKind): string {
  return KIND_INFO[kind].label
}

export const KEY_STATUS_TEXT: Record<KeyStatus, string> = {
  stored: 'Key stored in keychain',
  missing: 'No key — add one',
  'not-needed': 'No key needed',
  'keychain-unavailable': 'Keychain unavailable',
}
