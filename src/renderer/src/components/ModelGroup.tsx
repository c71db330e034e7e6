// One provider entry in the model picker: its models with where the list came from (live, cached, static),
// loaded when the group opens, plus a free-text model id for models the list does not show.
import { useId, useState } from 'react'
import type { ProviderEntryView } from '../../../shared/domain'
import { useModelList, type ModelListState } from '../hooks/useModelList'
import { formatTime } from '../lib/format'
import { kindLabel } from '../lib/providerKinds'

interface ModelGroupProps {
  entry: ProviderEntryView
  expanded: boolean
  onToggle: () => void
  currentModel: string | null
  /** Set for the entry the session runs on: refreshing then targets the session's active identity. */
  refreshSession: string | null
  busy: boolean
  onPick: (model: string) => void
}

export function ModelGroup({ entry, expanded, onToggle, currentModel, refreshSession, busy, onPick }: ModelGroupProps) {
  const models = useModelList(entry.id, expanded, refreshSession)
  const [typed, setTyped] = useState('')
  const panelId = useId()
  const sourceId = useId()
  const inputId = useId()

  const filter = typed.trim().toLowerCase()
  const listed = models.list?.models ?? []
  const shown = filter ? listed.filter((m) => m.toLowerCase().includes(filter)) : listed

  return (
    <section className={`model-group${expanded ? ' model-group--open' : ''}`} aria-label={entry.name}>
      <div className="model-group__head">
        <button
          type="button"
          className="model-group__toggle"
          aria-expanded={expanded}
          aria-controls={panelId}
          onClick={onToggle}
        >
          <span className="model-group__chevron" aria-hidden="true">
            {expanded ? '▾' : '▸'}
          </span>
          {entry.name}
        </button>
        <span className="model-group__kind">{kindLabel(entry.kind)}</span>
        {expanded ? (
          <span className="model-group__source" id={sourceId} data-testid="model-source" title={models.list?.namespace}>
            {provenance(models)}
          </span>
        ) : null}
        {expanded ? (
          <button
            type="button"
            className="icon-button"
            aria-label={`Refresh models for ${entry.name}`}
            title="Refresh the model list"
            onClick={models.refresh}
            disabled={models.loading}
          >
            ↻
          </button>
        ) : null}
      </div>
      {expanded ? (
        <div id={panelId} className="model-group__panel">
          {models.list?.error && models.list.source !== 'none' ? (
            <p className="model-group__warning">{models.list.error.message}</p>
          ) : null}
          <form
            className="model-group__custom"
            onSubmit={(event) => {
              event.preventDefault()
              const model = typed.trim()
              if (model) onPick(model)
            }}
          >
            <label className="field__label" htmlFor={inputId}>
              Model id
            </label>
            <input
                id={inputId}
                className="input"
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                placeholder={entry.defaultModel ?? 'Type or filter model ids'}
                autoComplete="off"
                spellCheck={false}
              />
            <button type="submit" className="button" disabled={busy || !typed.trim()}>
              Use model
            </button>
          </form>
          {shown.length > 0 ? (
            <ul className="model-list" aria-label={`Models from ${entry.name}`} aria-describedby={sourceId}>
              {shown.map((model) => (
                <li key={model}>
                  <button
                    type="button"
                    className="model-list__item"
                    aria-current={model === currentModel ? 'true' : undefined}
                    disabled={busy}
                    onClick={() => onPick(model)}
                  >
                    <span>{model}</span>
                    {model === currentModel ? (
                      <span className="badge" aria-hidden="true">
                        current
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          ) : models.list && listed.length > 0 ? (
            <p className="model-group__none">No listed model matches “{typed.trim()}”. Use it as typed with Use model.</p>
          ) : null}
        </div>
      ) : null}
    </section>
  )
}

/** Where the shown list came from: "live", "cached · 14:02", "static list", "loading…", or why there is none. */
function provenance({ list, loading, error }: ModelListState): string {
  if (loading) return 'loading…'
  if (error) return error.message
  if (!list) return 'loading…'
  switch (list.source) {
    case 'live':
      return 'live'
    case 'cache':
      return list.fetchedAt ? `cached · ${formatTime(list.fetchedAt)}` : 'cached'
    case 'static':
      return 'static list'
    case 'none':
      return list.error ? list.error.message : 'This provider lists no models; type a model id'
  }
}
