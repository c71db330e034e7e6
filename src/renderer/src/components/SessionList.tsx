import { useState } from 'react'
import type { SessionSummary } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useSnapshots } from '../hooks/useSnapshots'
import { forgetSnapshot } from '../state/snapshotStore'
import { dropDraft } from '../state/draftCache'
import { ConfirmDialog } from './ConfirmDialog'
import { useNotify } from './Notices'
import { SessionItem } from './SessionItem'

interface SessionListProps {
  sessions: SessionSummary[]
  selectedId: string | null
  searching: boolean
  /** False while the page has no connection to Keel: an empty list then says nothing about the data. */
  connected: boolean
  onOpen: (id: string) => void
  onDeleted: (id: string) => void
  onChanged: () => void
}

export function SessionList({ sessions, selectedId, searching, connected, onOpen, onDeleted, onChanged }: SessionListProps) {
  const snapshots = useSnapshots()
  const notify = useNotify()
  const [deleting, setDeleting] = useState<SessionSummary | null>(null)

  const rename = async (session: SessionSummary, title: string) => {
    try {
      await call('sessions.rename', { id: session.id, title })
      onChanged()
    } catch (e) {
      notify(`Could not rename “${session.title}”: ${toErrorData(e).message}`, 'error')
    }
  }

  const togglePin = async (session: SessionSummary) => {
    try {
      await call('sessions.pin', { id: session.id, pinned: !session.pinned })
      onChanged()
    } catch (e) {
      notify(`Could not ${session.pinned ? 'unpin' : 'pin'} “${session.title}”: ${toErrorData(e).message}`, 'error')
    }
  }

  return (
    <>
      {sessions.length === 0 ? (
        <p className="session-list__empty">{!connected ? 'Sessions are not shown while this page is not connected to Keel.' : searching ? 'No sessions match.' : 'No sessions yet.'}</p>
      ) : null}
      <ul className="session-list" role="list" aria-label="Sessions">
        {sessions.map((session) => (
          <SessionItem
            key={session.id}
            session={session}
            snapshot={snapshots.get(session.id) ?? session.identity}
            selected={session.id === selectedId}
            onOpen={() => onOpen(session.id)}
            onRename={(title) => rename(session, title)}
            onTogglePin={() => void togglePin(session)}
            onDelete={() => setDeleting(session)}
          />
        ))}
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
