// Reading (never computing) what a snapshot says. A session runs on `snapshot.identity` when it is resolved, and
// also when it is `config-changed` (a pinned session staying on its previous runtime until Apply). Unresolved
// sessions have no runtime: the UI shows what they asked for (binding + the entry's current name) instead.
import type { IdentitySnapshot, RuntimeIdentity } from '../../../shared/domain'

export function runningIdentity(snapshot: IdentitySnapshot | null): RuntimeIdentity | null {
  if (!snapshot || snapshot.state.kind === 'unresolved') return null
  return snapshot.identity
}

export type UnresolvedState = Extract<IdentitySnapshot['state'], { kind: 'unresolved' }>
export type ConfigChangedState = Extract<IdentitySnapshot['state'], { kind: 'config-changed' }>

/** The entry name to show for a session in any state: the runtime's name, else the entry's current name, else its id. */
export function entryDisplayName(snapshot: IdentitySnapshot): string | null {
  return snapshot.identity?.entryName ?? snapshot.entryName ?? snapshot.binding?.entryId ?? null
}
