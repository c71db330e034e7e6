import { useCallback, useEffect, useRef, useState } from 'react'
import type { AppState, KeelErrorData } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

export interface AppStateState {
  app: AppState | null
  error: KeelErrorData | null
  refetch: () => void
}

/** Data directory, config and keychain status, and the app default, as main reports them. */
export function useAppState(): AppStateState {
  const [app, setApp] = useState<AppState | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const refetch = useCallback(() => {
    const request = ++latestRequest.current
    call('app.state', {})
      .then((state) => {
        if (request !== latestRequest.current) return
        setApp(state)
        setError(null)
      })
      .catch((e: unknown) => {
        if (request !== latestRequest.current) return
        setError(toErrorData(e))
      })
  }, [])

  useEffect(() => refetch(), [refetch, generation])
  useBridgeEvent('app', refetch)
  useBridgeEvent('providers', refetch)

  return { app, error, refetch }
}
