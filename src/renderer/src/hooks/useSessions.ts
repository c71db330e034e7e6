import type { KeelErrorData, SessionSummary } from '../../../shared/domain'
import { acceptSnapshot } from '../state/snapshotStore'
import { useDebouncedValue } from './useDebouncedValue'
import { useLiveQuery } from './useLiveQuery'

export interface SessionsState {
  sessions: SessionSummary[]
  loaded: boolean
  error: KeelErrorData | null
  refetch: () => void
}

/** One empty list for "none yet", so the value stays the same from render to render until the first answer. */
const NONE: SessionSummary[] = []

function acceptSnapshots(list: SessionSummary[]): void {
  for (const session of list) acceptSnapshot(session.identity)
}

/** The session list (filtered by `query`, debounced), refetched whenever main says sessions, providers or app changed. */
export function useSessions(query: string): SessionsState {
  const debouncedQuery = useDebouncedValue(query.trim(), 150)
  const input = debouncedQuery ? { query: debouncedQuery } : {}
  const { data, loaded, error, refetch } = useLiveQuery('sessions.list', input, {
    refreshOn: ['sessions', 'providers', 'app'],
    onValue: acceptSnapshots,
  })
  return { sessions: data ?? NONE, loaded, error, refetch }
}
