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
  /** Collapsed to a rail (the preference, or a narrow window). */
  collapsed?: boolean
  onToggleCollapsed?: () => void
  /** Listing the archived sessions instead of the others. */
  archivedView?: boolean
  onToggleArchivedView?: () => void
}


export function Sidebar(props: SidebarProps) {
  const { sessions, query, onQueryChange, selectedId, onOpen, onDeleted, onNewSession, onOpenSettings, onOpenDiagnostics, creating } = props
  const { onResumeSession, runtime, collapsed = false, onToggleCollapsed, archivedView = false, onToggleArchivedView } = props
  const connection = useConnection()
  const scroller = useRef<HTMLDivElement>(null)
  const toggleLabel = collapsed ? 'Expand sidebar' : 'Collapse sidebar'
  const toggle = onToggleCollapsed ? (
    <button
      type="button"
      className="icon-button sidebar__toggle"
      aria-label={toggleLabel}
      aria-expanded={!collapsed}
      aria-keyshortcuts={`${modKey}+B`}
      title={`${toggleLabel} (${mod}B)`}
      onClick={onToggleCollapsed}
    >
      <Icon name="sidebar" />
    </button>
  ) : null
  if (collapsed) {
    // A rail: the sidebar's toggle and its two everyday actions, each with a name for screen readers and a tooltip.
    return (
      <nav className="sidebar sidebar--collapsed" aria-label="Sidebar">
        {toggle}
        <div className="sidebar__rail" role="group" aria-label="Session actions">
          <button
            type="button"
            className="icon-button"
            aria-label="New session"
            title={`New session (${mod}N)`}
            aria-keyshortcuts={`${modKey}+N`}
            onClick={() => onNewSession()}
            disabled={creating}
          >
            <Icon name="plus" />
          </button>
          <button type="button" className="icon-button" aria-label="Settings" title={`Settings (${mod},)`} aria-keyshortcuts={`${modKey}+,`} onClick={onOpenSettings}>
            <Icon name="gear" />
          </button>
        </div>
      </nav>
    )
  }
  return (
    <nav className="sidebar" aria-label="Sidebar">
      <div className="sidebar__top">
        <div className="sidebar__head">
          <div className="sidebar__brand">Keel</div>
          <div className="sidebar__head-actions">
            <AppMenu
              onOpenSettings={onOpenSettings}
              onOpenDiagnostics={onOpenDiagnostics}
              onNewSession={onNewSession}
              onResumeSession={onResumeSession}
              runtime={runtime}
            />
            {toggle}
          </div>
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
        {onToggleArchivedView ? (
          <button
            type="button"
            className={`button button--small sidebar__archived${archivedView ? ' sidebar__archived--on' : ''}`}
            aria-pressed={archivedView}
            onClick={onToggleArchivedView}
            title={archivedView ? 'Back to the sessions that are not archived' : 'Show the archived sessions'}
          >
            <Icon name="archive" />
            Archived
          </button>
        ) : null}
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
          archivedView={archivedView}
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
