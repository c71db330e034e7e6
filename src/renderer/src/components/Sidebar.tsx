import { useRef } from 'react'
import type { AppState } from '../../../shared/domain'
import { useConnection } from '../hooks/useConnection'
import type { SessionsState } from '../hooks/useSessions'
import { modKey, modLabel as mod } from '../lib/platform'
import { NewSessionMenu } from './agents/NewSessionMenu'
import { AppMenu } from './AppMenu'
import { ErrorNote } from './ErrorNote'
import { Icon } from './Icon'
import { SessionList } from './SessionList'

interface SidebarProps {
  sessions: SessionsState
  query: string
  onQueryChange: (query: string) => void
  selectedId: string | null
  /** With a message id: open the session at that message (a search hit). */
  onOpen: (id: string, messageId?: string) => void
  onDeleted: (id: string) => void
  /** Without a profile: the default one. */
  onNewSession: (profileId?: string) => void
  onOpenSettings: () => void
  onOpenDiagnostics: () => void
  onResumeSession: (sessionId: string) => void
  runtime: AppState['runtime'] | null
  creating: boolean
}


export function Sidebar(props: SidebarProps) {
  const { sessions, query, onQueryChange, selectedId, onOpen, onDeleted, onNewSession, onOpenSettings, onOpenDiagnostics, creating } = props
  const { onResumeSession, runtime } = props
  const connection = useConnection()
  const scroller = useRef<HTMLDivElement>(null)
  return (
    <nav className="sidebar" aria-label="Sidebar">
      <div className="sidebar__top">
        <div className="sidebar__head">
          <div className="sidebar__brand">Keel</div>
          <AppMenu
            onOpenSettings={onOpenSettings}
            onOpenDiagnostics={onOpenDiagnostics}
            onNewSession={onNewSession}
            onResumeSession={onResumeSession}
            runtime={runtime}
          />
        </div>
        {/* A named group: its "New session" is the action, never one of the listed sessions still titled so. */}
        <div className="sidebar__buttons" role="group" aria-label="Session actions">
          <div className="new-session-split">
            <button
              type="button"
              className="button button--primary sidebar__new"
              onClick={() => onNewSession()}
              disabled={creating}
              title={`New session (${mod}N)`}
              aria-keyshortcuts={`${modKey}+N`}
            >
              <Icon name="plus" />
              New session
            </button>
            <NewSessionMenu onNewSession={onNewSession} disabled={creating} />
          </div>
          <button
            type="button"
            className="button"
            onClick={onOpenSettings}
            title={`Settings (${mod},)`}
            aria-keyshortcuts={`${modKey}+,`}
          >
            <Icon name="gear" />
            Settings
          </button>
        </div>
        <div className="search">
          <Icon name="search" className="search__icon" />
          <input
            type="search"
            className="input search__input"
            aria-label="Search sessions"
            placeholder="Search sessions"
            value={query}
            onChange={(event) => onQueryChange(event.target.value)}
            maxLength={200}
          />
        </div>
      </div>
      <div className="sidebar__list" ref={scroller}>
        {/* A lost connection is already announced by the banner at the top. */}
        {sessions.error && !(sessions.error.kind === 'network' && connection.status !== 'open') ? (
          <ErrorNote error={sessions.error} />
        ) : null}
        <SessionList
          sessions={sessions.sessions}
          hits={sessions.hits}
          total={sessions.total}
          hasMore={sessions.hasMore}
          scroller={scroller}
          selectedId={selectedId}
          searching={query.trim().length > 0}
          connected={connection.status === 'open'}
          onOpen={onOpen}
          onDeleted={onDeleted}
          onLoadMore={sessions.loadMore}
          onChanged={sessions.accept}
        />
      </div>
    </nav>
  )
}
