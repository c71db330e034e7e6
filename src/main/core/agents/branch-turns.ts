// The turns of a session that belong to its active branch (issue #12), for an agent turn's history: a turn whose
// reply is on another branch, or an attempt a retry superseded, is left out with its tool calls and results, so
// the provider never receives the calls of a branch the user left (and every call it receives has its result).
import { turnOnBranch } from '../sessions/branches'
import type { HistoryRow, SessionStore, TurnRow } from '../sessions/session-store'

export function branchTurns(sessions: SessionStore, path: readonly HistoryRow[], turns: readonly TurnRow[]): TurnRow[] {
  const replied = sessions.tree.repliedTurns(turns.map((t) => t.id))
  const repliesOnPath = new Set(path.flatMap((r) => (r.role === 'assistant' && r.turnId ? [r.turnId] : [])))
  const latestOf = new Map<string, string>()
  for (const t of [...turns].sort((a, b) => a.startedAt - b.startedAt)) if (t.userMessageId) latestOf.set(t.userMessageId, t.id)
  const position = new Map(path.map((r, i) => [r.id, i]))
  const nextAfter = (messageId: string) => {
    const i = position.get(messageId)
    if (i === undefined) return undefined
    const n = path[i + 1]
    return n ? { createdAt: n.createdAt } : null
  }
  return turns.filter((t) => turnOnBranch(t, { replied, repliesOnPath, latestOf, nextAfter }))
}
