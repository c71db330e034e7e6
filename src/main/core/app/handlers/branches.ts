// Branch channels (issue #12): edit + resend, regenerate (on the same or another model), retry after an error, and
// moving between versions. The agent service does the work and refuses while a turn runs; a regenerate on another
// model binds the session first through the identity authority, exactly as the model picker's `sessions.bind` does.
import { KeelError } from '../../errors'
import type { AgentService } from '../../agents/agent-service'
import type { IdentityService } from '../../identity/identity-service'

export interface BranchHandlerDeps {
  agents: AgentService
  identity: IdentityService
  requireSession(id: string): unknown
  /** Called before a turn starts (the session's profile as of this turn, as for chat.send). */
  beginTurn(sessionId: string): void
  /** The session changed (its binding, after a regenerate on another model): its header refreshes. */
  changed(sessionId: string): Promise<unknown>
}

export function branchHandlers(deps: BranchHandlerDeps) {
  const { agents, identity } = deps
  return {
    'chat.edit': async ({ sessionId, messageId, text }: { sessionId: string; messageId: string; text: string }) => {
      deps.requireSession(sessionId)
      if (agents.isRunning(sessionId)) throw streaming()
      deps.beginTurn(sessionId)
      return agents.edit(sessionId, messageId, text)
    },
    'chat.regenerate': async ({ sessionId, messageId, entryId, model }: { sessionId: string; messageId: string; entryId?: string; model?: string }) => {
      deps.requireSession(sessionId)
      if ((entryId === undefined) !== (model === undefined)) {
        throw KeelError.of('invalid-input', 'To regenerate on another model, give both the provider entry and the model.', { field: entryId === undefined ? 'entryId' : 'model' })
      }
      if (agents.isRunning(sessionId)) throw streaming()
      return agents.regenerate(sessionId, messageId, async () => {
        if (entryId !== undefined && model !== undefined) {
          // The user's choice from the picker: the same rebinding as sessions.bind (canonicalized, pinned).
          identity.pin(sessionId, entryId, model)
          await deps.changed(sessionId)
        }
        deps.beginTurn(sessionId)
      })
    },
    'chat.retry': async ({ sessionId }: { sessionId: string }) => {
      deps.requireSession(sessionId)
      if (agents.isRunning(sessionId)) throw streaming()
      deps.beginTurn(sessionId)
      return agents.retry(sessionId)
    },
    'sessions.selectBranch': async ({ sessionId, messageId }: { sessionId: string; messageId: string }) => {
      deps.requireSession(sessionId)
      return agents.selectBranch(sessionId, messageId)
    },
  }
}

function streaming(): KeelError {
  return KeelError.of('conflict', 'A reply is still streaming in this session.', { fix: 'Wait for it to finish or press Stop.' })
}
