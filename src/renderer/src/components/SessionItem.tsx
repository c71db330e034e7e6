import { useId, useRef, useState, type CSSProperties } from 'react'
import { SessionActions } from './SessionActions'
import type { IdentitySnapshot, SessionSummary } from '../../../shared/domain'
import { runningIdentity } from '../lib/snapshotView'
import { Icon } from './Icon'

/** Where a row sits in the virtualized list (see SessionList). */
export interface ListRowProps {
  index: number
  rowRef: (element: HTMLLIElement | null) => void
  style: CSSProperties
  /** How many rows the whole list has, loaded or not (for screen readers: "3 of 50000"). */
  setSize: number
}

/** The attributes every virtualized row's <li> carries: measured by SessionList, positioned, announced "n of N". */
export function listRowAttributes({ index, rowRef, style, setSize }: ListRowProps) {
  return { ref: rowRef, 'data-index': index, style, 'aria-setsize': setSize, 'aria-posinset': index + 1 }
}

interface SessionItemProps extends ListRowProps {
  session: SessionSummary
  /** The latest snapshot main pushed for this session (may be newer than `session.identity`). */
  snapshot: IdentitySnapshot
  selected: boolean
  onOpen: () => void
  onRename: (title: string) => Promise<void>
  onTogglePin: () => void
  onToggleArchive: () => void
  onDelete: () => void
}

export function SessionItem({ session, snapshot, selected, onOpen, onRename, onTogglePin, onToggleArchive, onDelete, ...row }: SessionItemProps) {
  const [renaming, setRenaming] = useState(false)
  const metaId = useId()
  const title = session.title

  return (
    <li
      {...listRowAttributes(row)}
      className={`session-item${selected ? ' session-item--selected' : ''}`}
      aria-current={selected ? 'true' : undefined}
    >
      {renaming ? (
        <RenameField
          initial={title}
          onDone={async (next) => {
            if (next !== null && next !== title) await onRename(next)
            setRenaming(false)
          }}
        />
      ) : (
        <button
          type="button"
          className="session-item__open"
          onClick={onOpen}
          aria-describedby={metaId}
          aria-current={selected ? 'true' : undefined}
        >
          <span className="session-item__title" title={title}>
            {title}
          </span>
          <span className="session-item__meta" id={metaId} aria-hidden="true">
            {session.pinned ? <Icon name="pin" className="session-item__pin" title="Pinned" /> : null}
            {session.running ? <span className="session-item__running" title="Running" /> : null}
            {session.needsApproval ? <span className="session-item__approval">Needs approval</span> : null}
            <IdentitySummary snapshot={snapshot} />
          </span>
        </button>
      )}
      {renaming ? null : (
        <SessionActions
          title={title}
          sessionId={session.id}
          pinned={session.pinned}
          archived={session.archived}
          onRename={() => setRenaming(true)}
          onTogglePin={onTogglePin}
          onToggleArchive={onToggleArchive}
          onDelete={onDelete}
        />
      )}
    </li>
  )
}

/** Provider entry name · model, from the snapshot only; "Unresolved" when main could not resolve it. */
function IdentitySummary({ snapshot }: { snapshot: IdentitySnapshot }) {
  const identity = runningIdentity(snapshot)
  if (!identity) {
    const title = snapshot.state.kind === 'unresolved' ? snapshot.state.message : undefined
    return (
      <span className="session-item__identity session-item__identity--unresolved" title={title}>
        Unresolved
      </span>
    )
  }
  return (
    <span className="session-item__identity">
      {identity.entryName} · {identity.model}
      {snapshot.state.kind === 'config-changed' && !snapshot.state.kept ? (
        <span className="session-item__changed" title={snapshot.state.message}>
          {' '}
          · config changed
        </span>
      ) : null}
    </span>
  )
}

/** Inline rename: Enter saves, Escape cancels, leaving the field saves. */
function RenameField({ initial, onDone }: { initial: string; onDone: (title: string | null) => Promise<void> }) {
  const [value, setValue] = useState(initial)
  const finished = useRef(false)

  const finish = (save: boolean) => {
    if (finished.current) return
    finished.current = true
    const next = value.trim()
    void onDone(save && next ? next : null)
  }

  return (
    <input
      className="input session-item__rename"
      aria-label="Session title"
      value={value}
      maxLength={200}
      autoFocus
      onFocus={(event) => event.currentTarget.select()}
      onChange={(event) => setValue(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault()
          finish(true)
        } else if (event.key === 'Escape') {
          event.preventDefault()
          event.stopPropagation()
          finish(false)
        }
      }}
      onBlur={() => finish(true)}
    />
  )
}
