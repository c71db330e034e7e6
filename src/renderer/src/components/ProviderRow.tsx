import { useId, useState } from 'react'
import type { KeelErrorData, ProviderEntryView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { KEY_STATUS_TEXT, kindLabel } from '../lib/providerKinds'
import { ErrorNote } from './ErrorNote'

interface ProviderRowProps {
  entry: ProviderEntryView
  isDefault: boolean
  defaultModel: string | null
  onEdit: () => void
  onDelete: () => void
  onDefaultSet: () => void
}

/** One provider entry in Settings: what it is, where its key is, and what can be done with it. */
export function ProviderRow({ entry, isDefault, defaultModel, onEdit, onDelete, onDefaultSet }: ProviderRowProps) {
  const [askingModel, setAskingModel] = useState(false)
  const [model, setModel] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const modelInputId = useId()

  const setDefault = async (chosen: string) => {
    setBusy(true)
    setError(null)
    try {
      await call('providers.setDefault', { entryId: entry.id, model: chosen })
      setAskingModel(false)
      setModel('')
      onDefaultSet()
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <li className="provider-row" aria-label={entry.name}>
      <div className="provider-row__info">
        <p className="provider-row__name">
          <span>{entry.name}</span>
          {isDefault ? <span className="badge badge--accent">Default</span> : null}
        </p>
        <p className="provider-row__meta">
          <span>{kindLabel(entry.kind)}</span>
          <span aria-hidden="true"> · </span>
          <span className="provider-row__url">{entry.baseUrl}</span>
          {isDefault && defaultModel ? (
            <>
              <span aria-hidden="true"> · </span>
              <span>default model {defaultModel}</span>
            </>
          ) : null}
        </p>
        <p className={`provider-row__key provider-row__key--${entry.keyStatus}`}>{KEY_STATUS_TEXT[entry.keyStatus]}</p>
      </div>
      <div className="provider-row__actions">
        <button type="button" className="button button--small" aria-label={`Edit ${entry.name}`} onClick={onEdit}>
          Edit
        </button>
        <button
          type="button"
          className="button button--small"
          aria-label={`Set as default: ${entry.name}`}
          disabled={busy}
          onClick={() => {
            if (entry.defaultModel) void setDefault(entry.defaultModel)
            else setAskingModel(true)
          }}
        >
          Set as default
        </button>
        <button type="button" className="button button--small button--danger-quiet" aria-label={`Delete ${entry.name}`} onClick={onDelete}>
          Delete
        </button>
      </div>
      {askingModel ? (
        <form
          className="provider-row__default-form"
          onSubmit={(event) => {
            event.preventDefault()
            if (model.trim()) void setDefault(model.trim())
          }}
        >
          <p className="field__help">{entry.name} has no default model. Which model should new sessions use?</p>
          <label className="field__label" htmlFor={modelInputId}>
            Default model id
          </label>
          <input
            id={modelInputId}
            className="input"
            value={model}
            onChange={(event) => setModel(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
          />
          <div className="button-row">
            <button type="submit" className="button button--small button--primary" disabled={busy || !model.trim()}>
              Set default
            </button>
            <button type="button" className="button button--small" onClick={() => setAskingModel(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </li>
  )
}
