// Display facts about the built-in provider kinds, from the one shared table. These only fill the provider form
// (labels, placeholders, a suggested API); main decides what an entry resolves to.
import { PROVIDER_APIS, PROVIDER_KINDS, type KeyStatus, type ProviderApi, type ProviderKind } from '../../../shared/domain'
import { KIND_DEFAULTS } from '../../../shared/provider-kinds'

export type ProviderAuth = 'api-key' | 'none'

interface KindInfo {
  label: string
  defaultBaseUrl: string | null
  defaultApi: ProviderApi
  defaultAuth: ProviderAuth
}

export const KIND_INFO = Object.fromEntries(
  PROVIDER_KINDS.map((k) => [k, { label: KIND_DEFAULTS[k].label, defaultBaseUrl: KIND_DEFAULTS[k].baseUrl, defaultApi: KIND_DEFAULTS[k].api, defaultAuth: KIND_DEFAULTS[k].auth }]),
) as Record<ProviderKind, KindInfo>

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
  'keychain-locked': 'Keychain locked — unlock it',
}
