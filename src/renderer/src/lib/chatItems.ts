// Turns a session view plus what streamed since into the ordered rows of the chat log. Pure: tested by reading.
// A turn's error is placed right after the user message that started it, and is never shown as a reply.
import type { ChatMessage, KeelErrorData, SessionView, TurnView } from '../../../shared/domain'
import type { LiveTurn, PendingUserMessage } from '../hooks/useSessionView'

/** How a reply that has no stored message ended early. 'Incomplete': an error (a timeout, a malformed stream) cut
 * it off; the error itself follows right after it. */
export type ReplyNote = 'Stopped' | 'Interrupted' | 'Incomplete: the reply was cut off (see the error below)'

export type ChatItem =
  | { kind: 'message'; key: string; message: ChatMessage }
  | { kind: 'pending-user'; key: string; text: string }
  /** Assistant text of a turn that has no stored reply (yet): streaming, or cut short. */
  | { kind: 'reply-text'; key: string; turnId: string; text: string; streaming: boolean; note: ReplyNote | null }
  | { kind: 'turn-error'; key: string; turnId: string; error: KeelErrorData }

interface EffectiveTurn {
  id: string
  userMessageId: string | null
  status: TurnView['status']
  error: KeelErrorData | null
  text: string
  startedAt: number
}

const GENERIC_TURN_ERROR: KeelErrorData = {
  kind: 'internal',
  message: 'This turn failed without a reported reason',
  fix: 'Send the message again',
}

function effectiveTurns(view: SessionView, live: ReadonlyMap<string, LiveTurn>): EffectiveTurn[] {
  const turns: EffectiveTurn[] = []
  const seen = new Set<string>()
  for (const turn of view.turns) {
    seen.add(turn.id)
    const streamed = live.get(turn.id)
    const status = turn.status === 'running' && streamed?.ended ? streamed.ended : turn.status
    turns.push({
      id: turn.id,
      userMessageId: turn.userMessageId ?? streamed?.userMessageId ?? null,
      status,
      error: turn.error ?? streamed?.error ?? null,
      text: streamed ? streamed.text : turn.partialText,
      startedAt: turn.startedAt,
    })
  }
  for (const streamed of live.values()) {
    if (seen.has(streamed.turnId)) continue
    turns.push({
      id: streamed.turnId,
      userMessageId: streamed.userMessageId,
      status: streamed.ended ?? 'running',
      error: streamed.error,
      text: streamed.text,
      startedAt: streamed.startedAt,
    })
  }
  return turns.sort((a, b) => a.startedAt - b.startedAt)
}

export function buildChatItems(
  view: SessionView,
  live: ReadonlyMap<string, LiveTurn>,
  pending: PendingUserMessage | null,
): ChatItem[] {
  const items: ChatItem[] = []
  const answered = new Set<string>()
  const userMessages = new Set<string>()
  for (const message of view.messages) {
    if (message.role === 'assistant' && message.turnId) answered.add(message.turnId)
    if (message.role === 'user') userMessages.add(message.id)
  }

  const turns = effectiveTurns(view, live)
  const byUserMessage = new Map<string, EffectiveTurn[]>()
  const trailing: EffectiveTurn[] = []
  for (const turn of turns) {
    if (turn.userMessageId && userMessages.has(turn.userMessageId)) {
      const list = byUserMessage.get(turn.userMessageId) ?? []
      list.push(turn)
      byUserMessage.set(turn.userMessageId, list)
    } else {
      trailing.push(turn)
    }
  }

  const place = (turn: EffectiveTurn): void => {
    const streaming = turn.status === 'running'
    if (!answered.has(turn.id) && (streaming || turn.text.length > 0)) {
      const note: ReplyNote | null =
        turn.status === 'stopped'
          ? 'Stopped'
          : turn.status === 'interrupted'
            ? 'Interrupted'
            : turn.status === 'error'
              ? 'Incomplete: the reply was cut off (see the error below)'
              : null
      items.push({ kind: 'reply-text', key: `turn:${turn.id}`, turnId: turn.id, text: turn.text, streaming, note })
    }
    if (turn.status === 'error') {
      items.push({ kind: 'turn-error', key: `error:${turn.id}`, turnId: turn.id, error: turn.error ?? GENERIC_TURN_ERROR })
    }
  }

  for (const message of view.messages) {
    items.push({ kind: 'message', key: `msg:${message.id}`, message })
    if (message.role === 'user') for (const turn of byUserMessage.get(message.id) ?? []) place(turn)
  }

  const pendingShown = pending !== null && !isPendingStored(view, live, pending)
  let pendingPlaced = false
  for (const turn of trailing) {
    if (pendingShown && !pendingPlaced && turn.id === pending.turnId) {
      items.push({ kind: 'pending-user', key: `pending:${pending.turnId}`, text: pending.text })
      pendingPlaced = true
    }
    place(turn)
  }
  if (pendingShown && !pendingPlaced) {
    items.push({ kind: 'pending-user', key: `pending:${pending.turnId}`, text: pending.text })
  }
  return items
}

/**
 * Whether the text shown right after sending is now a stored message. Stored user messages are linked from their
 * turn (`userMessageId`), not the other way round, so look the turn up first.
 */
export function isPendingStored(
  view: SessionView,
  live: ReadonlyMap<string, LiveTurn>,
  pending: PendingUserMessage,
): boolean {
  const userMessageId =
    view.turns.find((t) => t.id === pending.turnId)?.userMessageId ?? live.get(pending.turnId)?.userMessageId ?? null
  return view.messages.some(
    (m) => m.role === 'user' && (m.id === userMessageId || (m.turnId !== null && m.turnId === pending.turnId)),
  )
}
