// What the message actions of one open session need (issue #12): the session, whether a turn runs (every branch
// action waits for it), which failed turn can be retried, and how to pick another model for a regenerate. Given by
// SessionPane, read by the rows of the log, so the virtualized rows need no extra props.
import { createContext, useContext } from 'react'

export interface BranchActions {
  sessionId: string
  running: boolean
  /** The failed turn at the end of the active branch (the one Retry answers again), or null. */
  retryTurnId: string | null
  /** Opens the model picker; the model picked regenerates `messageId` on it. */
  regenerateOn(messageId: string): void
}

export const BranchContext = createContext<BranchActions | null>(null)

export function useBranchActions(): BranchActions | null {
  return useContext(BranchContext)
}
