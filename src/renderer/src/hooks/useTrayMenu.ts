import { useCallback, useEffect, useRef, useState } from 'react'
import type { KeelErrorData, TrayMenuModel } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

export interface TrayMenuState {
  model: TrayMenuModel | null
  error: KeelErrorData | null
  /** Asks main for the current model (the menu does so each time it opens). */
  refresh: () => void
}

/**
 * The tray menu model, as the core computes it for the native tray: fetched with tray.menu and kept current by
 * `tray` events. A model whose revision is lower than the one shown is stale and dropped. Revisions count per
 * process, so after a re-connection (possibly to a restarted host) the next model is taken whatever its number.
 */
export function useTrayMenu(): TrayMenuState {
  const [model, setModel] = useState<TrayMenuModel | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const shown = useRef(-1)
  const { generation } = useConnection()

  const accept = useCallback((next: TrayMenuModel) => {
    if (next.revision < shown.current) return
    shown.current = next.revision
    setModel(next)
    setError(null)
  }, [])

  const refresh = useCallback(() => {
    call('tray.menu', {})
      .then(accept)
      .catch((e: unknown) => setError(toErrorData(e)))
  }, [accept])

  useEffect(() => {
    shown.current = -1
    refresh()
  }, [generation, refresh])

  useBridgeEvent('tray', accept)

  return { model, error, refresh }
}
