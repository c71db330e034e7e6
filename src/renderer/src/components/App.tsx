import { useCallback, useEffect, useState } from 'react'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { useAppState } from '../hooks/useAppState'
import { useBridgeEvent } from '../hooks/useBridgeEvent'
import { useConnection } from '../hooks/useConnection'
import { useProviders } from '../hooks/useProviders'
import { useSessions } from '../hooks/useSessions'
import { useShortcuts } from '../hooks/useShortcuts'
import { acceptSnapshot, resetSnapshots } from '../state/snapshotStore'
import { ConnectionBanner } from './ConnectionBanner'
import { DiagnosticsDialog } from './DiagnosticsDialog'
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
  const sessions = useSessions(query)
  const providers = useProviders()
  const appState = useAppState()
  const [selectedId, setSelectedId] = useState<string | null>(storedOpenSession)
  const [settings, setSettings] = useState<SettingsView | null>(null)
  const [creating, setCreating] = useState(false)
  const [diagnosticsOpen, setDiagnosticsOpen] = useState(false)
  const notify = useNotify()
  const { generation } = useConnection()

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

  const newSession = useCallback(async () => {
    if (creating) return
    // Leave the current session at once (its composer unmounts and saves its draft), so nothing typed while the
    // new session is being created can land in the old one.
    const previous = selectedId
    setSelectedId(null)
    setCreating(true)
    try {
      const session = await call('sessions.create', {})
      acceptSnapshot(session.identity)
      setQuery('')
      setSelectedId(session.id)
      sessions.refetch()
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
  useShortcuts({ onNewSession: () => void newSession(), onOpenSettings: openSettings, onOpenDiagnostics: openDiagnostics })

  const listed = selectedId ? sessions.sessions.find((s) => s.id === selectedId) : undefined
  useEffect(() => {
    document.title = listed ? `${listed.title} — Keel` : 'Keel'
  }, [listed])

  const configError = appState.app?.config.error ?? null

  let content
  if (selectedId) {
    content = (
      <SessionPane
        key={selectedId}
        sessionId={selectedId}
        listedTitle={listed?.title ?? null}
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
  } else if (providers.loaded && providers.providers.length === 0 && !providers.error) {
    content = <Welcome onAddProvider={() => setSettings({ kind: 'add' })} />
  } else {
    content = <EmptyState />
  }

  return (
    <div className="app">
      <ConnectionBanner />
      <div className="shell">
        <Sidebar
          sessions={sessions}
          query={query}
          onQueryChange={setQuery}
          selectedId={selectedId}
          onOpen={setSelectedId}
          onDeleted={(id) => {
            if (id === selectedId) setSelectedId(null)
            sessions.refetch()
          }}
          onNewSession={() => void newSession()}
          onOpenSettings={openSettings}
          onOpenDiagnostics={openDiagnostics}
          creating={creating}
        />
        <main className="main">
          {configError ? (
            <div className="banner banner--warning">
              <p>Keel's config file has an error; Keel keeps using the last good version.</p>
              <button type="button" className="button button--small" onClick={openSettings}>
                Details
              </button>
            </div>
          ) : null}
          {content}
        </main>
      </div>
      {settings ? (
        <SettingsDialog
          initialView={settings}
          providers={providers}
          appState={appState}
          onClose={() => setSettings(null)}
        />
      ) : null}
      {diagnosticsOpen ? (
        <DiagnosticsDialog key={selectedId ?? 'app'} sessionId={selectedId} onClose={() => setDiagnosticsOpen(false)} />
      ) : null}
    </div>
  )
}
