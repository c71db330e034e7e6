import type { KeelErrorData, ProviderEntryView } from '../../../shared/domain'
import { useLiveQuery } from './useLiveQuery'

export interface ProvidersState {
  providers: ProviderEntryView[]
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

/** One empty list for "none yet", so the value stays the same from render to render until the first answer. */
const NONE: ProviderEntryView[] = []

export function useProviders(): ProvidersState {
  const { data, loaded, error, refetch } = useLiveQuery('providers.list', {}, { refreshOn: ['providers', 'app'] })
  return { providers: data ?? NONE, loaded, error, refetch }
}
