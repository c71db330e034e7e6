// A fallback list (issue #11): the bindings tried in order when the selected one fails, added through the model
// picker's groups, reordered and removed with buttons (keyboard reachable, each named), and the failures that move
// on to them. Used by the profile editor (Settings → Agents) and the session header's override dialog. Main checks
// the list again and says which bindings cannot resolve (`problems`, shown next to each).
import { useState } from 'react'
import type { FallbackChain } from '../../../../shared/agent-profiles'
import type { ProviderEntryView } from '../../../../shared/domain'
import { DEFAULT_FALLBACK_TRIGGERS, FallbackTrigger, type FallbackSkip } from '../../../../shared/fallback'
import { ModelGroup } from '../ModelGroup'
import '../../styles/fallback.css'

const TRIGGER_TEXT: Record<FallbackTrigger, string> = {
  network: 'Network errors',
  timeout: 'Timeouts',
  server: 'Server errors (5xx)',
  'rate-limited': 'Rate limits (429)',
}

export const EMPTY_CHAIN: FallbackChain = { bindings: [], triggers: [...DEFAULT_FALLBACK_TRIGGERS] }

interface Props {
  value: FallbackChain
  providers: ProviderEntryView[]
  problems?: FallbackSkip[]
  busy?: boolean
  onChange: (next: FallbackChain) => void
}

export function FallbackListEditor({ value, providers, problems = [], busy = false, onChange }: Props) {
  const [adding, setAdding] = useState(false)
  const [expanded, setExpanded] = useState<string | null>(providers[0]?.id ?? null)
  const nameOf = (entryId: string) => providers.find((p) => p.id === entryId)?.name ?? entryId
  const move = (i: number, by: number) => {
    const next = [...value.bindings]
    const [item] = next.splice(i, 1)
    next.splice(i + by, 0, item!)
    onChange({ ...value, bindings: next })
  }
  return (
    <div className="fallback-editor" data-testid="fallback-editor">
      {value.bindings.length === 0 ? (
        <p className="field__help">No fallbacks: a failed request stays an error.</p>
      ) : (
        <ol className="fallback-editor__list" aria-label="Fallbacks, in the order they are tried">
          {value.bindings.map((b, i) => {
            const label = `${nameOf(b.entryId)} · ${b.model}`
            const problem = problems.find((p) => p.entryId === b.entryId && p.model === b.model)
            return (
              <li key={`${b.entryId}\u0000${b.model}`} className="fallback-editor__item">
                <span className="fallback-editor__name">{label}</span>
                {problem ? (
                  <span className="badge badge--warning" title={problem.message}>
                    {problem.reason}
                  </span>
                ) : null}
                <button type="button" className="button button--small" aria-label={`Move ${label} up`} disabled={busy || i === 0} onClick={() => move(i, -1)}>
                  Up
                </button>
                <button type="button" className="button button--small" aria-label={`Move ${label} down`} disabled={busy || i === value.bindings.length - 1} onClick={() => move(i, 1)}>
                  Down
                </button>
                <button type="button" className="button button--small" aria-label={`Remove ${label}`} disabled={busy} onClick={() => onChange({ ...value, bindings: value.bindings.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </li>
            )
          })}
        </ol>
      )}
      <button type="button" className="button button--small" aria-expanded={adding} disabled={busy || providers.length === 0} onClick={() => setAdding((a) => !a)}>
        {adding ? 'Done adding' : 'Add a fallback…'}
      </button>
      {adding ? (
        <div className="picker__groups" role="group" aria-label="Pick a fallback model">
          {providers.map((entry) => (
            <ModelGroup
              key={entry.id}
              entry={entry}
              expanded={expanded === entry.id}
              onToggle={() => setExpanded((open) => (open === entry.id ? null : entry.id))}
              currentModel={null}
              refreshSession={null}
              busy={busy}
              onPick={(model) => {
                if (!value.bindings.some((b) => b.entryId === entry.id && b.model === model)) onChange({ ...value, bindings: [...value.bindings, { entryId: entry.id, model }] })
                setAdding(false)
              }}
            />
          ))}
        </div>
      ) : null}
      <fieldset className="profile-form__fieldset">
        <legend className="field__label">Try the fallbacks after</legend>
        {FallbackTrigger.options.map((t) => (
          <label key={t} className="profile-form__radio">
            <input
              type="checkbox"
              checked={value.triggers.includes(t)}
              disabled={busy}
              onChange={(e) => onChange({ ...value, triggers: e.target.checked ? [...value.triggers, t] : value.triggers.filter((x) => x !== t) })}
            />
            {TRIGGER_TEXT[t]}
          </label>
        ))}
        <p className="field__help">Never after a rejected key (401/403), a missing model, or a context-length or content error.</p>
      </fieldset>
    </div>
  )
}
