// The session list (or the search hits), virtualized: only the rows in view (plus a few) are in the DOM, however
// many sessions there are, and the next page is asked for as the end of the loaded ones scrolls into view.
// Arrow keys move between rows (Home/End to the ends of what is loaded); the focused row stays rendered.
import { useVirtualizer, defaultRangeExtractor, type Range } from '@tanstack/react-virtual'
import { useCallback, useEffect, useReducer, useRef, useState, type KeyboardEvent, type RefObject } from 'react'
import type { SearchHit, SessionSummary } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useSnapshots } from '../hooks/useSnapshots'
import { forgetSnapshot } from '../state/snapshotStore'
import { dropDraft } from '../state/draftCache'
import { ConfirmDialog } from './ConfirmDialog'
import { useNotify } from './Notices'
import { SearchHitItem } from './SearchHitItem'
import { SessionItem } from './SessionItem'

interface SessionListProps {
  sessions: SessionSummary[]
  /** With a query: the hits to show instead of the sessions. */
  hits: SearchHit[] | null
  total: number
  hasMore: boolean
  selectedId: string | null
  searching: boolean
  /** The Archived view: only archived sessions are listed. */
  archivedView?: boolean
  /** False while the page has no connection to Keel: an empty list then says nothing about the data. */
  connected: boolean
  /** The element that scrolls the list. */
  scroller: RefObject<HTMLDivElement | null>
  onOpen: (id: string, messageId?: string) => void
  onDeleted: (id: string) => void
  onLoadMore: () => void
  onChanged: (session: SessionSummary) => void
}

/** Ask for the next page when the last rendered row is this close to the end of the loaded ones. */
const LOAD_AHEAD = 25

export function SessionList(props: SessionListProps) {
  const { sessions, hits, total, hasMore, selectedId, searching, connected, scroller, onOpen, onDeleted, onLoadMore, onChanged } = props
  const archivedView = props.archivedView ?? false
  const snapshots = useSnapshots()
  const notify = useNotify()
  const [deleting, setDeleting] = useState<SessionSummary | null>(null)
  const focused = useRef<number | null>(null)
  const list = useRef<HTMLUListElement>(null)

  const count = hits ? hits.length : sessions.length
  const keyOf = (index: number) => (hits ? hitKey(hits[index], index) : (sessions[index]?.id ?? index))

  // Keep the row with focus rendered while it scrolls out of view, so focus is never dropped to the page.
  const rangeExtractor = useCallback((range: Range) => {
    const indexes = defaultRangeExtractor(range)
    const f = focused.current
    if (f !== null && f < range.count && !indexes.includes(f)) return [...indexes, f].sort((a, b) => a - b)
    return indexes
  }, [])

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => (hits ? 74 : 50),
    overscan: 8,
    gap: 2,
    getItemKey: keyOf,
    rangeExtractor,
    useFlushSync: false,
  })
  const rows = virtualizer.getVirtualItems()
  // The scrolling element is the sidebar's (a parent): its ref is attached after this list's layout effects, so a
  // list mounted with sessions already loaded (the sidebar expanded again) renders once more to find it.
  const [, remeasure] = useReducer((n: number) => n + 1, 0)
  useEffect(() => remeasure(), [])

  const lastRendered = rows.length > 0 ? rows[rows.length - 1]!.index : -1
  useEffect(() => {
    if (hasMore && lastRendered >= count - LOAD_AHEAD) onLoadMore()
  }, [hasMore, lastRendered, count, onLoadMore])

  const focusRow = (index: number) => {
    focused.current = index
    virtualizer.scrollToIndex(index, { align: 'auto' })
    // The row may only be rendered on the next frame (it was out of view).
    const attempt = (tries: number) => {
      const button = list.current?.querySelector<HTMLButtonElement>(`li[data-index="${index}"] .session-item__open`)
      if (button) button.focus()
      else if (tries > 0) requestAnimationFrame(() => attempt(tries - 1))
    }
    attempt(5)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const target = event.target as HTMLElement
    if (!target.classList.contains('session-item__open')) return
    const index = Number(target.closest('li')?.dataset.index)
    if (!Number.isInteger(index)) return
    const next =
      event.key === 'ArrowDown' ? Math.min(index + 1, count - 1)
        : event.key === 'ArrowUp' ? Math.max(index - 1, 0)
          : event.key === 'Home' ? 0
            : event.key === 'End' ? count - 1
              : null
    if (next === null) return
    event.preventDefault()
    focusRow(next)
  }

  const rename = async (session: SessionSummary, title: string) => {
    try {
      onChanged(await call('sessions.rename', { id: session.id, title }))
    } catch (e) {
      notify(`Could not rename “${session.title}”: ${toErrorData(e).message}`, 'error')
    }
  }

  const togglePin = async (session: SessionSummary) => {
    try {
      onChanged(await call('sessions.pin', { id: session.id, pinned: !session.pinned }))
    } catch (e) {
      notify(`Could not ${session.pinned ? 'unpin' : 'pin'} “${session.title}”: ${toErrorData(e).message}`, 'error')
    }
  }

  const toggleArchive = async (session: SessionSummary) => {
    try {
      const changed = await call('sessions.archive', { id: session.id, archived: !session.archived })
      onChanged(changed)
      notify(changed.archived ? `Archived “${session.title}”` : `“${session.title}” is back in the list`, 'success')
    } catch (e) {
      notify(`Could not ${session.archived ? 'unarchive' : 'archive'} “${session.title}”: ${toErrorData(e).message}`, 'error')
    }
  }

  return (
    <>
      {count === 0 ? (
        <p className="session-list__empty">{!connected ? 'Sessions are not shown while this page is not connected to Keel.' : searching ? 'No sessions match.' : archivedView ? 'No archived sessions.' : 'No sessions yet.'}</p>
      ) : null}
      <ul
        ref={list}
        className="session-list"
        role="list"
        aria-label={searching ? 'Sessions (search results)' : archivedView ? 'Archived sessions' : 'Sessions'}
        style={{ height: virtualizer.getTotalSize() }}
        onKeyDown={onKeyDown}
        onFocus={(event) => {
          const index = Number((event.target as HTMLElement).closest('li')?.dataset.index)
          if (Number.isInteger(index)) focused.current = index
        }}
      >
        {rows.map((row) => {
          const rowProps = {
            index: row.index,
            rowRef: virtualizer.measureElement,
            style: { transform: `translateY(${row.start}px)` },
            setSize: hits ? count : total,
          }
          if (hits) {
            const hit = hits[row.index]
            if (!hit) return null
            return (
              <SearchHitItem
                key={row.key}
                {...rowProps}
                hit={hit}
                selected={hit.session.id === selectedId}
                onOpen={() => onOpen(hit.session.id, hit.messageId ?? undefined)}
              />
            )
          }
          const session = sessions[row.index]
          if (!session) return null
          return (
            <SessionItem
              key={row.key}
              {...rowProps}
              session={session}
              snapshot={snapshots.get(session.id) ?? session.identity}
              selected={session.id === selectedId}
              onOpen={() => onOpen(session.id)}
              onRename={(title) => rename(session, title)}
              onTogglePin={() => void togglePin(session)}
              onToggleArchive={() => void toggleArchive(session)}
              onDelete={() => setDeleting(session)}
            />
          )
        })}
      </ul>
      {deleting ? (
        <ConfirmDialog
          title="Delete session?"
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await call('sessions.delete', { id: deleting.id })
            forgetSnapshot(deleting.id)
            dropDraft(deleting.id)
            onDeleted(deleting.id)
            notify(`Deleted “${deleting.title}”`, 'success')
          }}
        >
          <p>
            “{deleting.title}” and all its messages will be deleted. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  )
}

function hitKey(hit: SearchHit | undefined, index: number): string | number {
  return hit ? `${hit.session.id}:${hit.messageId ?? 'title'}` : index
}
