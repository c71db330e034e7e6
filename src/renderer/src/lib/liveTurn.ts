// What the open session knows of turns from chat events, before (or until) a refetched view reports them. Types
// only, free of React and the bridge, so the pure chat-row builder (and its tests) can use them.
import type { AttachmentRef } from '../../../shared/attachments'
import type { KeelErrorData, TurnPauseView } from '../../../shared/domain'

/** A turn as seen from events, before (or until) a refetched view reports it. */
export interface LiveTurn {
  turnId: string
  userMessageId: string | null
  text: string
  /** Set by `turn-ended`; the refetch that follows makes this turn part of the view. */
  ended: 'done' | 'stopped' | 'error' | null
  error: KeelErrorData | null
  startedAt: number
  /** Set by a `turn-ended` that paused the turn (an agent turn waiting for the user). */
  pause?: TurnPauseView | null
  /** Text of this turn's earlier steps that ended in tool calls, as streamed (the view's steps replace it). */
  steps?: readonly { step: number; text: string }[]
  /** Calls whose arguments are still streaming (`tool-call-delta`), until their `tool-call` event arrives. */
  drafts?: readonly ToolCallDraft[]
}

/** A tool call the model is still writing: its name and the arguments so far (not JSON until complete). */
export interface ToolCallDraft {
  step: number
  index: number
  providerCallId: string
  toolName: string
  argumentsSoFar: string
}

/** The user's text shown right after sending, until the refetched view contains the stored message. */
export interface PendingUserMessage {
  turnId: string
  text: string
  /** The files sent with it, shown with the text until the stored message (with its files) is read. */
  attachments?: readonly AttachmentRef[]
  createdAt: number
}
