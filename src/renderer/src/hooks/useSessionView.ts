// One open session: its persisted view (`sessions.open`) plus what streamed since (`chat` events).
// Streaming text is shown as it arrives; when a turn ends the view is refetched and the persisted messages
// replace the streamed text. Mount one instance per session (the caller keys it by session id).
import { useCallback, useEffect, useReducer, useRef } from 'react'
import type { ChatEvent } from '../../../shared/contract'
import type { KeelErrorData, SessionView, TurnView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { isPendingStored } from '../lib/chatItems'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

/** A turn as seen from events, before (or until) a refetched view reports it. */
export interface LiveTurn {
  turnId: string
  userMessageId: string | null
  text: string
  /** Set by `turn-ended`; the refetch that follows makes this turn part of the view. */
  ended: 'done' | 'stopped' | 'error' | null
  error: KeelErrorData | null
  startedAt: number
}

/** The user's text shown right after sending, until the refetched view contains the stored message. */
export interface PendingUserMessage {
  turnId: string
  text: string
  createdAt: number
}

interface State {
  view: SessionView | null
  error: KeelErrorData | null
  live: ReadonlyMap<string, LiveTurn>
  pending: PendingUserMessage | null
}

type Action =
  | { type: 'opened'; view: SessionView }
  | { type: 'open-failed'; error: KeelErrorData }
  | { type: 'turn-started'; turnId: string; userMessageId: string | null }
  | { type: 'deltas'; chunks: ReadonlyMap<string, string> }
  | { type: 'turn-ended'; turnId: string; status: 'done' | 'stopped' | 'error'; error: KeelErrorData | null }
  | { type: 'sent'; turnId: string; text: string }

/** Checkpointed text and streamed text describe the same reply; keep whichever has more of it. */
function mergeStreamText(streamed: string, checkpoint: string): string {
  if (streamed.startsWith(checkpoint)) return streamed
  if (checkpoint.startsWith(streamed)) return checkpoint
  return checkpoint.length > streamed.length ? checkpoint : streamed
}

type LiveChange = Partial<Omit<LiveTurn, 'turnId'>>

/** A live turn carried on from what was known of it (nothing, for a turn seen first), with `change` applied. */
function carryLive(turnId: string, previous: LiveTurn | undefined, change: LiveChange): LiveTurn {
  return {
    turnId,
    userMessageId: previous?.userMessageId ?? null,
    text: previous?.text ?? '',
    ended: previous?.ended ?? null,
    error: previous?.error ?? null,
    startedAt: previous?.startedAt ?? Date.now(),
    ...change,
  }
}

function liveFromView(turn: TurnView, previous: LiveTurn | undefined): LiveTurn {
  return {
    turnId: turn.id,
    userMessageId: turn.userMessageId ?? previous?.userMessageId ?? null,
    text: mergeStreamText(previous?.text ?? '', turn.partialText),
    ended: previous?.ended ?? null,
    error: previous?.error ?? null,
    startedAt: turn.startedAt,
  }
}

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'opened': {
      // The view is the truth for every turn it knows; live turns only carry what it does not have yet.
      const live = new Map<string, LiveTurn>()
      const known = new Set(action.view.turns.map((t) => t.id))
      for (const turn of action.view.turns) {
        const previous = state.live.get(turn.id)
        // A refetch can race the end of a turn: an ended live turn stays until the view stops saying running.
        if (turn.status === 'running') live.set(turn.id, liveFromView(turn, previous))
      }
      for (const [id, turn] of state.live) if (!known.has(id)) live.set(id, turn)
      const pending = state.pending && isPendingStored(action.view, live, state.pending) ? null : state.pending
      return { view: action.view, error: null, live, pending }
    }
    case 'open-failed':
      return { ...state, error: action.error }
    case 'turn-started': {
      const live = new Map(state.live)
      const change = { userMessageId: action.userMessageId }
      live.set(action.turnId, carryLive(action.turnId, live.get(action.turnId), change))
      return { ...state, live }
    }
    case 'deltas': {
      const live = new Map(state.live)
      for (const [turnId, text] of action.chunks) {
        const previous = live.get(turnId)
        live.set(turnId, carryLive(turnId, previous, { text: (previous?.text ?? '') + text }))
      }
      return { ...state, live }
    }
    case 'turn-ended': {
      const live = new Map(state.live)
      const change = { ended: action.status, error: action.error }
      live.set(action.turnId, carryLive(action.turnId, live.get(action.turnId), change))
      return { ...state, live }
    }
    case 'sent': {
      const live = new Map(state.live)
      if (!live.has(action.turnId)) live.set(action.turnId, carryLive(action.turnId, undefined, {}))
      const sent = { turnId: action.turnId, text: action.text, createdAt: Date.now() }
      const pending = state.view && isPendingStored(state.view, live, sent) ? null : sent
      return { ...state, live, pending }
    }
  }
}

export interface SessionViewState {
  view: SessionView | null
  error: KeelErrorData | null
  live: ReadonlyMap<string, LiveTurn>
  pending: PendingUserMessage | null
  /** A turn is running (per the view, or per events not yet reflected in it). */
  running: boolean
  reload: () => void
  /** Tells the view a turn was just sent from this window, so the user's text shows at once. */
  markSent: (turnId: string, text: string) => void
}

const DELTA_FLUSH_MS = 32

export function useSessionView(sessionId: string): SessionViewState {
  const [state, dispatch] = useReducer(reducer, { view: null, error: null, live: new Map(), pending: null })
  const latestRequest = useRef(0)
  const { generation } = useConnection()

  const reload = useCallback(() => {
    const request = ++latestRequest.current
    call('sessions.open', { id: sessionId })
      .then((view) => {
        if (request !== latestRequest.current) return
        acceptSnapshot(view.session.identity)
        dispatch({ type: 'opened', view })
      })
      .catch((e: unknown) => {
        if (request !== latestRequest.current) return
        dispatch({ type: 'open-failed', error: toErrorData(e) })
      })
  }, [sessionId])

  useEffect(() => reload(), [reload, generation])

  // Deltas arrive many times a second; apply them in small batches so markdown re-renders stay cheap.
  const buffered = useRef(new Map<string, string>())
  const flushTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const flushDeltas = useCallback(() => {
    if (flushTimer.current !== null) clearTimeout(flushTimer.current)
    flushTimer.current = null
    if (buffered.current.size === 0) return
    const chunks = buffered.current
    buffered.current = new Map()
    dispatch({ type: 'deltas', chunks })
  }, [])
  useEffect(() => () => {
    if (flushTimer.current !== null) clearTimeout(flushTimer.current)
  }, [])

  useBridgeEvent('chat', (event: ChatEvent) => {
    if (event.sessionId !== sessionId) return
    switch (event.type) {
      case 'turn-started':
        flushDeltas()
        dispatch({ type: 'turn-started', turnId: event.turnId, userMessageId: event.userMessageId })
        reload() // brings in the stored user message (also for turns started from another window)
        break
      case 'delta':
        buffered.current.set(event.turnId, (buffered.current.get(event.turnId) ?? '') + event.text)
        if (flushTimer.current === null) flushTimer.current = setTimeout(flushDeltas, DELTA_FLUSH_MS)
        break
      case 'turn-ended':
        flushDeltas()
        dispatch({ type: 'turn-ended', turnId: event.turnId, status: event.status, error: event.error })
        reload()
        break
    }
  })

  const markSent = useCallback((turnId: string, text: string) => dispatch({ type: 'sent', turnId, text }), [])

  const running = [...state.live.values()].some((t) => t.ended === null)

  return { view: state.view, error: state.error, live: state.live, pending: state.pending, running, reload, markSent }
}
