import { useCallback, useEffect, useRef, useState } from 'react'
import type { KeelErrorData, ProviderEntryView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

export interface ProvidersState {
  providers: ProviderEntryView[]
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

export function useProviders(): ProvidersState {
  const [providers, setProviders] = useState<ProviderEntryView[]>([])
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const refetch = useCallback(() => {
    const request = ++latestRequest.current
    call('providers.list', {})
      .then((list) => {
        if (request !== latestRequest.current) return
        setProviders(list)
        setError(null)
        setLoaded(true)
      })
      .catch((e: unknown) => {
        if (request !== latestRequest.current) return
        setError(toErrorData(e))
        setLoaded(true)
      })
  }, [])

  useEffect(() => refetch(), [refetch, generation])
  useBridgeEvent('providers', refetch)
  useBridgeEvent('app', refetch)

  return { providers, loaded, error, refetch }
}
