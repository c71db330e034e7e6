import { useCallback, useEffect, useRef, useState } from 'react'
import type { KeelErrorData, SessionSummary } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'
import { useDebouncedValue } from './useDebouncedValue'

export interface SessionsState {
  sessions: SessionSummary[]
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

/** The session list (filtered by `query`, debounced), refetched whenever main says sessions, providers or app changed. */
export function useSessions(query: string): SessionsState {
  const debouncedQuery = useDebouncedValue(query.trim(), 150)
  const [sessions, setSessions] = useState<SessionSummary[]>([])
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const refetch = useCallback(() => {
    const request = ++latestRequest.current
    call('sessions.list', debouncedQuery ? { query: debouncedQuery } : {})
      .then((list) => {
        if (request !== latestRequest.current) return
        for (const session of list) acceptSnapshot(session.identity)
        setSessions(list)
        setError(null)
        setLoaded(true)
      })
      .catch((e: unknown) => {
        if (request !== latestRequest.current) return
        setError(toErrorData(e))
        setLoaded(true)
      })
  }, [debouncedQuery])

  useEffect(() => refetch(), [refetch, generation])
  useBridgeEvent('sessions', refetch)
  useBridgeEvent('providers', refetch)
  useBridgeEvent('app', refetch)

  return { sessions, loaded, error, refetch }
}
