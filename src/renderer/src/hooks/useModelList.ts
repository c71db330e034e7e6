import { useCallback, useEffect, useRef, useState } from 'react'
import type { KeelErrorData, ModelList } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'

export interface ModelListState {
  list: ModelList | null
  loading: boolean
  error: KeelErrorData | null
  refresh: () => void
}

/**
 * One entry's model catalog with its provenance; loads when `enabled` (the group is open).
 * `refreshSession`: for the entry the open session runs on, a refresh goes through `sessions.refreshModels`, so it
 * targets the session's active identity (invariant 7), never the app default or the entry's newer config.
 */
export function useModelList(entryId: string, enabled: boolean, refreshSession: string | null = null): ModelListState {
  const [list, setList] = useState<ModelList | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)

  const load = useCallback(
    (refresh: boolean) => {
      const request = ++latestRequest.current
      setLoading(true)
      setError(null)
      const pending: Promise<ModelList> =
        refresh && refreshSession
          ? call('sessions.refreshModels', { id: refreshSession })
          : call('providers.models', refresh ? { entryId, refresh: true } : { entryId })
      pending
        .then((result) => {
          if (request !== latestRequest.current) return
          setList(result)
          setLoading(false)
        })
        .catch((e: unknown) => {
          if (request !== latestRequest.current) return
          setError(toErrorData(e))
          setLoading(false)
        })
    },
    [entryId, refreshSession],
  )

  useEffect(() => {
    if (enabled && list === null) load(false)
  }, [enabled, list, load])

  const refresh = useCallback(() => load(true), [load])
  return { list, loading, error, refresh }
}
