// Settings → Agents: the agent profiles (built-in ones read-only but duplicable), which one new sessions start with,
// and the form that creates or edits a profile. The form takes the place of the list while open, as the provider
// form does, so each label appears once.
import { useState } from 'react'
import type { AgentProfileView } from '../../../../shared/agent-profiles'
import type { KeelErrorData, ProviderEntryView } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import type { ProfilesQuery } from '../../hooks/useProfiles'
import { ConfirmDialog } from '../ConfirmDialog'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'
import { ProfileForm } from './ProfileForm'
import '../../styles/agents.css'

type View = { kind: 'list' } | { kind: 'add' } | { kind: 'edit'; id: string }

interface AgentsSectionProps {
  profiles: ProfilesQuery
  providers: ProviderEntryView[]
  /** The form is open: the dialog hides its other sections meanwhile. */
  onEditingChange?: (editing: boolean) => void
}

export function AgentsSection({ profiles, providers, onEditingChange }: AgentsSectionProps) {
  const [view, setViewState] = useState<View>({ kind: 'list' })
  const [deleting, setDeleting] = useState<AgentProfileView | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const notify = useNotify()
  const state = profiles.state
  const setView = (v: View) => {
    setViewState(v)
    onEditingChange?.(v.kind !== 'list')
  }

  const editing = view.kind === 'edit' ? (state?.profiles.find((p) => p.id === view.id) ?? null) : null
  const shown: View = view.kind === 'edit' && !editing ? { kind: 'list' } : view

  const act = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      profiles.refetch()
      notify(done, 'success')
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="dialog-section" aria-labelledby="settings-agents">
      <div className="dialog-section__head">
        <h3 id="settings-agents" className="dialog-section__title">
          Agents
        </h3>
        <button type="button" className="button button--primary" onClick={() => setView({ kind: 'add' })} aria-expanded={shown.kind === 'add'}>
          New profile
        </button>
      </div>
      {profiles.error ? <ErrorNote error={profiles.error} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      {shown.kind === 'list' ? (
        <ul className="provider-list profile-list" aria-label="Agent profiles">
          {(state?.profiles ?? []).map((p) => {
            const isDefault = state?.defaultProfileId === p.id
            return (
              <li key={p.id} className="provider-row profile-row" aria-label={p.name}>
                <div className="provider-row__info">
                  <p className="provider-row__name">
                    <span>{p.name}</span>
                    {p.builtin ? <span className="badge">Built-in</span> : null}
                    {isDefault ? <span className="badge badge--accent">Default</span> : null}
                  </p>
                  <p className="provider-row__meta">{profileSummary(p)}</p>
                </div>
                <div className="provider-row__actions">
                  {p.builtin ? null : (
                    <button type="button" className="button button--small" aria-label={`Edit ${p.name}`} onClick={() => setView({ kind: 'edit', id: p.id })}>
                      Edit
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={`Duplicate ${p.name}`}
                    disabled={busy}
                    onClick={() => void act(() => call('profiles.duplicate', { id: p.id }), `Duplicated ${p.name}`)}
                  >
                    Duplicate
                  </button>
                  {isDefault ? null : (
                    <button
                      type="button"
                      className="button button--small"
                      aria-label={`Set as default profile: ${p.name}`}
                      disabled={busy}
                      onClick={() => void act(() => call('profiles.setDefault', { id: p.id }), `New sessions now start as ${p.name}`)}
                    >
                      Set as default
                    </button>
                  )}
                  {p.builtin || isDefault ? null : (
                    <button type="button" className="button button--small button--danger-quiet" aria-label={`Delete ${p.name}`} onClick={() => setDeleting(p)}>
                      Delete
                    </button>
                  )}
                </div>
              </li>
            )
          })}
        </ul>
      ) : state ? (
        <ProfileForm
          key={shown.kind === 'edit' ? shown.id : 'add'}
          profile={editing}
          tools={state.tools}
          providers={providers}
          onCancel={() => setView({ kind: 'list' })}
          onSaved={(saved, created) => {
            profiles.refetch()
            notify(created ? `Added ${saved.name}` : `Saved ${saved.name}`, 'success')
            setView({ kind: 'list' })
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete agent profile?"
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await call('profiles.delete', { id: deleting.id })
            profiles.refetch()
            notify(`Deleted ${deleting.name}`, 'success')
          }}
        >
          <p>
            “{deleting.name}” will be removed from Keel's config. Sessions started with it show the profile as missing and
            will not run until you pick another profile for them; they are never switched silently.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}

function profileSummary(p: AgentProfileView): string {
  const builtin = p.tools.filter((t) => t.source === 'builtin').length
  const servers = new Set(p.tools.filter((t) => t.source.startsWith('mcp:')).map((t) => t.source)).size
  const tools =
    builtin === 0 && servers === 0
      ? 'no tools'
      : [builtin > 0 ? `${builtin} tool${builtin === 1 ? '' : 's'}` : null, servers > 0 ? `${servers} MCP server${servers === 1 ? '' : 's'}` : null].filter(Boolean).join(' + ')
  const binding = p.binding.mode === 'pinned' ? `${p.binding.entryId} · ${p.binding.model}` : 'app default model'
  return [binding, tools, `up to ${p.stepLimit} steps`, p.workspace ? `workspace ${p.workspace}` : null].filter(Boolean).join(' · ')
}
