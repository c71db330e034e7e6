// The contract's slice for agent profiles (Settings → Agents) and a session's choice of profile. Profile edits are
// config edits: the config change event that follows reaches windows ('providers'/'app') and sessions ('sessions'
// with `all`), so nothing here emits events of its own except for the one session a switch touches.
import type { ChannelInput, ChannelOutput } from '../../../shared/contract'
import type { SessionSummary } from '../../../shared/domain'
import type { ProfileService } from './profiles'
import { FallbackChain } from '../../../shared/agent-profiles'

type Slice<C extends 'profiles.list' | 'profiles.create' | 'profiles.update' | 'profiles.duplicate' | 'profiles.delete' | 'profiles.setDefault' | 'sessions.setProfile'> = {
  [K in C]: (input: ChannelInput<K>) => Promise<ChannelOutput<K>>
}

export function profileHandlers(deps: {
  profiles: ProfileService
  requireSession: (id: string) => unknown
  sessionChanged: (id: string, reason: string) => Promise<SessionSummary>
  /** A profile's fallback list as it will be written: each binding canonicalized (invariant 5; the identity module). */
  canonicalChain?: (chain: FallbackChain) => FallbackChain
}): Slice<'profiles.list' | 'profiles.create' | 'profiles.update' | 'profiles.duplicate' | 'profiles.delete' | 'profiles.setDefault' | 'sessions.setProfile'> {
  const { profiles } = deps
  const canonical = deps.canonicalChain
  return {
    'profiles.list': async () => profiles.list(),
    'profiles.create': async ({ id, ...draft }) => profiles.create(draft.fallback && canonical ? { ...draft, fallback: canonical(FallbackChain.parse(draft.fallback)) } : draft, id),
    'profiles.update': async ({ id, patch }) => profiles.update(id, patch.fallback && canonical ? { ...patch, fallback: canonical(FallbackChain.parse(patch.fallback)) } : patch),
    'profiles.duplicate': async ({ id, name }) => profiles.duplicate(id, name),
    'profiles.delete': async ({ id }) => {
      profiles.delete(id)
      return { ok: true as const }
    },
    'profiles.setDefault': async ({ id }) => {
      profiles.setDefault(id)
      return { ok: true as const }
    },
    'sessions.setProfile': async ({ id, profileId }) => {
      deps.requireSession(id)
      profiles.switchSession(id, profileId)
      return deps.sessionChanged(id, 'profile-changed')
    },
  }
}
