import { useCallback } from 'react'
import type { KeelErrorData, Preferences } from '../../../shared/domain'
import { call } from '../bridge'
import { useBridgeEvent } from './useBridgeEvent'
import { useLiveQuery } from './useLiveQuery'

export interface PreferencesState {
  preferences: Preferences | null
  /** Why loading failed, when it did. */
  error: KeelErrorData | null
  /** Saves a change; resolves with the preferences main stored, rejects with a KeelUiError. */
  save: (patch: Partial<Preferences>) => Promise<Preferences>
}

/** App preferences as main stores them: loaded with preferences.get, kept current by the `preferences` event. */
export function usePreferences(): PreferencesState {
  const { data, error, accept } = useLiveQuery('preferences.get', {})

  useBridgeEvent('preferences', accept)

  const save = useCallback(
    async (patch: Partial<Preferences>) => {
      const next = await call('preferences.set', patch)
      accept(next)
      return next
    },
    [accept],
  )

  return { preferences: data, error, save }
}
