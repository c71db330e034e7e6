// The sidebar's data: the session list loaded page by page as it scrolls, or with a query the ranked search hits.
// Neither is refetched when something changes: a `sessions` event names the changed sessions, and only their
// summaries are read (sessions.summaries) and patched into the loaded pages. A reconnection starts from the top.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { EventPayload } from '../../../shared/contract'
import type { KeelErrorData, SearchHit, SessionSummary } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { appendPage, patchList, type LoadedList } from '../lib/sessionPages'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'
import { useDebouncedValue } from './useDebouncedValue'

export interface SessionsState {
  /** The loaded sessions in list order (with a query: the sessions of the loaded hits, each once). */
  sessions: SessionSummary[]
  /** With a query: the loaded hits, best first; null without one. */
  hits: SearchHit[] | null
  /** How many sessions the whole list holds (without a query). */
  total: number
  /** More pages can be loaded below. */
  hasMore: boolean
  loaded: boolean
  error: KeelErrorData | null
  /** Loads the next page (no-op while one is loading or none is left). */
  loadMore: () => void
  /** Starts again from the first page. */
  refetch: () => void
  /** Places a summary a write answered with (rename, pin, create) at once, before its event arrives. */
  accept: (session: SessionSummary, created?: boolean) => void
}

const PAGE = 100
/** Past this many loaded sessions an `all` change reloads from the top rather than re-reading each one. */
const REREAD_LIMIT = 1000
const NONE: SessionSummary[] = []

function acceptSnapshots(list: readonly SessionSummary[]): void {
  for (const session of list) acceptSnapshot(session.identity)
}

/** Each session once, in the order of its best hit. */
function sessionsOf(hits: readonly SearchHit[]): SessionSummary[] {
  const seen = new Set<string>()
  return hits.flatMap((h) => (seen.has(h.session.id) ? [] : (seen.add(h.session.id), [h.session])))
}

async function summaries(ids: readonly string[]): Promise<SessionSummary[]> {
  const out: SessionSummary[] = []
  for (let i = 0; i < ids.length; i += 200) out.push(...(await call('sessions.summaries', { ids: ids.slice(i, i + 200) })))
  acceptSnapshots(out)
  return out
}

interface SearchState {
  query: string
  hits: SearchHit[]
  nextCursor: string | null
}

/** `archived`: the sidebar's Archived view (only archived sessions) instead of the main list (none of them). */
export function useSessions(query: string, archived = false): SessionsState {
  const debouncedQuery = useDebouncedValue(query.trim(), 150)
  const { generation } = useConnection()
  const [list, setList] = useState<LoadedList | null>(null)
  const [search, setSearch] = useState<SearchState | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  // Bumped by every reload: answers to requests made for an earlier one are dropped.
  const epoch = useRef(0)
  const loading = useRef(false)
  const listRef = useRef(list)
  listRef.current = list
  const searchRef = useRef(search)
  searchRef.current = search

  const refetch = useCallback(() => {
    const mine = ++epoch.current
    loading.current = true
    call('sessions.list', { limit: PAGE, archived })
      .then((page) => {
        if (mine !== epoch.current) return
        acceptSnapshots(page.items)
        setList(page)
        setError(null)
      })
      .catch((e: unknown) => {
        if (mine === epoch.current) setError(toErrorData(e))
      })
      .finally(() => {
        if (mine === epoch.current) loading.current = false
      })
  }, [archived])

  // Another view's sessions are not shown while this one's first page loads.
  useEffect(() => setList(null), [archived])
  useEffect(() => refetch(), [refetch, generation])
  const archivedRef = useRef(archived)
  archivedRef.current = archived

  // An empty query matches nothing and costs nothing: the search is asked only while there is one.
  const searchEpoch = useRef(0)
  const searchLoading = useRef(false)
  useEffect(() => {
    const mine = ++searchEpoch.current
    if (!debouncedQuery) {
      setSearch(null)
      return
    }
    searchLoading.current = true
    call('sessions.search', { query: debouncedQuery, limit: PAGE })
      .then((page) => {
        if (mine !== searchEpoch.current) return
        acceptSnapshots(page.hits.map((h) => h.session))
        setSearch({ query: debouncedQuery, hits: page.hits, nextCursor: page.nextCursor })
        setError(null)
      })
      .catch((e: unknown) => {
        if (mine === searchEpoch.current) setError(toErrorData(e))
      })
      .finally(() => {
        if (mine === searchEpoch.current) searchLoading.current = false
      })
  }, [debouncedQuery, generation])

  const loadMore = useCallback(() => {
    const current = searchRef.current
    if (current) {
      if (!current.nextCursor || searchLoading.current) return
      const mine = searchEpoch.current
      searchLoading.current = true
      call('sessions.search', { query: current.query, cursor: current.nextCursor, limit: PAGE })
        .then((page) => {
          if (mine !== searchEpoch.current) return
          acceptSnapshots(page.hits.map((h) => h.session))
          setSearch((s) => (s ? { ...s, hits: [...s.hits, ...page.hits], nextCursor: page.nextCursor } : s))
        })
        .catch((e: unknown) => {
          if (mine === searchEpoch.current) setError(toErrorData(e))
        })
        .finally(() => {
          if (mine === searchEpoch.current) searchLoading.current = false
        })
      return
    }
    const loadedList = listRef.current
    if (!loadedList?.nextCursor || loading.current) return
    const mine = epoch.current
    loading.current = true
    call('sessions.list', { cursor: loadedList.nextCursor, limit: PAGE, archived: archivedRef.current })
      .then((page) => {
        if (mine !== epoch.current) return
        acceptSnapshots(page.items)
        setList((l) => (l ? appendPage(l, page) : page))
      })
      .catch((e: unknown) => {
        if (mine === epoch.current) setError(toErrorData(e))
      })
      .finally(() => {
        if (mine === epoch.current) loading.current = false
      })
  }, [])

  const patch = useCallback((fresh: SessionSummary[], deleted: string[], created: string[]) => {
    // A session archived (or unarchived) leaves the list it was in and joins the other one.
    const view = archivedRef.current
    const belongs = fresh.filter((s) => s.archived === view)
    const moved = fresh.filter((s) => s.archived !== view)
    setList((l) => {
      if (!l) return l
      const loaded = new Set(l.items.map((s) => s.id))
      const left = moved.filter((s) => loaded.has(s.id)).map((s) => s.id)
      const joined = belongs.filter((s) => !loaded.has(s.id) && !created.includes(s.id)).map((s) => s.id)
      return patchList(l, belongs, [...deleted, ...left], [...created.filter((id) => belongs.some((s) => s.id === id)), ...joined])
    })
    if (fresh.length === 0 && deleted.length === 0) return
    const byId = new Map(fresh.map((s) => [s.id, s]))
    const gone = new Set(deleted)
    // Search hits keep their rank; only what they show of the session is refreshed.
    setSearch((s) =>
      s
        ? { ...s, hits: s.hits.filter((h) => !gone.has(h.session.id)).map((h) => (byId.has(h.session.id) ? { ...h, session: byId.get(h.session.id)! } : h)) }
        : s,
    )
  }, [])

  const accept = useCallback((session: SessionSummary, created = false) => {
    acceptSnapshot(session.identity)
    patch([session], [], created ? [session.id] : [])
  }, [patch])

  useBridgeEvent('sessions', (event: EventPayload<'sessions'>) => {
    const mine = epoch.current
    const loadedIds = (listRef.current?.items ?? []).map((s) => s.id)
    const hitIds = (searchRef.current?.hits ?? []).map((h) => h.session.id)
    if (event.all && loadedIds.length > REREAD_LIMIT) {
      refetch()
      return
    }
    const deleted = event.changes.filter((c) => c.kind === 'deleted').map((c) => c.id)
    const created = event.changes.filter((c) => c.kind === 'created').map((c) => c.id)
    const changed = event.changes.filter((c) => c.kind !== 'deleted').map((c) => c.id)
    const reread = [...new Set(event.all ? [...changed, ...loadedIds, ...hitIds] : changed)]
    if (reread.length === 0) {
      patch([], deleted, created)
      return
    }
    summaries(reread)
      .then((fresh) => {
        if (mine !== epoch.current) return
        // An id asked for and not answered was deleted meanwhile: its own `deleted` event follows.
        const answered = new Set(fresh.map((s) => s.id))
        patch(fresh, deleted, created.filter((id) => answered.has(id)))
      })
      .catch((e: unknown) => {
        if (mine === epoch.current) setError(toErrorData(e))
      })
  })

  if (debouncedQuery) {
    const hits = search?.query === debouncedQuery ? search.hits : null
    return {
      sessions: hits ? sessionsOf(hits) : NONE,
      hits: hits ?? [],
      total: list?.total ?? 0,
      hasMore: search?.nextCursor != null,
      loaded: hits !== null || error !== null,
      error,
      loadMore,
      refetch,
      accept,
    }
  }
  return {
    sessions: list?.items ?? NONE,
    hits: null,
    total: list?.total ?? 0,
    hasMore: list?.nextCursor != null,
    loaded: list !== null || error !== null,
    error,
    loadMore,
    refetch,
    accept,
  }
}
