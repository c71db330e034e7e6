import type { AppState, KeelErrorData } from '../../../shared/domain'
import { useLiveQuery } from './useLiveQuery'

export interface AppStateState {
  app: AppState | null
  error: KeelErrorData | null
  refetch: () => void
}

/** Data directory, config and keychain status, and the app default, as main reports them. */
export function useAppState(): AppStateState {
  const { data, error, refetch } = useLiveQuery('app.state', {}, { refreshOn: ['app', 'providers'] })
  return { app: data, error, refetch }
}
