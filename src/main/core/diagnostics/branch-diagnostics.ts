// The branch side of a session's diagnostics (issue #12): which branch is active (what is shown and sent) next to
// what is stored, and the latest agent turn *of that branch*, so diagnostics describe what the next request sends.
import type { DiagnosticRow } from '../../../shared/domain'
import type { SessionStore, TurnRow } from '../sessions/session-store'
import type { ToolLedger } from '../agents/tool-ledger'
import { branchTurns } from '../agents/branch-turns'

/** A row for sessions that have versions somewhere (null for one straight line: nothing to explain). */
export function branchDiagnosticRow(sessions: SessionStore, sessionId: string): DiagnosticRow | null {
  const b = sessions.tree.summary(sessionId)
  if (b.versionPoints === 0) return null
  return {
    field: 'branch',
    label: 'Active branch',
    active: `${b.shown} of ${b.stored} stored messages shown and sent; other versions at ${b.versionPoints} ${b.versionPoints === 1 ? 'point' : 'points'}`,
    persisted: b.activeLeafId ? `ends at message ${b.activeLeafId}` : null,
    config: null,
    cached: null,
    drift: null,
  }
}

/** The latest turn with steps on the active branch (a regenerate's abandoned agent turn is not "the last turn"). */
export function latestStepsOnBranch(sessions: SessionStore, ledger: ToolLedger, sessionId: string): { turnId: string; steps: ReturnType<ToolLedger['steps']> } | null {
  const turns: TurnRow[] = branchTurns(sessions, sessions.historyRows(sessionId), sessions.turns(sessionId))
  for (let i = turns.length - 1; i >= 0; i--) {
    const steps = ledger.steps(turns[i]!.id)
    if (steps.length > 0) return { turnId: turns[i]!.id, steps }
  }
  return null
}
