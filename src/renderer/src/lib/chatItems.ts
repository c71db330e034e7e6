// Turns a session view plus what streamed since into the ordered rows of the chat log. Pure: tested by reading.
// A turn's error is placed right after the user message that started it, and is never shown as a reply.
// An agent turn's steps sit between the user message and the reply, in order: each step's text, then its tool calls;
// a turn paused on its step limit or a changed identity ends with the panel that asks how to go on.
import type { AttachmentRef } from '../../../shared/attachments'
import type { ChatMessage, KeelErrorData, SessionView, ToolCallView, TurnPauseView, TurnView } from '../../../shared/domain'
import type { LiveTurn, PendingUserMessage, ToolCallDraft } from './liveTurn'
import type { TurnUsageView } from '../../../shared/usage'
import type { StepFallbackView } from '../../../shared/fallback'
import { sameIdentity, selectedFor, type ReplyIdentity } from './replyIdentity'

/** How a reply that has no stored message ended early. 'Incomplete': an error (a timeout, a malformed stream) cut
 * it off; the error itself follows right after it. */
export type ReplyNote = 'Stopped' | 'Interrupted' | 'Incomplete: the reply was cut off (see the error below)'

export type ChatItem =
  /** `usage`: what the reply's turn consumed (assistant messages of turns with recorded usage). */
  | { kind: 'message'; key: string; message: ChatMessage; usage?: TurnUsageView | null; fallbacks?: StepFallbackView[] }
  | { kind: 'pending-user'; key: string; text: string; attachments?: readonly AttachmentRef[] }
  /** Assistant text of a turn that has no stored reply (yet): streaming, or cut short. */
  | { kind: 'reply-text'; key: string; turnId: string; text: string; streaming: boolean; note: ReplyNote | null }
  | { kind: 'turn-error'; key: string; turnId: string; error: KeelErrorData }
  /** What the model wrote in a step before calling tools. */
  | { kind: 'step-text'; key: string; turnId: string; step: number; text: string }
  | { kind: 'tool-call'; key: string; call: ToolCallView }
  /** A call whose arguments are still arriving. */
  | { kind: 'tool-call-draft'; key: string; draft: ToolCallDraft }
  /** A turn paused on its step limit or a changed identity (approvals have their own cards). */
  | { kind: 'turn-pause'; key: string; sessionId: string; turnId: string; pause: TurnPauseView }
  /** The model or entry changed since the reply before (issue #12): "Switched to m on Entry", right above the reply. */
  | { kind: 'identity-switch'; key: string; to: ReplyIdentity }

interface EffectiveTurn {
  id: string
  userMessageId: string | null
  status: TurnView['status']
  error: KeelErrorData | null
  text: string
  startedAt: number
  pause: TurnPauseView | null
  /** Streamed text of steps that ended in tool calls (the view's steps win). */
  liveSteps: readonly { step: number; text: string }[]
  drafts: readonly ToolCallDraft[]
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
      pause: status === 'running' ? null : (turn.pause ?? (turn.status === 'running' ? streamed?.pause : null) ?? null),
      liveSteps: streamed?.steps ?? [],
      drafts: status === 'running' ? (streamed?.drafts ?? []) : [],
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
      pause: streamed.pause ?? null,
      liveSteps: streamed.steps ?? [],
      drafts: streamed.ended === null ? (streamed.drafts ?? []) : [],
    })
  }
  return turns.sort((a, b) => a.startedAt - b.startedAt)
}

/** How far along a call's states are: a later event or read never goes back to an earlier state. */
const STATE_RANK: Record<ToolCallView['state'], number> = {
  proposed: 0,
  'awaiting-approval': 1,
  approved: 2,
  denied: 4,
  running: 3,
  succeeded: 4,
  failed: 4,
  'timed-out': 4,
  cancelled: 4,
  interrupted: 4,
}

/** The view's tool calls with what later `tool-call` events said of them (a call only moves forward). */
export function mergeToolCalls(viewCalls: readonly ToolCallView[], liveCalls: ReadonlyMap<string, ToolCallView>): ToolCallView[] {
  const byId = new Map(viewCalls.map((c) => [c.id, c]))
  for (const [id, c] of liveCalls) {
    const known = byId.get(id)
    if (!known || STATE_RANK[c.state] > STATE_RANK[known.state]) byId.set(id, c)
  }
  return [...byId.values()]
}

export function buildChatItems(
  view: SessionView,
  live: ReadonlyMap<string, LiveTurn>,
  pending: PendingUserMessage | null,
): ChatItem[] {
  const items: ChatItem[] = []
  const callsByTurn = new Map<string, ToolCallView[]>()
  for (const c of view.toolCalls ?? []) {
    const list = callsByTurn.get(c.turnId) ?? []
    list.push(c)
    callsByTurn.set(c.turnId, list)
  }
  const stepTexts = new Map<string, Map<number, string>>()
  for (const s of view.steps ?? []) {
    if (s.finishReason !== 'tool-calls') continue // a final step's text is the reply
    const texts = stepTexts.get(s.turnId) ?? new Map<number, string>()
    texts.set(s.step, s.text)
    stepTexts.set(s.turnId, texts)
  }
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

  const placeSteps = (turn: EffectiveTurn): void => {
    const calls = callsByTurn.get(turn.id) ?? []
    const texts = new Map(stepTexts.get(turn.id))
    for (const s of turn.liveSteps) if (!texts.has(s.step)) texts.set(s.step, s.text)
    const made = new Set(calls.map((c) => c.providerCallId))
    const drafts = turn.drafts.filter((d) => !made.has(d.providerCallId))
    const steps = [...new Set([...texts.keys(), ...calls.map((c) => c.step), ...drafts.map((d) => d.step)])].sort((a, b) => a - b)
    for (const step of steps) {
      const text = texts.get(step) ?? ''
      if (text.trim() !== '') items.push({ kind: 'step-text', key: `step:${turn.id}:${step}`, turnId: turn.id, step, text })
      for (const c of calls) if (c.step === step) items.push({ kind: 'tool-call', key: `call:${c.id}`, call: c })
      for (const d of drafts) if (d.step === step) items.push({ kind: 'tool-call-draft', key: `draft:${turn.id}:${d.providerCallId}`, draft: d })
    }
  }

  const place = (turn: EffectiveTurn): void => {
    placeSteps(turn)
    const streaming = turn.status === 'running'
    // A paused turn has no reply yet: its text so far is the text of the step that called the tools.
    if (!answered.has(turn.id) && turn.pause === null && (streaming || turn.text.length > 0)) {
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
    if (turn.pause && turn.pause.reason !== 'awaiting-approval') {
      items.push({ kind: 'turn-pause', key: `pause:${turn.id}`, sessionId: view.session.id, turnId: turn.id, pause: turn.pause })
    }
  }

  const usageByTurn = new Map(view.turns.flatMap((t) => (t.usage ? [[t.id, t.usage] as const] : [])))
  const fallbacksByTurn = new Map(view.turns.flatMap((t) => (t.fallbacks?.length ? [[t.id, t.fallbacks] as const] : [])))
  /** The binding the previous reply (on this page) was sent to: a reply sent to another one gets a divider. */
  let previousReply: ReplyIdentity | null = null
  for (const message of view.messages) {
    const usage = message.role === 'assistant' && message.turnId ? usageByTurn.get(message.turnId) : undefined
    // Selected vs answered for the reply's identity line (issue #11): the steps of its turn that used a fallback.
    const fallbacks = message.role === 'assistant' && message.turnId ? fallbacksByTurn.get(message.turnId) : undefined
    const selected = message.role === 'assistant' ? selectedFor(message, usage, fallbacks) : null
    if (selected) {
      if (previousReply && !sameIdentity(previousReply, selected)) items.push({ kind: 'identity-switch', key: `switch:${message.id}`, to: selected })
      previousReply = selected
    }
    items.push({ kind: 'message', key: `msg:${message.id}`, message, ...(usage ? { usage } : {}), ...(fallbacks ? { fallbacks } : {}) })
    if (message.role === 'user') for (const turn of byUserMessage.get(message.id) ?? []) place(turn)
  }

  const pendingShown = pending !== null && !isPendingStored(view, live, pending)
  let pendingPlaced = false
  for (const turn of trailing) {
    if (pendingShown && !pendingPlaced && turn.id === pending.turnId) {
      items.push({ kind: 'pending-user', key: `pending:${pending.turnId}`, text: pending.text, attachments: pending.attachments })
      pendingPlaced = true
    }
    place(turn)
  }
  if (pendingShown && !pendingPlaced) {
    items.push({ kind: 'pending-user', key: `pending:${pending.turnId}`, text: pending.text, attachments: pending.attachments })
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
