// Rules about provider entries that follow from their kind and URL. The kind defaults themselves are shared
// data (src/shared/provider-kinds.ts): the renderer's provider form reads the same table.
import type { ProviderEntry } from '../../../shared/domain'
import { KIND_DEFAULTS } from '../../../shared/provider-kinds'

export { KIND_DEFAULTS }

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
  return (entry.auth ?? KIND_DEFAULTS[entry.kind].auth) === 'api-key'
}
