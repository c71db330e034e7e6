// Provider entries, the app default, appearance and desktop preferences, and where Keel keeps things. The add/edit form takes the place of the list
// (and of the sections below it) while open, so each label and status text appears once in the dialog.
import { useState } from 'react'
import type { AppState, ProviderEntryView } from '../../../shared/domain'
import { call } from '../bridge'
import type { AppStateState } from '../hooks/useAppState'
import type { PreferencesState } from '../hooks/usePreferences'
import type { ProvidersState } from '../hooks/useProviders'
import { useMcpServers } from '../hooks/useMcpServers'
import { useProfiles } from '../hooks/useProfiles'
import { AgentsSection } from './agents/AgentsSection'
import { GrantsSection } from './agents/GrantsSection'
import { McpServersSection } from './mcp/McpServersSection'
import { AppDefaultSection } from './AppDefaultSection'
import { AppInfoSection } from './AppInfoSection'
import { ConfigErrorBanner } from './ConfigErrorBanner'
import { ConfirmDialog } from './ConfirmDialog'
import { ErrorNote } from './ErrorNote'
import { Modal } from './Modal'
import { useNotify } from './Notices'
import { PreferencesSection } from './PreferencesSection'
import { ProviderForm } from './ProviderForm'
import { ProviderRow } from './ProviderRow'
import { UsageSection } from './usage/UsageSection'
import { DataSection } from './data/DataSection'

export type SettingsView = { kind: 'list' } | { kind: 'add' } | { kind: 'edit'; entryId: string }

interface SettingsDialogProps {
  initialView: SettingsView
  providers: ProvidersState
  appState: AppStateState
  preferences: PreferencesState
  onClose: () => void
}

export function SettingsDialog({ initialView, providers, appState, preferences, onClose }: SettingsDialogProps) {
  const [view, setView] = useState<SettingsView>(initialView)
  const [deleting, setDeleting] = useState<ProviderEntryView | null>(null)
  const notify = useNotify()
  const profiles = useProfiles()
  const mcp = useMcpServers()
  const app: AppState | null = appState.app

  const refresh = () => {
    providers.refetch()
    appState.refetch()
  }

  const editing = view.kind === 'edit' ? (providers.providers.find((p) => p.id === view.entryId) ?? null) : null
  // An entry deleted while its form was open (for example by an edit of config.json): back to the list.
  const shown: SettingsView = view.kind === 'edit' && !editing ? { kind: 'list' } : view

  return (
    <Modal title="Settings" onClose={onClose} className="modal--settings">
      {app?.config.error ? <ConfigErrorBanner error={app.config.error} /> : null}
      {appState.error ? <ErrorNote error={appState.error} /> : null}

      <section className="dialog-section" aria-labelledby="settings-providers">
        <div className="dialog-section__head">
          <h3 id="settings-providers" className="dialog-section__title">
            Providers
          </h3>
          <button
            type="button"
            className="button button--primary"
            onClick={() => setView({ kind: 'add' })}
            aria-expanded={shown.kind === 'add'}
          >
            Add provider
          </button>
        </div>
        {providers.error ? <ErrorNote error={providers.error} /> : null}
        {shown.kind === 'list' ? (
          <>
            {providers.loaded && providers.providers.length === 0 ? (
              <p className="muted">No providers yet. Add one to start chatting.</p>
            ) : null}
            <ul className="provider-list" aria-label="Providers">
              {providers.providers.map((entry) => (
                <ProviderRow
                  key={entry.id}
                  entry={entry}
                  isDefault={app?.default?.entryId === entry.id}
                  defaultModel={app?.default?.entryId === entry.id ? app.default.model : null}
                  onEdit={() => setView({ kind: 'edit', entryId: entry.id })}
                  onDelete={() => setDeleting(entry)}
                  onDefaultSet={() => {
                    refresh()
                    notify(`${entry.name} is now the app default`, 'success')
                  }}
                />
              ))}
            </ul>
          </>
        ) : (
          <ProviderForm
            key={shown.kind === 'edit' ? shown.entryId : 'add'}
            entry={editing}
            onCancel={() => setView({ kind: 'list' })}
            onSaved={(entry, created) => {
              refresh()
              notify(created ? `Added ${entry.name}` : `Saved ${entry.name}`, 'success')
              setView({ kind: 'list' })
            }}
          />
        )}
      </section>
      {shown.kind === 'list' ? (
        <>
          <AgentsSection profiles={profiles} providers={providers.providers} />
          <McpServersSection mcp={mcp} />
          <GrantsSection />
          <UsageSection providers={providers.providers} profileName={(id) => profiles.state?.profiles.find((p) => p.id === id)?.name ?? id} />
          <DataSection />
          <AppDefaultSection appDefault={app?.default ?? null} providers={providers.providers} />
          <PreferencesSection preferences={preferences} runtime={app?.runtime ?? null} />
          {app ? <AppInfoSection app={app} /> : null}
        </>
      ) : null}

      {deleting ? (
        <ConfirmDialog
          title="Delete provider?"
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await call('providers.delete', { id: deleting.id })
            refresh()
            notify(`Deleted ${deleting.name}`, 'success')
          }}
        >
          <p>
            “{deleting.name}” will be removed from Keel's config. Sessions that use it become unresolved until you
            pick another provider for them.
          </p>
        </ConfirmDialog>
      ) : null}
    </Modal>
  )
}
