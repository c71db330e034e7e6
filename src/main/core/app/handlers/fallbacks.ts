// Fallback channels (issue #11): a session's fallback list (its own override, or its profile's) with the bindings of
// it that cannot resolve now, and the check Settings → Agents runs on a profile's list. Writes go through the
// identity authority, which canonicalizes each binding and never touches the session's binding columns.
import { FallbackChain } from '../../../../shared/agent-profiles'
import type { z } from 'zod'
import type { SessionFallbacks } from '../../../../shared/fallback'
import type { IdentityService } from '../../identity/identity-service'

export interface FallbackHandlerDeps {
  identity: IdentityService
  requireSession(id: string): unknown
  /** The session's profile's list (null: none, or the profile is missing). */
  profileChain(sessionId: string): FallbackChain | null
  /** The session changed: its header refreshes. */
  changed(sessionId: string): Promise<unknown>
}

export function fallbackHandlers(deps: FallbackHandlerDeps) {
  const { identity } = deps
  const view = (id: string): Promise<SessionFallbacks> => identity.sessionFallbacks(id, deps.profileChain(id))
  return {
    'sessions.fallbacks': async ({ id }: { id: string }) => {
      deps.requireSession(id)
      return view(id)
    },
    'sessions.setFallbacks': async ({ id, chain }: { id: string; chain: z.input<typeof FallbackChain> | null }) => {
      deps.requireSession(id)
      identity.setSessionFallbacks(id, chain ? FallbackChain.parse(chain) : null)
      await deps.changed(id)
      return view(id)
    },
    'fallbacks.check': async ({ chain }: { chain: z.input<typeof FallbackChain> }) => identity.chainProblems(FallbackChain.parse(chain)),
  }
}
