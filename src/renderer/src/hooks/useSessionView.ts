// One open session: a window of its persisted messages (`sessions.open`: the latest page, or the page around a
// search hit) grown page by page as the user scrolls (`sessions.messages`), plus what streamed since (`chat`
// events). Streaming text is shown as it arrives, a frame at a time; when a turn starts or ends only the latest
// page is read and patched onto the window's end, and the persisted messages replace the streamed text. Mount one
// instance per session (the caller keys it by session id).
import type { AttachmentRef } from '../../../shared/attachments'
import { useCallback, useEffect, useReducer, useRef } from 'react'
import type { ChatEvent, EventPayload } from '../../../shared/contract'
import type { KeelErrorData, MessagePage, SessionView, ToolCallView, TurnPauseView, TurnView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { isPendingStored, mergeToolCalls } from '../lib/chatItems'
import type { LiveTurn, PendingUserMessage, ToolCallDraft } from '../lib/liveTurn'
import { withPage } from '../lib/messageWindow'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

/** The live turn with the text streamed so far closed as `step`'s (once): what streams next is a later step's. */
function closeStep(turn: LiveTurn, step: number): LiveTurn {
  if ((turn.steps ?? []).some((s) => s.step === step)) return turn
  return { ...turn, steps: [...(turn.steps ?? []), { step, text: turn.text }], text: '' }
}

/** A message to show (a search hit); `jump` counts the requests, so asking for the same message again jumps again. */
export interface MessageTarget {
  messageId: string
  jump: number
}

interface State {
  /** Counts opens: pages asked for an earlier window are dropped. */
  window: number
  /** The message the window was opened around (a search hit), or null for the latest page. */
  around: string | null
  view: SessionView | null
  error: KeelErrorData | null
  live: ReadonlyMap<string, LiveTurn>
  pending: PendingUserMessage | null
  /** Tool calls as the latest `tool-call` events describe them (newer than the view until it is read again). */
  calls: ReadonlyMap<string, ToolCallView>
}

type Action =
  | { type: 'opened'; view: SessionView; around: string | null }
  | { type: 'page'; window: number; at: 'older' | 'newer' | 'latest'; page: MessagePage }
  | { type: 'open-failed'; error: KeelErrorData }
  | { type: 'turn-started'; turnId: string; userMessageId: string | null }
  | { type: 'deltas'; chunks: ReadonlyMap<string, string> }
  | { type: 'turn-ended'; turnId: string; status: 'done' | 'stopped' | 'error'; error: KeelErrorData | null; pause: TurnPauseView | null }
  | { type: 'tool-call'; turnId: string; call: ToolCallView }
  | { type: 'tool-call-delta'; turnId: string; draft: ToolCallDraft }
  | { type: 'sent'; turnId: string; text: string; attachments: readonly AttachmentRef[] }
  /** The active branch changed (edit, regenerate, retry, another version picked): what ended on the old one goes. */
  | { type: 'branched' }

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
    ...previous,
    turnId: turn.id,
    userMessageId: turn.userMessageId ?? previous?.userMessageId ?? null,
    text: mergeStreamText(previous?.text ?? '', turn.partialText),
    ended: previous?.ended ?? null,
    error: previous?.error ?? null,
    startedAt: turn.startedAt,
  }
}

/** The state showing `view`: the view is the truth for every turn it knows; live turns carry only the rest. */
function showView(state: State, read: SessionView): State {
  // A call event newer than the read keeps its state (a call only moves forward).
  const view = state.calls.size > 0 ? { ...read, toolCalls: mergeToolCalls(read.toolCalls ?? [], state.calls) } : read
  const live = new Map<string, LiveTurn>()
  const known = new Set(view.turns.map((t) => t.id))
  for (const turn of view.turns) {
    const previous = state.live.get(turn.id)
    // A refetch can race the end of a turn: an ended live turn stays until the view stops saying running.
    if (turn.status === 'running') live.set(turn.id, liveFromView(turn, previous))
  }
  for (const [id, turn] of state.live) if (!known.has(id)) live.set(id, turn)
  const pending = state.pending && isPendingStored(view, live, state.pending) ? null : state.pending
  return { ...state, view, error: null, live, pending }
}

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'page': {
      // A page next to a cursor belongs to the window it was asked for; the latest page fits any window that
      // reaches the latest message (withPage leaves other windows alone).
      if ((action.at !== 'latest' && action.window !== state.window) || !state.view) return state
      return showView(state, withPage(state.view, action.at, action.page))
    }
    case 'opened':
      return { ...showView(state, action.view), window: state.window + 1, around: action.around }
    case 'open-failed':
      return { ...state, error: action.error }
    case 'turn-started': {
      const live = new Map(state.live)
      // A paused agent turn resumes under its own id: what it streamed before is in the view's steps by now.
      const change = { userMessageId: action.userMessageId, ended: null, error: null, pause: null, text: '', steps: [], drafts: [] }
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
      const change = { ended: action.status, error: action.error, pause: action.pause }
      live.set(action.turnId, carryLive(action.turnId, live.get(action.turnId), change))
      return { ...state, live }
    }
    case 'tool-call': {
      const calls = new Map(state.calls).set(action.call.id, action.call)
      const view = state.view ? { ...state.view, toolCalls: mergeToolCalls(state.view.toolCalls ?? [], calls) } : null
      // The first call of a step closes that step's text: what streams next belongs to the step after it.
      const previous = state.live.get(action.turnId)
      if (!previous || previous.ended !== null) return { ...state, view, calls }
      const closed = closeStep(previous, action.call.step)
      const drafts = (closed.drafts ?? []).filter((d) => d.providerCallId !== action.call.providerCallId)
      const live = new Map(state.live).set(action.turnId, { ...closed, drafts })
      return { ...state, view, live, calls }
    }
    case 'tool-call-delta': {
      const previous = state.live.get(action.turnId)
      const { draft } = action
      // A late piece of a call that already exists (or of an ended turn) has nothing to add.
      if (!previous || previous.ended !== null || [...state.calls.values()].some((c) => c.turnId === action.turnId && c.providerCallId === draft.providerCallId)) return state
      const closed = closeStep(previous, draft.step)
      const drafts = [...(closed.drafts ?? []).filter((d) => d.providerCallId !== draft.providerCallId), draft].sort((a, b) => a.step - b.step || a.index - b.index)
      return { ...state, live: new Map(state.live).set(action.turnId, { ...closed, drafts }) }
    }
    case 'branched': {
      // Only running turns stay (a regenerate's new turn); an ended one belonged to the branch left behind and is
      // read again with the new branch if it is on it.
      const live = new Map([...state.live].filter(([, t]) => t.ended === null))
      return { ...state, live, pending: null }
    }
    case 'sent': {
      const live = new Map(state.live)
      if (!live.has(action.turnId)) live.set(action.turnId, carryLive(action.turnId, undefined, {}))
      const sent = { turnId: action.turnId, text: action.text, attachments: action.attachments, createdAt: Date.now() }
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
  /** Counts opens of the session (a jump to a search hit opens it again). */
  window: number
  /** The message the shown window was opened around, or null (the latest messages). */
  around: string | null
  reload: () => void
  /** Adds the page above the loaded messages (no-op when the first one is loaded or a load is under way). */
  loadOlder: () => void
  /** Adds the page below (after a jump, the loaded messages may end before the latest). */
  loadNewer: () => void
  /** Tells the view a turn was just sent from this window, so the user's text shows at once. */
  markSent: (turnId: string, text: string, attachments?: readonly AttachmentRef[]) => void
}

/** What the latest-page patch asks for: a turn adds two messages, so this always overlaps the window's end. */
const LATEST_PATCH = 20

/** The next animation frame, or a short timer where frames do not run (a hidden page still takes the text). */
function nextFrame(callback: () => void): () => void {
  if (typeof requestAnimationFrame === 'function' && !document.hidden) {
    const id = requestAnimationFrame(callback)
    return () => cancelAnimationFrame(id)
  }
  const id = setTimeout(callback, 100)
  return () => clearTimeout(id)
}

export function useSessionView(sessionId: string, target: MessageTarget | null = null): SessionViewState {
  const [state, dispatch] = useReducer(reducer, { window: 0, around: null, view: null, error: null, live: new Map(), pending: null, calls: new Map() })
  const latestRequest = useRef(0)
  const { generation } = useConnection()
  const stateRef = useRef(state)
  stateRef.current = state
  const loading = useRef({ older: false, newer: false })
  const latestAsked = useRef(0)
  const latestApplied = useRef(0)

  /** Opens around a message in flight: opening a hit on another version switches to it, and that read shows it. */
  const aroundPending = useRef(0)

  const aroundId = target?.messageId
  const jump = target?.jump ?? 0
  /** Opens the session: at the latest messages, or around `around`. */
  const open = useCallback(
    (around?: string) => {
      const request = ++latestRequest.current
      loading.current = { older: false, newer: false }
      const order = ++latestAsked.current
      if (around) aroundPending.current += 1
      call('sessions.open', around ? { id: sessionId, around } : { id: sessionId })
        .finally(() => {
          if (around) aroundPending.current -= 1
        })
        .then((view) => {
          if (request !== latestRequest.current) return
          acceptSnapshot(view.session.identity)
          dispatch({ type: 'opened', view, around: around ?? null })
          // A latest page read after this view was asked for is already shown and this view is older than it:
          // read the latest page again so that what it brought stays.
          if (order < latestApplied.current) loadPageRef.current('latest')
          else latestApplied.current = order
        })
        .catch((e: unknown) => {
          if (request !== latestRequest.current) return
          dispatch({ type: 'open-failed', error: toErrorData(e) })
        })
    },
    [sessionId],
  )
  const reload = useCallback(() => open(), [open])

  // `jump` is a dependency on purpose: asking for the same message again opens it again.
  useEffect(() => open(aroundId), [open, aroundId, jump, generation])

  /** Reads a page next to the window and adds it, unless the window was replaced meanwhile. */
  const loadPage = useCallback(
    (at: 'older' | 'newer' | 'latest') => {
      const { view, window } = stateRef.current
      if (!view) return
      const input =
        at === 'older' ? (view.page.olderCursor ? { before: view.page.olderCursor } : null)
          : at === 'newer' ? (view.page.newerCursor ? { after: view.page.newerCursor } : null)
            : { limit: LATEST_PATCH }
      if (!input) return
      if (at !== 'latest') {
        if (loading.current[at]) return
        loading.current[at] = true
      }
      const flags = loading.current
      // Latest pages asked for at a turn's start and end can answer out of order: an older answer never undoes
      // a newer one (it would drop the stored reply).
      const order = at === 'latest' ? ++latestAsked.current : 0
      call('sessions.messages', { id: sessionId, ...input })
        .then((page) => {
          if (at === 'latest') {
            if (order < latestApplied.current) return
            latestApplied.current = order
          }
          dispatch({ type: 'page', window, at, page })
        })
        .catch((e: unknown) => {
          if (window === stateRef.current.window) dispatch({ type: 'open-failed', error: toErrorData(e) })
        })
        .finally(() => {
          if (at !== 'latest') flags[at] = false
        })
    },
    [sessionId],
  )
  const loadPageRef = useRef(loadPage)
  loadPageRef.current = loadPage
  const loadOlder = useCallback(() => loadPage('older'), [loadPage])
  const loadNewer = useCallback(() => loadPage('newer'), [loadPage])

  // Deltas arrive many times a second; they are applied once per animation frame, so the DOM sees at most one
  // update per frame however fast a provider streams.
  const buffered = useRef(new Map<string, string>())
  const cancelFlush = useRef<(() => void) | null>(null)
  const flushDeltas = useCallback(() => {
    cancelFlush.current?.()
    cancelFlush.current = null
    if (buffered.current.size === 0) return
    const chunks = buffered.current
    buffered.current = new Map()
    dispatch({ type: 'deltas', chunks })
  }, [])
  useEffect(() => () => cancelFlush.current?.(), [])

  useBridgeEvent('chat', (event: ChatEvent) => {
    if (event.sessionId !== sessionId) return
    switch (event.type) {
      case 'turn-started':
        flushDeltas()
        dispatch({ type: 'turn-started', turnId: event.turnId, userMessageId: event.userMessageId })
        loadPage('latest') // brings in the stored user message (also for turns started from another window)
        break
      case 'delta':
        buffered.current.set(event.turnId, (buffered.current.get(event.turnId) ?? '') + event.text)
        if (cancelFlush.current === null) cancelFlush.current = nextFrame(flushDeltas)
        break
      case 'turn-ended':
        flushDeltas()
        dispatch({ type: 'turn-ended', turnId: event.turnId, status: event.status, error: event.error, pause: event.pause ?? null })
        loadPage('latest')
        break
      case 'tool-call':
        flushDeltas() // the text streamed so far belongs before this call
        dispatch({ type: 'tool-call', turnId: event.turnId, call: event.call })
        break
      case 'tool-call-delta': {
        flushDeltas()
        const { step, index, providerCallId, toolName, argumentsSoFar } = event
        dispatch({ type: 'tool-call-delta', turnId: event.turnId, draft: { step, index, providerCallId, toolName, argumentsSoFar } })
        break
      }
    }
  })

  // Stop on a paused turn (or a new message) ends its pause without a chat event: the sessions event says so.
  // Another branch became the active one (issue #12), from this window or another: the log reopens on it.
  useBridgeEvent('sessions', (event: EventPayload<'sessions'>) => {
    if (event.reason !== 'branch' || !event.changes.some((c) => c.id === sessionId)) return
    dispatch({ type: 'branched' })
    // A search hit on another version switched the branch for the open in flight, which reads the new branch:
    // opening the latest page now would replace the page around the hit.
    if (aroundPending.current === 0) open()
  })

  useBridgeEvent('sessions', (event: EventPayload<'sessions'>) => {
    if (event.reason !== 'turn-ended' || !event.changes.some((c) => c.id === sessionId)) return
    if (stateRef.current.view?.turns.some((t) => t.pause)) loadPage('latest')
  })

  const markSent = useCallback((turnId: string, text: string, attachments: readonly AttachmentRef[] = []) => dispatch({ type: 'sent', turnId, text, attachments }), [])

  const running = [...state.live.values()].some((t) => t.ended === null)

  return {
    view: state.view,
    window: state.window,
    around: state.around,
    error: state.error,
    live: state.live,
    pending: state.pending,
    running,
    reload,
    loadOlder,
    loadNewer,
    markSent,
  }
}
