// What the provider form warns about before it saves (the user can still save): an entry with no model at all,
// and a custom URL whose models endpoint answers 404 (often a base URL missing its /v1).
import type { ConnectionTestResult } from '../../../shared/connection-test'

export interface ProviderWarning {
  id: 'no-model' | 'models-404'
  text: string
}

export interface WarningInput {
  entryName: string
  defaultModel: string
  modelList: string[]
  /** The base URL typed (empty: the kind's default). */
  baseUrl: string
  kindDefaultUrl: string | null
  /** The models endpoint check for these very values, if one was made. */
  check: ConnectionTestResult | null
}

/** A base URL the user chose (not the kind's own default): only such a URL can be wrong in a way Keel cannot know. */
export function isCustomUrl(baseUrl: string, kindDefaultUrl: string | null): boolean {
  const url = baseUrl.trim()
  return url !== '' && url !== kindDefaultUrl
}

export function providerWarnings(input: WarningInput): ProviderWarning[] {
  const out: ProviderWarning[] = []
  if (!input.defaultModel.trim() && input.modelList.length === 0) {
    out.push({
      id: 'no-model',
      text: `"${input.entryName}" has no default model and no model list: sessions on it cannot start until a model is picked for them.`,
    })
  }
  if (isCustomUrl(input.baseUrl, input.kindDefaultUrl) && input.check?.status === 404) {
    out.push({
      id: 'models-404',
      text: `${input.check.url} answered HTTP 404: there is no models list at this base URL, so Keel cannot list its models (check the URL, many servers expect /v1 at the end, or add a static model list).`,
    })
  }
  return out
}
