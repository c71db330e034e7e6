import type { ProfilesState } from '../../../shared/agent-profiles'
import type { KeelErrorData } from '../../../shared/domain'
import { useLiveQuery } from './useLiveQuery'

export interface ProfilesQuery {
  state: ProfilesState | null
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

/** Agent profiles, kept current: profiles live in config.json, so every config change (in Keel or by hand) re-asks. */
export function useProfiles(): ProfilesQuery {
  const { data, loaded, error, refetch } = useLiveQuery('profiles.list', {}, { refreshOn: ['providers', 'app'] })
  return { state: data, loaded, error, refetch }
}
