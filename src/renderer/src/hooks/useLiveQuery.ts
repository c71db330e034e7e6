import { useCallback, useEffect, useRef, useState } from 'react'
import type { Channel, ChannelInput, ChannelOutput, EventName } from '../../../shared/contract'
import type { KeelErrorData } from '../../../shared/domain'
import { call, subscribe } from '../bridge'
import { toErrorData } from '../errors'
import { useConnection } from './useConnection'

export interface LiveQueryOptions<T> {
  /** Contract events after which the channel is asked again. */
  refreshOn?: readonly EventName[]
  /** Sees each value before it is kept (for example, to hand identity snapshots to the snapshot store). */
  onValue?: (value: T) => void
  /**
   * For values that carry their own order (the tray model's revision). Without it, only the newest request's answer
   * is heard and `accept` supersedes requests still in flight. With it, every answer is heard and a value whose order
   * is below the shown one's is stale and dropped. Orders count per host process, so after a re-connection (possibly
   * to a restarted host) the next value is taken whatever its order.
   */
  order?: (value: T) => number
}

export interface LiveQuery<T> {
  /** The last value kept; null until one arrives. */
  data: T | null
  /** False until the first answer (a value or an error) is in. */
  loaded: boolean
  /** Why the last request failed; cleared by the next value kept. */
  error: KeelErrorData | null
  /** Asks the channel again. */
  refetch: () => void
  /** Keeps a value main sent by other means (an event, the reply to a write) as if the channel had answered it. */
  accept: (value: T) => void
}

/**
 * What a channel answers for `input`, kept current: asked on mount, when the input changes, after every
 * re-connection (views refetch what they may have missed) and after each `refreshOn` event.
 */
export function useLiveQuery<C extends Channel>(
  channel: C,
  input: ChannelInput<C>,
  options: LiveQueryOptions<ChannelOutput<C>> = {},
): LiveQuery<ChannelOutput<C>> {
  type T = ChannelOutput<C>
  const [data, setData] = useState<T | null>(null)
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const latestRequest = useRef(0)
  const shownOrder = useRef(-Infinity)
  const { generation } = useConnection()

  // Callers pass options inline; the latest ones are always the ones used.
  const latest = useRef(options)
  useEffect(() => {
    latest.current = options
  })

  // Inputs are plain JSON (that is how they travel to main); an equal input is the same query, whatever its identity.
  const inputKey = JSON.stringify(input)

  const keep = useCallback((value: T) => {
    const { order, onValue } = latest.current
    if (order) {
      if (order(value) < shownOrder.current) return
      shownOrder.current = order(value)
    }
    onValue?.(value)
    setData(value)
    setError(null)
    setLoaded(true)
  }, [])

  const refetch = useCallback(() => {
    const request = ++latestRequest.current
    const heard = () => latest.current.order !== undefined || request === latestRequest.current
    call(channel, JSON.parse(inputKey) as ChannelInput<C>)
      .then((value) => {
        if (heard()) keep(value)
      })
      .catch((e: unknown) => {
        if (!heard()) return
        setError(toErrorData(e))
        setLoaded(true)
      })
  }, [channel, inputKey, keep])

  const accept = useCallback(
    (value: T) => {
      // Anything main says supersedes a load still in flight.
      latestRequest.current++
      keep(value)
    },
    [keep],
  )

  useEffect(() => {
    shownOrder.current = -Infinity
    refetch()
  }, [refetch, generation])

  const refreshKey = (options.refreshOn ?? []).join(' ')
  useEffect(() => {
    if (!refreshKey) return
    const unsubscribes = (refreshKey.split(' ') as EventName[]).map((event) => subscribe(event, refetch))
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe()
    }
  }, [refreshKey, refetch])

  return { data, loaded, error, refetch, accept }
}
