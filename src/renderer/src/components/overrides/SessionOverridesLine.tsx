// The session header's instructions & parameters line (issue #12): what this session overrides of its agent profile
// ("instructions (42 characters) · temperature 0.2", or "the profile's"), and "Instructions & parameters…" to set
// or clear the override. Main validates (temperature 0–2, max output tokens a whole number above 0, an effort level);
// its error shows in the dialog, which stays open with everything typed kept, and marks the field it names.
import { useState, type FormEvent } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import { REASONING_EFFORTS, paramsText, type SessionOverridesView, type SessionParamsOverride } from '../../../../shared/session-overrides'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useLiveQuery } from '../../hooks/useLiveQuery'
import { ErrorNote } from '../ErrorNote'
import { Field } from '../Field'
import { Modal } from '../Modal'

export function SessionOverridesLine({ sessionId }: { sessionId: string }) {
  // A profile edit ('app') changes the values shown as the profile's; a set elsewhere is a 'sessions' event.
  const { data, refetch } = useLiveQuery('sessions.overrides', { id: sessionId }, { refreshOn: ['sessions', 'app'] })
  const [editing, setEditing] = useState(false)
  if (!data) return null
  return (
    <div className="identity session-header__profile-line" data-testid="session-overrides">
      {/* The button names the setting; what is in force follows it (the header stays one row shorter). */}
      <button type="button" className="button button--small" aria-haspopup="dialog" onClick={() => setEditing(true)}>
        Instructions & parameters…
      </button>
      {data.line ? (
        <span className="badge badge--accent" data-testid="session-overrides-line" title={overrideTooltip(data)}>
          this session’s: {data.line}
        </span>
      ) : (
        <span className="session-header__profile" data-testid="session-overrides-line" title={overrideTooltip(data)}>
          {data.profile ? 'the profile’s' : 'none'}
        </span>
      )}
      {editing ? (
        <OverridesDialog
          sessionId={sessionId}
          view={data}
          onDone={() => {
            setEditing(false)
            refetch()
          }}
        />
      ) : null}
    </div>
  )
}

function overrideTooltip(v: SessionOverridesView): string {
  const instructions = v.effective.instructions.trim() === '' ? 'no instructions' : `${v.effective.instructions.length} characters of instructions`
  return `Sent with each request: ${instructions}; parameters: ${paramsText(v.effective.parameters)}`
}

const text = (n: number | undefined) => (n === undefined ? '' : String(n))

function OverridesDialog({ sessionId, view, onDone }: { sessionId: string; view: SessionOverridesView; onDone: () => void }) {
  const profile = view.profile
  const [ownInstructions, setOwnInstructions] = useState(view.instructions !== null)
  const [instructions, setInstructions] = useState(view.instructions ?? profile?.instructions ?? '')
  const [temperature, setTemperature] = useState(text(view.params?.temperature))
  const [maxTokens, setMaxTokens] = useState(text(view.params?.maxOutputTokens))
  const [effort, setEffort] = useState<string>(view.params?.reasoningEffort ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const invalid = (field: string) => (error?.field === field ? true : undefined)
  const fromProfile = (value: string | number | undefined) => (value === undefined ? 'the provider’s default' : String(value))

  const save = async (clear: boolean) => {
    setBusy(true)
    setError(null)
    // An empty box keeps the profile's value; anything typed goes to main as typed (main says what is wrong with it:
    // the form is noValidate, so the browser's own range check does not stand in for Keel's message).
    const number = (t: string) => (t.trim() === '' ? undefined : Number(t))
    const params: SessionParamsOverride = {}
    if (number(temperature) !== undefined) params.temperature = number(temperature)
    if (number(maxTokens) !== undefined) params.maxOutputTokens = number(maxTokens)
    if (effort) params.reasoningEffort = effort as SessionParamsOverride['reasoningEffort']
    try {
      await call('sessions.setOverrides', clear ? { id: sessionId, instructions: null, params: null } : { id: sessionId, instructions: ownInstructions ? instructions : null, params: Object.keys(params).length > 0 ? params : null })
      onDone()
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save(false)
  }
  const hasOverride = view.instructions !== null || view.params !== null
  return (
    <Modal
      title="Session instructions & parameters"
      onClose={onDone}
      description={profile ? `For this session only, over the profile “${profile.name}”. An empty parameter keeps the profile’s value.` : 'For this session only (its profile was deleted).'}
    >
      <form onSubmit={submit} className="overrides-form" noValidate>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={ownInstructions} onChange={(e) => setOwnInstructions(e.target.checked)} data-autofocus /> Use this session’s own instructions
          </label>
        </div>
        <Field label="Instructions" help={ownInstructions ? 'The system prompt of this session’s requests (empty: none).' : 'The profile’s instructions (tick the box above to write this session’s own).'}>
          {({ id, helpId }) => (
            <textarea
              id={id}
              className="input overrides-form__instructions"
              rows={5}
              value={ownInstructions ? instructions : (profile?.instructions ?? '')}
              readOnly={!ownInstructions}
              onChange={(e) => setInstructions(e.target.value)}
              aria-describedby={helpId}
              aria-invalid={invalid('instructions')}
            />
          )}
        </Field>
        <div className="form-grid">
          <Field label="Temperature" help={`0–2; empty: the profile’s (${fromProfile(profile?.parameters.temperature)}).`}>
            {({ id, helpId }) => (
              <input id={id} className="input" type="number" min={0} max={2} step={0.1} inputMode="decimal" value={temperature} onChange={(e) => setTemperature(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('params.temperature')} />
            )}
          </Field>
          <Field label="Max output tokens" help={`Empty: the profile’s (${fromProfile(profile?.parameters.maxOutputTokens)}).`}>
            {({ id, helpId }) => (
              <input id={id} className="input" type="number" min={1} step={1} inputMode="numeric" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('params.maxOutputTokens')} />
            )}
          </Field>
          <Field label="Reasoning effort" help={`Sent only where the API has it. Profile’s: ${fromProfile(profile?.parameters.reasoningEffort)}.`}>
            {({ id, helpId }) => (
              <select id={id} className="input" value={effort} onChange={(e) => setEffort(e.target.value)} aria-describedby={helpId} aria-invalid={invalid('params.reasoningEffort')}>
                <option value="">The profile’s</option>
                {REASONING_EFFORTS.map((e) => (
                  <option key={e} value={e}>
                    {e}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {error ? <ErrorNote error={error} label="Override not saved" /> : null}
        <div className="button-row button-row--end">
          {hasOverride ? (
            <button type="button" className="button" onClick={() => void save(true)} disabled={busy}>
              Use the profile’s
            </button>
          ) : null}
          <button type="button" className="button" onClick={onDone}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            Save for this session
          </button>
        </div>
      </form>
    </Modal>
  )
}
