import type { KeelErrorData, SearchPage, SessionPage, SessionSummary } from '../../../shared/domain'
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

/** How many sessions the sidebar asks for. Interim: it shows the first page only (scrolling for more comes next). */
const FIRST_PAGE = 200

function acceptSnapshots(list: readonly SessionSummary[]): void {
  for (const session of list) acceptSnapshot(session.identity)
}

/** Each session once, in the order of its best hit. */
function sessionsOf(page: SearchPage): SessionSummary[] {
  const seen = new Set<string>()
  return page.hits.flatMap((h) => (seen.has(h.session.id) ? [] : (seen.add(h.session.id), [h.session])))
}

/**
 * The first page of the session list, or with a (debounced) query the sessions of the first page of search hits;
 * asked again whenever main says sessions, providers or app changed.
 */
export function useSessions(query: string): SessionsState {
  const debouncedQuery = useDebouncedValue(query.trim(), 150)
  const refreshOn = ['sessions', 'providers', 'app'] as const
  const list = useLiveQuery('sessions.list', { limit: FIRST_PAGE }, {
    refreshOn,
    onValue: (page: SessionPage) => acceptSnapshots(page.items),
  })
  // An empty query matches nothing and costs nothing; the search answers only while there is a query.
  const search = useLiveQuery('sessions.search', { query: debouncedQuery, limit: FIRST_PAGE }, {
    refreshOn,
    onValue: (page: SearchPage) => acceptSnapshots(page.hits.map((h) => h.session)),
  })
  if (debouncedQuery) {
    return { sessions: search.data ? sessionsOf(search.data) : NONE, loaded: search.loaded, error: search.error, refetch: search.refetch }
  }
  return { sessions: list.data?.items ?? NONE, loaded: list.loaded, error: list.error, refetch: list.refetch }
}
