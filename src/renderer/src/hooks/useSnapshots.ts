import { useSyncExternalStore } from 'react'
import type { IdentitySnapshot } from '../../../shared/domain'
import { getSnapshots, subscribeSnapshots } from '../state/snapshotStore'

/** Every session's latest identity snapshot, as pushed by main. */
export function useSnapshots(): ReadonlyMap<string, IdentitySnapshot> {
  return useSyncExternalStore(subscribeSnapshots, getSnapshots)
}

/** One session's latest identity snapshot (null until main has sent one). */
export function useSnapshot(sessionId: string | null): IdentitySnapshot | null {
  const snapshots = useSnapshots()
  return sessionId ? (snapshots.get(sessionId) ?? null) : null
}
