// The loaded part of the session list, patched in place from what `sessions` events name: a changed session is
// re-placed by the list's own order (pinned, then most recently active, ties by id — the core's keyset order), a
// deleted one dropped. Pure: the hook keeps the state, this decides where things go.
import type { SessionSummary } from '../../../shared/domain'

export interface LoadedList {
  items: SessionSummary[]
  /** How many sessions the whole list holds (loaded or not). */
  total: number
  /** Where the next page starts; null once the last page is loaded. */
  nextCursor: string | null
}

/** Negative when `a` comes before `b` in the list. */
export function listOrder(a: SessionSummary, b: SessionSummary): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  if (a.updatedAt !== b.updatedAt) return b.updatedAt - a.updatedAt
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

/** A page appended below the loaded ones; an id already loaded (it moved while paging) keeps its newer place. */
export function appendPage(list: LoadedList, page: LoadedList): LoadedList {
  const loaded = new Set(list.items.map((s) => s.id))
  return { items: [...list.items, ...page.items.filter((s) => !loaded.has(s.id))], total: page.total, nextCursor: page.nextCursor }
}

/**
 * Applies fresh summaries of changed sessions and drops deleted ones. A session that sorts below the last loaded
 * one while more pages remain is left for those pages (placing it here would show it twice later). `created` names
 * the sessions the event said are new, for the total.
 */
export function patchList(list: LoadedList, fresh: readonly SessionSummary[], deleted: readonly string[], created: readonly string[]): LoadedList {
  const loaded = new Set(list.items.map((s) => s.id))
  const gone = new Set([...deleted, ...fresh.map((s) => s.id)])
  let items = list.items.filter((s) => !gone.has(s.id))
  for (const session of fresh) {
    const last = items[items.length - 1]
    if (list.nextCursor !== null && last && listOrder(session, last) > 0) continue
    let at = items.findIndex((s) => listOrder(session, s) < 0)
    if (at < 0) at = items.length
    items = [...items.slice(0, at), session, ...items.slice(at)]
  }
  const added = created.filter((id) => !loaded.has(id)).length
  return { items, total: Math.max(items.length, list.total + added - deleted.length), nextCursor: list.nextCursor }
}
