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

/** One entry's model catalog with its provenance; loads when `enabled` (the group is open). */
export function useModelList(entryId: string, enabled: boolean): ModelListState {
  const [list, setList] = useState<ModelList | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)

  const load = useCallback(
    (refresh: boolean) => {
      const request = ++latestRequest.current
      setLoading(true)
      setError(null)
      call('providers.models', refresh ? { entryId, refresh: true } : { entryId })
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
    [entryId],
  )

  useEffect(() => {
    if (enabled && list === null) load(false)
  }, [enabled, list, load])

  const refresh = useCallback(() => load(true), [load])
  return { list, loading, error, refresh }
}
