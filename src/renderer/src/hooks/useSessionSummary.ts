// The open session's own summary (title, profile, workspace, archived), kept current from `sessions` events that
// name it. The header follows this, not the sidebar: the sidebar may be showing search hits or the Archived view,
// where the open session is not listed, and a rename must still reach the header (issue #12).
import { useEffect, useRef, useState } from 'react'
import type { SessionSummary } from '../../../shared/domain'
import { call } from '../bridge'
import { acceptSnapshot } from '../state/snapshotStore'
import { useBridgeEvent } from './useBridgeEvent'
import { useConnection } from './useConnection'

/** `opened`: the summary the session view was opened with (null until it is); newer reads replace it. */
export function useSessionSummary(sessionId: string, opened: SessionSummary | null): SessionSummary | null {
  const [fresh, setFresh] = useState<SessionSummary | null>(null)
  // Reads are numbered: an answer older than one already shown is dropped.
  const asked = useRef(0)
  const shown = useRef(0)
  const { generation } = useConnection()

  const reread = () => {
    const mine = ++asked.current
    call('sessions.summaries', { ids: [sessionId] })
      .then(([summary]) => {
        if (!summary || mine < shown.current) return
        shown.current = mine
        acceptSnapshot(summary.identity)
        setFresh(summary)
      })
      .catch(() => {
        // The view's own summary stays; the next event tries again.
      })
  }

  useBridgeEvent('sessions', (event) => {
    if (event.all || event.changes.some((c) => c.id === sessionId && c.kind !== 'deleted')) reread()
  })
  // After a reconnection events may have been missed while the page was away.
  useEffect(() => {
    if (generation > 0) reread()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generation])

  // Read after the view was opened (events name every change since), so newer whenever there is one.
  return fresh ?? opened
}
