// The agent side of a session's diagnostics (issue #9): which profile (and revision) the session runs, what each
// step of its latest agent turn offered and ran on (identity key), and the grants that let its calls run without
// asking. Read from SQLite and the profile list only: no keys, no arguments, no results.
import type { AgentDiagnostics } from '../../../shared/domain'
import type { ToolLedger } from '../agents/tool-ledger'
import type { Grant } from '../tools/grants'

export interface AgentDiagnosticsInput {
  sessionId: string
  /** The profile as it resolves now (null name/revision when it no longer exists). */
  profile: { id: string; name: string | null; revision: string | null; missing: boolean }
  /** The revision the session's last turn used (sessions.profile_revision). */
  sessionRevision: string | null
  ledger: ToolLedger
  grants: readonly Grant[]
  /** The latest turn with steps to describe (the active branch's, issue #12); the session's latest when absent. */
  latestSteps?: ReturnType<ToolLedger['latestSteps']>
}

export function buildAgentDiagnostics(input: AgentDiagnosticsInput): AgentDiagnostics {
  const latest = input.latestSteps !== undefined ? input.latestSteps : input.ledger.latestSteps(input.sessionId)
  const steps = latest?.steps.map((s) => ({ step: s.step, identityKey: s.identityKey, finishReason: s.finishReason, tools: s.tools })) ?? []
  const profileId = input.profile.missing ? null : input.profile.id
  const grants = input.grants
    .filter((g) => g.scope === 'always' || (g.scope === 'session' && g.sessionId === input.sessionId) || (g.scope === 'agent' && profileId !== null && g.profileId === profileId))
    .map((g) => ({ id: g.id, scope: g.scope, source: g.toolRef.source, toolName: g.toolRef.name, schemaHash: g.toolRef.schemaHash, effect: g.effect, createdAt: g.createdAt }))
  return {
    profile: { ...input.profile, sessionRevision: input.sessionRevision },
    lastTurn: latest ? { turnId: latest.turnId, steps } : null,
    toolsOffered: steps.length > 0 ? steps[steps.length - 1]!.tools : [],
    grants,
  }
}
