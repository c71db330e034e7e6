import { useCallback, useEffect, useRef, useState } from 'react'
import type { AppDiagnostics, KeelErrorData, SessionDiagnostics } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

export interface DiagnosticsState {
  /** The open session's four views; null when no session is open or it has not loaded. */
  session: SessionDiagnostics | null
  app: AppDiagnostics | null
  sessionError: KeelErrorData | null
  appError: KeelErrorData | null
  /** True until the first load has answered. */
  loading: boolean
  /** Reloads both halves; resolves when the newest answers are in. */
  reload: () => Promise<void>
}

/** Events arrive in bursts (an Apply emits sessions + identity); one reload answers a burst. */
const EVENT_RELOAD_DELAY_MS = 60

/** Diagnostics for one session (or none) and the app, as main reports them; kept fresh by main's events. */
export function useDiagnostics(sessionId: string | null): DiagnosticsState {
  const [session, setSession] = useState<SessionDiagnostics | null>(null)
  const [app, setApp] = useState<AppDiagnostics | null>(null)
  const [sessionError, setSessionError] = useState<KeelErrorData | null>(null)
  const [appError, setAppError] = useState<KeelErrorData | null>(null)
  const [loading, setLoading] = useState(true)
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const reload = useCallback(async () => {
    const request = ++latestRequest.current
    const [sessionResult, appResult] = await Promise.allSettled([
      sessionId ? call('diagnostics.session', { id: sessionId }) : Promise.resolve(null),
      call('diagnostics.app', {}),
    ])
    if (request !== latestRequest.current) return
    if (sessionResult.status === 'fulfilled') {
      if (sessionResult.value) acceptSnapshot(sessionResult.value.snapshot)
      setSession(sessionResult.value)
      setSessionError(null)
    } else {
      setSessionError(toErrorData(sessionResult.reason))
    }
    if (appResult.status === 'fulfilled') {
      setApp(appResult.value)
      setAppError(null)
    } else {
      setAppError(toErrorData(appResult.reason))
    }
    setLoading(false)
  }, [sessionId])

  useEffect(() => {
    void reload()
  }, [reload, generation])

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const scheduleReload = useCallback(() => {
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = setTimeout(() => {
      timer.current = null
      void reload()
    }, EVENT_RELOAD_DELAY_MS)
  }, [reload])
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current)
    },
    [],
  )

  useBridgeEvent('identity', (snapshot) => {
    if (snapshot.sessionId === sessionId) scheduleReload()
  })
  useBridgeEvent('providers', scheduleReload)
  useBridgeEvent('app', scheduleReload)

  return { session, app, sessionError, appError, loading, reload }
}
