// Choose what one session runs on. Picking a model pins this session only (`sessions.bind`); "Follow app default"
// hands it back to the app default. The result arrives as a new identity snapshot from main.
import { useState } from 'react'
import type { AppDefault, IdentitySnapshot, KeelErrorData, ProviderEntryView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { runningIdentity } from '../lib/snapshotView'
import { acceptSnapshot } from '../state/snapshotStore'
import { ErrorNote } from './ErrorNote'
import { Modal } from './Modal'
import { ModelGroup } from './ModelGroup'

interface ModelPickerProps {
  sessionId: string
  snapshot: IdentitySnapshot | null
  providers: ProviderEntryView[]
  appDefault: AppDefault | null
  onClose: () => void
  onOpenSettings: () => void
  /** Instead of binding here: what the model picked is for (a regenerate on it, which binds the session in main). */
  onPick?: (entryId: string, model: string) => Promise<unknown>
  title?: string
}

export function ModelPicker({ sessionId, snapshot, providers, appDefault, onClose, onOpenSettings, onPick, title }: ModelPickerProps) {
  const current = currentChoice(snapshot)
  const [expanded, setExpanded] = useState<string | null>(() => {
    const wanted = current?.entryId
    return providers.some((p) => p.id === wanted) ? (wanted ?? null) : (providers[0]?.id ?? null)
  })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)

  const run = async (action: () => Promise<{ identity: IdentitySnapshot }>) => {
    setBusy(true)
    setError(null)
    try {
      const summary = await action()
      acceptSnapshot(summary.identity)
      onClose()
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  const pick = async (entryId: string, model: string) => {
    if (!onPick) return run(() => call('sessions.bind', { id: sessionId, entryId, model }))
    setBusy(true)
    setError(null)
    try {
      await onPick(entryId, model)
      onClose()
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  const followDefault = () =>
    run(() => call('sessions.followDefault', { id: sessionId }))

  const defaultEntry = appDefault ? providers.find((p) => p.id === appDefault.entryId) : undefined
  const following = snapshot?.binding?.mode === 'follow-default'

  return (
    <Modal title={title ?? 'Choose model'} onClose={onClose} className="modal--picker">
      <p className="picker__scope">
        {onPick ? 'This session switches to the model you pick, and the reply is regenerated on it. ' : ''}Only this session changes. Other sessions keep what they run on.
      </p>
      {error ? <ErrorNote error={error} /> : null}
      {/* A regenerate picks a model for the new reply; following the app default is a separate choice. */}
      {onPick ? null : (
        <div className="picker__default">
          <button type="button" className="button" onClick={() => void followDefault()} disabled={busy}>
            Follow app default
          </button>
          <span className="picker__default-text">
            {appDefault
              ? `${defaultEntry?.name ?? appDefault.entryId} · ${appDefault.model}`
              : 'No app default is set'}
            {following ? ' (current)' : ''}
          </span>
        </div>
      )}
      {providers.length === 0 ? (
        <div className="picker__empty">
          <p>There are no providers yet.</p>
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              onClose()
              onOpenSettings()
            }}
          >
            Open settings
          </button>
        </div>
      ) : (
        <div className="picker__groups">
          {providers.map((entry) => (
            <ModelGroup
              key={entry.id}
              entry={entry}
              expanded={expanded === entry.id}
              onToggle={() => setExpanded((open) => (open === entry.id ? null : entry.id))}
              currentModel={current?.entryId === entry.id ? current.model : null}
              refreshSession={runningIdentity(snapshot)?.entryId === entry.id ? sessionId : null}
              busy={busy}
              onPick={(model) => void pick(entry.id, model)}
            />
          ))}
        </div>
      )}
    </Modal>
  )
}

/** What the session runs on (resolved, or its previous runtime) or asked for (unresolved) — from the snapshot. */
function currentChoice(snapshot: IdentitySnapshot | null): { entryId: string; model: string } | null {
  const identity = runningIdentity(snapshot)
  if (identity) return { entryId: identity.entryId, model: identity.model }
  return snapshot?.binding ? { entryId: snapshot.binding.entryId, model: snapshot.binding.model } : null
}
