import { useEffect, useRef } from 'react'
import type { EventName, EventPayload } from '../../../shared/contract'
import { subscribe } from '../bridge'

/** Subscribes to a contract event for the component's lifetime; the latest handler is always the one called. */
export function useBridgeEvent<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): void {
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  useEffect(() => subscribe(event, (payload) => latest.current(payload)), [event])
}
