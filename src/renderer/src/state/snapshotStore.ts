// The renderer's copy of each session's identity, exactly as main pushed it (invariant 8: snapshots carry
// authority). Main's revisions are monotonic, so a snapshot older than the one held is dropped: a slow
// `sessions.list` reply can never overwrite a newer live `identity` event. The renderer never computes identity.
import type { IdentitySnapshot } from '../../../shared/domain'

let snapshots: ReadonlyMap<string, IdentitySnapshot> = new Map()
const listeners = new Set<() => void>()

function sameSnapshot(a: IdentitySnapshot, b: IdentitySnapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Keeps `snapshot` unless the one held for its session has a higher revision. Returns whether it was taken. */
export function acceptSnapshot(snapshot: IdentitySnapshot): boolean {
  const held = snapshots.get(snapshot.sessionId)
  if (held && snapshot.revision < held.revision) return false
  if (held && sameSnapshot(held, snapshot)) return false
  const next = new Map(snapshots)
  next.set(snapshot.sessionId, snapshot)
  snapshots = next
  for (const listener of listeners) listener()
  return true
}

export function forgetSnapshot(sessionId: string): void {
  if (!snapshots.has(sessionId)) return
  const next = new Map(snapshots)
  next.delete(sessionId)
  snapshots = next
  for (const listener of listeners) listener()
}

/** After a reconnection main may be a new process whose revisions restart: start again from what it sends. */
export function resetSnapshots(): void {
  snapshots = new Map()
  for (const listener of listeners) listener()
}

export function getSnapshots(): ReadonlyMap<string, IdentitySnapshot> {
  return snapshots
}

export function subscribeSnapshots(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
