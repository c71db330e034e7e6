import type { KeelErrorData, TrayMenuModel } from '../../../shared/domain'
import { useBridgeEvent } from './useBridgeEvent'
import { useLiveQuery } from './useLiveQuery'

export interface TrayMenuState {
  model: TrayMenuModel | null
  error: KeelErrorData | null
  /** Asks main for the current model (the menu does so each time it opens). */
  refresh: () => void
}

const revision = (model: TrayMenuModel) => model.revision

/**
 * The tray menu model, as the core computes it for the native tray: fetched with tray.menu and kept current by
 * `tray` events. A model whose revision is lower than the one shown is stale and dropped. Revisions count per
 * process, so after a re-connection (possibly to a restarted host) the next model is taken whatever its number.
 */
export function useTrayMenu(): TrayMenuState {
  const { data, error, refetch, accept } = useLiveQuery('tray.menu', {}, { order: revision })
  useBridgeEvent('tray', accept)
  return { model: data, error, refresh: refetch }
}
