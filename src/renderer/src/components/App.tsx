import { useCallback, useEffect, useState } from 'react'
import type { EventPayload } from '../../../shared/contract'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useAppState } from '../hooks/useAppState'
import { useBridgeEvent } from '../hooks/useBridgeEvent'
import { useConnection } from '../hooks/useConnection'
import { usePreferences } from '../hooks/usePreferences'
import { useProviders } from '../hooks/useProviders'
import type { MessageTarget } from '../hooks/useSessionView'
import { useSessions } from '../hooks/useSessions'
import { useShortcuts } from '../hooks/useShortcuts'
import { useNarrowWindow } from '../hooks/useNarrowWindow'
import { applyTheme } from '../lib/theme'
import { closeAllModals } from '../state/modalStack'
import { acceptSnapshot, resetSnapshots } from '../state/snapshotStore'
import { ConfigErrorBanner } from './ConfigErrorBanner'
import { ConnectionBanner, NotConnected } from './ConnectionBanner'
import { DiagnosticsDialog } from './DiagnosticsDialog'
import { EnvironmentBanners } from './EnvironmentBanners'
import { EmptyState } from './EmptyState'
import { useNotify } from './Notices'
import { SessionPane } from './SessionPane'
import { SettingsDialog, type SettingsView } from './SettingsDialog'
import { Sidebar } from './Sidebar'
import { Welcome } from './Welcome'

const OPEN_SESSION_KEY = 'keel.openSession'

function storedOpenSession(): string | null {
  try {
    return sessionStorage.getItem(OPEN_SESSION_KEY)
  } catch {
    return null
  }
}

export function App() {
  const [query, setQuery] = useState('')
  const [archivedView, setArchivedView] = useState(false)
  const sessions = useSessions(query, archivedView)
  const providers = useProviders()
  const appState = useAppState()
  const preferences = usePreferences()
  const [selectedId, setSelectedId] = useState<string | null>(storedOpenSession)
  // A search hit's message to show in the open session (the count makes a second click on it jump again).
  const [target, setTarget] = useState<MessageTarget | null>(null)
  const openSession = useCallback((id: string, messageId?: string) => {
    setSelectedId(id)
    setTarget((t) => (messageId ? { messageId, jump: (t?.jump ?? 0) + 1 } : null))
  }, [])
  const [settings, setSettings] = useState<SettingsView | null>(null)
  const [creating, setCreating] = useState(false)
  const [diagnosticsOpen, setDiagnosticsOpen] = useState(false)
  const notify = useNotify()
  const connection = useConnection()
  const { generation } = connection

  // Identity comes only from main's snapshots (invariant 8); the store drops any older than the one it holds.
  useBridgeEvent('identity', acceptSnapshot)
  // Main says when something happened that the user should read once (a follow-default switch, a continuation).
  useBridgeEvent('notice', (notice) => notify(notice.text, notice.level === 'warning' ? 'warning' : 'info'))
  useEffect(() => {
    if (generation > 0) resetSnapshots()
  }, [generation])

  useEffect(() => {
    try {
      if (selectedId) sessionStorage.setItem(OPEN_SESSION_KEY, selectedId)
      else sessionStorage.removeItem(OPEN_SESSION_KEY)
    } catch {
      // Not remembering the open session across reloads is acceptable.
    }
  }, [selectedId])

  // `reuseEmpty` (Ctrl/Cmd+N): an untouched "New session" is opened again rather than another one made.
  const newSession = useCallback(async (profileId?: string, reuseEmpty = false) => {
    if (creating) return
    // Leave the current session at once (its composer unmounts and saves its draft), so nothing typed while the
    // new session is being created can land in the old one.
    const previous = selectedId
    setSelectedId(null)
    setCreating(true)
    try {
      const session = await call('sessions.create', { ...(profileId ? { profileId } : {}), ...(reuseEmpty ? { reuseEmpty } : {}) })
      acceptSnapshot(session.identity)
      setQuery('')
      setArchivedView(false)
      setSelectedId(session.id)
      setTarget(null)
      sessions.accept(session, true)
    } catch (e) {
      const error = toErrorData(e)
      setSelectedId((current) => current ?? previous)
      notify(`Could not create a session: ${error.message}${error.fix ? `. ${error.fix}` : ''}`, 'error')
    } finally {
      setCreating(false)
    }
  }, [creating, notify, selectedId, sessions])

  const openSettings = useCallback(() => setSettings({ kind: 'list' }), [])
  const openDiagnostics = useCallback(() => setDiagnosticsOpen(true), [])
  // The sidebar: collapsed as the preference says, or by itself in a narrow window (where expanding is not saved).
  const narrow = useNarrowWindow()
  const [narrowExpanded, setNarrowExpanded] = useState(false)
  useEffect(() => setNarrowExpanded(false), [narrow])
  const savedCollapsed = preferences.preferences?.sidebarCollapsed ?? false
  const sidebarCollapsed = narrow ? !narrowExpanded : savedCollapsed
  const savePreferences = preferences.save
  const toggleSidebar = useCallback(() => {
    if (narrow) {
      setNarrowExpanded((v) => !v)
      return
    }
    savePreferences({ sidebarCollapsed: !savedCollapsed }).catch((e: unknown) => notify(`Could not save the sidebar setting: ${toErrorData(e).message}`, 'error'))
  }, [narrow, savedCollapsed, savePreferences, notify])

  useShortcuts({ onNewSession: () => void newSession(undefined, true), onOpenSettings: openSettings, onOpenDiagnostics: openDiagnostics, onToggleSidebar: toggleSidebar })

  // Main asks the window to show something: the tray, the app menu, a notification, a keel:// link, or a
  // quick-resume from Recent sessions. Whatever dialog is open gives way first.
  const onFocusRequest = (target: EventPayload<'focus'>) => {
    closeAllModals()
    switch (target.view) {
      case 'session':
        if (target.sessionId) setSelectedId(target.sessionId)
        return
      case 'new-session':
        void newSession()
        return
      case 'diagnostics':
        if (target.sessionId) setSelectedId(target.sessionId)
        setDiagnosticsOpen(true)
        return
      case 'settings':
        openSettings()
        return
    }
  }
  useBridgeEvent('focus', onFocusRequest)

  // Quick-resume re-resolves the session in main, which then sends `focus` for it: that event opens it, once.
  const resumeSession = useCallback(
    (id: string) => {
      call('sessions.quickResume', { id }).catch((e: unknown) => {
        const error = toErrorData(e)
        notify(`Could not open the session: ${error.message}${error.fix ? `. ${error.fix}` : ''}`, 'error')
      })
    },
    [notify],
  )

  const theme = preferences.preferences?.theme
  useEffect(() => {
    if (theme) applyTheme(theme)
  }, [theme])

  const listed = selectedId ? sessions.sessions.find((s) => s.id === selectedId) : undefined
  // The open session's pane names the window after the session (its own summary, listed or not).
  useEffect(() => {
    if (!selectedId) document.title = 'Keel'
  }, [selectedId])

  const configError = appState.app?.config.error ?? null
  const runtime = appState.app?.runtime ?? (window.keel ? 'electron' : 'host')

  let content
  if (connection.stale) {
    // The page's token is from an earlier run of the host: nothing it shows would be live, so it says only that.
    content = <NotConnected />
  } else if (selectedId) {
    content = (
      <SessionPane
        key={selectedId}
        sessionId={selectedId}
        target={target}
        listedTitle={listed?.title ?? null}
        listedProfile={listed?.profile ?? null}
        listedWorkspace={listed ? (listed.workspace ?? null) : undefined}
        providers={providers.providers}
        appDefault={appState.app?.default ?? null}
        onOpenSettings={openSettings}
        onOpenDiagnostics={openDiagnostics}
        onMissing={() => setSelectedId(null)}
      />
    )
  } else if (creating) {
    content = (
      <section className="session-pane session-pane--message" aria-label="Session" aria-busy="true">
        <p className="muted">Creating session…</p>
      </section>
    )
  } else if (connection.status !== 'open' && connection.everOpened) {
    // Not "No sessions yet" or the welcome screen: with no connection, nothing can be known about the data.
    content = <NotConnected />
  } else if (providers.loaded && providers.providers.length === 0 && !providers.error) {
    content = <Welcome onAddProvider={() => setSettings({ kind: 'add' })} />
  } else {
    content = <EmptyState />
  }

  return (
    <div className="app">
      <ConnectionBanner />
      <div className={`shell${sidebarCollapsed ? ' shell--collapsed' : ''}${narrow && !sidebarCollapsed ? ' shell--overlay' : ''}`}>
        <Sidebar
          sessions={sessions}
          query={query}
          onQueryChange={setQuery}
          selectedId={selectedId}
          onOpen={openSession}
          onDeleted={(id) => {
            // The `sessions` event of the delete drops it from the list.
            if (id === selectedId) setSelectedId(null)
          }}
          onNewSession={(profileId) => void newSession(profileId)}
          onOpenSettings={openSettings}
          onOpenDiagnostics={openDiagnostics}
          onResumeSession={resumeSession}
          runtime={runtime}
          creating={creating}
          collapsed={sidebarCollapsed}
          onToggleCollapsed={toggleSidebar}
          archivedView={archivedView}
          onToggleArchivedView={() => setArchivedView((v) => !v)}
        />
        <main className="main">
          {appState.app ? <EnvironmentBanners app={appState.app} onCheckAgain={appState.refetch} /> : null}
          {configError ? <ConfigErrorBanner error={configError} onOpenSettings={openSettings} /> : null}
          {content}
        </main>
      </div>
      {settings ? (
        <SettingsDialog
          initialView={settings}
          providers={providers}
          appState={appState}
          preferences={preferences}
          onClose={() => setSettings(null)}
        />
      ) : null}
      {diagnosticsOpen ? (
        <DiagnosticsDialog key={selectedId ?? 'app'} sessionId={selectedId} onClose={() => setDiagnosticsOpen(false)} />
      ) : null}
    </div>
  )
}
