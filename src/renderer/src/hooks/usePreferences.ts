import { useCallback, useEffect, useRef, useState } from 'react'
import type { KeelErrorData, Preferences } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

export interface PreferencesState {
  preferences: Preferences | null
  /** Why loading failed, when it did. */
  error: KeelErrorData | null
  /** Saves a change; resolves with the preferences main stored, rejects with a KeelUiError. */
  save: (patch: Partial<Preferences>) => Promise<Preferences>
}

/** App preferences as main stores them: loaded with preferences.get, kept current by the `preferences` event. */
export function usePreferences(): PreferencesState {
  const [preferences, setPreferences] = useState<Preferences | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const accept = useCallback((next: Preferences) => {
    // Anything main says supersedes a load still in flight.
    latestRequest.current++
    setPreferences(next)
    setError(null)
  }, [])

  useEffect(() => {
    const request = ++latestRequest.current
    call('preferences.get', {})
      .then((value) => {
        if (request !== latestRequest.current) return
        setPreferences(value)
        setError(null)
      })
      .catch((e: unknown) => {
        if (request === latestRequest.current) setError(toErrorData(e))
      })
  }, [generation])

  useBridgeEvent('preferences', accept)

  const save = useCallback(
    async (patch: Partial<Preferences>) => {
      const next = await call('preferences.set', patch)
      accept(next)
      return next
    },
    [accept],
  )

  return { preferences, error, save }
}
