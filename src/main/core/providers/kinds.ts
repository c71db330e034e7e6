// Built-in provider kinds and their public defaults (DESIGN.md, "Built-in provider kinds").
import type { ProviderApi, ProviderEntry, ProviderKind } from '../../../shared/domain'

export type AuthStyle = 'bearer' | 'x-api-key' | 'none'

export interface KindDefaults {
  label: string
  baseUrl: string | null
  api: ProviderApi
  auth: AuthStyle
  /** Whether a request without a key is pointless (hosted APIs) or normal (local servers); an entry may say otherwise. */
  keyRequired: boolean
  local: boolean
}

export const KIND_DEFAULTS: Record<ProviderKind, KindDefaults> = {
  openai: { label: 'OpenAI', baseUrl: 'https://api.openai.com/v1', api: 'openai-responses', auth: 'bearer', keyRequired: true, local: false },
  anthropic: { label: 'Anthropic', baseUrl: 'https://api.anthropic.com', api: 'anthropic-messages', auth: 'x-api-key', keyRequired: true, local: false },
  openrouter: { label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', api: 'openai-chat', auth: 'bearer', keyRequired: true, local: false },
  gemini: { label: 'Google Gemini', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/', api: 'openai-chat', auth: 'bearer', keyRequired: true, local: false },
  ollama: { label: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'openai-chat', auth: 'none', keyRequired: false, local: true },
  lmstudio: { label: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', api: 'openai-chat', auth: 'none', keyRequired: false, local: true },
  'openai-compatible': { label: 'OpenAI-compatible', baseUrl: null, api: 'openai-chat', auth: 'bearer', keyRequired: true, local: false },
}

/** How a request to this entry authenticates: anthropic-messages uses x-api-key whatever the kind. */
export function authStyleOf(entry: Pick<ProviderEntry, 'kind' | 'api'>): AuthStyle {
  if (entry.api === 'anthropic-messages') return 'x-api-key'
  return KIND_DEFAULTS[entry.kind].auth
}

const PRIVATE_V4 = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\.0\.0\.0$/]

/** Loopback, private-range or .local hosts: local servers keep full model ids and need no key. */
export function isLocalUrl(baseUrl: string): boolean {
  let host: string
  try {
    host = new URL(baseUrl).hostname.toLowerCase()
  } catch {
    return false
  }
  host = host.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true
  if (host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe80:/.test(host)) return true
  return PRIVATE_V4.some((re) => re.test(host))
}

export function isLocalEntry(entry: Pick<ProviderEntry, 'kind' | 'baseUrl' | 'local'>): boolean {
  if (entry.local !== undefined) return entry.local
  return KIND_DEFAULTS[entry.kind].local || isLocalUrl(entry.baseUrl)
}

/** Whether requests to this entry need a key: the entry's own `auth` setting, else its kind's default. */
export function keyRequired(entry: Pick<ProviderEntry, 'kind' | 'auth'>): boolean {
  return (entry.auth ?? (KIND_DEFAULTS[entry.kind].keyRequired ? 'api-key' : 'none')) === 'api-key'
}
