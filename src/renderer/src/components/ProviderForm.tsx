// Add or edit a provider entry. The API key goes to main once, straight into the keychain; it is never shown,
// prefilled or sent back. Edits send only the fields that changed, so an unchanged entry keeps its revision.
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { ConnectionTestResult } from '../../../shared/connection-test'
import type { ChannelInput } from '../../../shared/contract'
import type { KeelErrorData, ProviderApi, ProviderEntryView, ProviderKind, StreamTimeouts } from '../../../shared/domain'
import { KIND_DEFAULTS } from '../../../shared/provider-kinds'
import { STREAM_TIMEOUT_DEFAULTS, STREAM_TIMEOUT_MAX_MS, STREAM_TIMEOUT_MIN_MS } from '../../../shared/stream-timeouts'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { formatHeaders, parseHeaders } from '../lib/headers'
import { APIS, KEY_STATUS_TEXT, KIND_INFO, KINDS, type ProviderAuth } from '../lib/providerKinds'
import { providerWarnings, isCustomUrl, type ProviderWarning } from '../lib/providerWarnings'
import { ConfirmDialog } from './ConfirmDialog'
import { ErrorNote } from './ErrorNote'
import { Field } from './Field'
import { ConnectionTestNote } from './providers/ConnectionTestNote'

interface ProviderFormProps {
  /** The entry being edited; absent when adding. */
  entry: ProviderEntryView | null
  onSaved: (entry: ProviderEntryView, created: boolean) => void
  onCancel: () => void
}

type Patch = ChannelInput<'providers.update'>['patch']

function splitModels(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((m) => m.trim())
    .filter(Boolean)
}

/** A timeout field in seconds (what people think in) from the entry's milliseconds; empty means the default. */
function secondsText(ms: number | undefined): string {
  return ms === undefined ? '' : String(ms / 1000)
}

/** The timeouts typed in the form, or a problem naming the field; empty fields are left out (defaults apply). */
function parseTimeouts(firstByte: string, idle: string): { ok: true; timeouts: StreamTimeouts } | { ok: false; message: string } {
  const timeouts: StreamTimeouts = {}
  for (const [field, label, text] of [
    ['firstByteMs', 'First-byte timeout', firstByte],
    ['idleMs', 'Idle timeout', idle],
  ] as const) {
    if (text.trim() === '') continue
    const ms = Math.round(Number(text) * 1000)
    if (!Number.isFinite(ms) || ms < STREAM_TIMEOUT_MIN_MS || ms > STREAM_TIMEOUT_MAX_MS) {
      return { ok: false, message: `${label} must be a number of seconds from ${STREAM_TIMEOUT_MIN_MS / 1000} to ${STREAM_TIMEOUT_MAX_MS / 1000}` }
    }
    timeouts[field] = ms
  }
  return { ok: true, timeouts }
}

function sameTimeouts(a: StreamTimeouts | undefined, b: StreamTimeouts | undefined): boolean {
  return a?.firstByteMs === b?.firstByteMs && a?.idleMs === b?.idleMs
}

const AUTH_OPTIONS: ReadonlyArray<{ value: ProviderAuth; label: string }> = [
  { value: 'api-key', label: 'API key' },
  { value: 'none', label: 'No key needed' },
]

/** The entry's own setting, else its kind's default (what main applies when `auth` is absent). */
function effectiveAuth(entry: Pick<ProviderEntryView, 'auth' | 'kind'>): ProviderAuth {
  return entry.auth ?? KIND_INFO[entry.kind].defaultAuth
}

function keyPlaceholder(entry: ProviderEntryView | null): string {
  if (entry) {
    switch (entry.keyStatus) {
      case 'stored':
        return 'Stored in keychain — leave empty to keep'
      case 'not-needed':
        return 'Optional — this provider needs no key'
      case 'keychain-unavailable':
        return 'Keychain unavailable — a key cannot be stored now'
      case 'keychain-locked':
        return 'Keychain locked — unlock it to read or change the key'
      case 'missing':
        return 'Paste the API key'
    }
  }
  return 'Paste the API key'
}

export function ProviderForm({ entry: initialEntry, onSaved, onCancel }: ProviderFormProps) {
  const [entry, setEntry] = useState(initialEntry)
  const [name, setName] = useState(entry?.name ?? '')
  const [kind, setKind] = useState<ProviderKind>(entry?.kind ?? 'openai')
  const [api, setApi] = useState<ProviderApi>(entry?.api ?? KIND_INFO.openai.defaultApi)
  const [apiTouched, setApiTouched] = useState(entry !== null)
  const [auth, setAuth] = useState<ProviderAuth>(entry ? effectiveAuth(entry) : KIND_INFO.openai.defaultAuth)
  const [authTouched, setAuthTouched] = useState(entry?.auth !== undefined)
  const [baseUrl, setBaseUrl] = useState(entry?.baseUrl ?? '')
  const [defaultModel, setDefaultModel] = useState(entry?.defaultModel ?? '')
  const [key, setKey] = useState('')
  const [headers, setHeaders] = useState(formatHeaders(entry?.headers))
  const [models, setModels] = useState((entry?.models ?? []).join('\n'))
  const [firstByte, setFirstByte] = useState(secondsText(entry?.timeouts?.firstByteMs))
  const [idle, setIdle] = useState(secondsText(entry?.timeouts?.idleMs))
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [busy, setBusy] = useState(false)
  // "Remove key" is a change like any other: confirmed, then applied on Save (Cancel leaves the key stored).
  const [confirmingRemove, setConfirmingRemove] = useState(false)
  const [removeKeyOnSave, setRemoveKeyOnSave] = useState(false)
  const [testing, setTesting] = useState(false)
  /** The latest test and the form values it was made with (its 404 warns only while they are unchanged). */
  const [tested, setTested] = useState<{ values: string; result: ConnectionTestResult } | null>(null)
  /** Warnings shown before saving, and the values they were shown for: Save with the same values saves. */
  const [warned, setWarned] = useState<{ values: string; warnings: ProviderWarning[] } | null>(null)
  const formRef = useRef<HTMLFormElement>(null)
  const warningsRef = useRef<HTMLDivElement>(null)

  const info = KIND_INFO[kind]
  const invalid = (field: string) => (error?.field === field ? true : undefined)

  const changeKind = (next: ProviderKind) => {
    setKind(next)
    if (!apiTouched) setApi(KIND_INFO[next].defaultApi)
    if (!authTouched) setAuth(KIND_INFO[next].defaultAuth)
  }

  const validate = ({ forTest = false } = {}): KeelErrorData | null => {
    if (!forTest && !name.trim()) return { kind: 'invalid-input', field: 'name', message: 'Name is required', fix: 'Give the provider a name you will recognise' }
    if (kind === 'openai-compatible' && !baseUrl.trim()) {
      return { kind: 'invalid-input', field: 'baseUrl', message: 'Base URL is required for an OpenAI-compatible provider', fix: 'Enter the server address, for example http://127.0.0.1:8000/v1' }
    }
    const parsed = parseHeaders(headers)
    if (!parsed.ok) return { kind: 'invalid-input', field: 'headers', message: parsed.message, fix: parsed.fix }
    const timeouts = parseTimeouts(firstByte, idle)
    if (!timeouts.ok) return { kind: 'invalid-input', field: 'timeouts', message: timeouts.message, fix: 'Leave a field empty to use the default.' }
    return null
  }

  const buildPatch = (current: ProviderEntryView): Patch => {
    const patch: Patch = {}
    const parsedHeaders = parseHeaders(headers)
    const headerMap = parsedHeaders.ok ? parsedHeaders.headers : {}
    const modelList = splitModels(models)
    const url = baseUrl.trim() || info.defaultBaseUrl || ''
    if (name.trim() !== current.name) patch.name = name.trim()
    if (kind !== current.kind) patch.kind = kind
    if (api !== current.api) patch.api = api
    if (auth !== effectiveAuth(current)) patch.auth = auth
    if (url && url !== current.baseUrl) patch.baseUrl = url
    if (formatHeaders(headerMap) !== formatHeaders(current.headers)) {
      patch.headers = Object.keys(headerMap).length > 0 ? headerMap : null
    }
    if (defaultModel.trim() !== (current.defaultModel ?? '')) patch.defaultModel = defaultModel.trim() || null
    if (modelList.join('\n') !== (current.models ?? []).join('\n')) patch.models = modelList.length > 0 ? modelList : null
    const typed = parseTimeouts(firstByte, idle)
    const timeouts = typed.ok ? typed.timeouts : {}
    if (!sameTimeouts(timeouts, current.timeouts)) patch.timeouts = Object.keys(timeouts).length > 0 ? timeouts : null
    return patch
  }

  // A problem with a field: that field is brought into view and focused; any other error is scrolled to.
  useEffect(() => {
    if (!error) return
    const form = formRef.current
    const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]')
    const target = field ?? form?.querySelector<HTMLElement>('.provider-form__error')
    target?.scrollIntoView({ block: 'center' })
    field?.focus()
  }, [error])
  useEffect(() => {
    if (warned) warningsRef.current?.scrollIntoView({ block: 'center' })
  }, [warned])

  /** The form's values as a test sends them (the typed key stays out of the signature). */
  const draft = () => {
    const parsedHeaders = parseHeaders(headers)
    const headerMap = parsedHeaders.ok ? parsedHeaders.headers : {}
    return {
      ...(name.trim() ? { name: name.trim() } : {}),
      kind,
      api,
      auth,
      ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
      ...(Object.keys(headerMap).length > 0 ? { headers: headerMap } : {}),
    }
  }
  const typedKeyNow = () => (auth === 'api-key' ? key.trim() : '')
  const keyUsed = () => (typedKeyNow() ? `typed:${typedKeyNow().length}` : removeKeyOnSave ? 'none' : 'stored')
  const valuesOf = () => JSON.stringify({ ...draft(), key: keyUsed(), defaultModel: defaultModel.trim(), models: splitModels(models) })

  /** The test's result; null when main refused the values themselves (the error, naming the field, is shown). */
  const runTest = async (): Promise<ConnectionTestResult | null> => {
    const values = valuesOf()
    const typedKey = typedKeyNow()
    setTesting(true)
    try {
      const result = await call('providers.testConnection', {
        draft: draft(),
        // The stored key is used only for the entry being edited, and not once its removal is pending.
        ...(entry && !removeKeyOnSave ? { entryId: entry.id } : {}),
        ...(typedKey ? { key: typedKey } : {}),
      })
      setTested({ values, result })
      return result
    } catch (e) {
      const refused = toErrorData(e)
      // The same values go into the entry on Save: a field the test input names is the form's field.
      setError(refused.field?.startsWith('draft.') ? { ...refused, field: refused.field.slice('draft.'.length) } : refused)
      return null
    } finally {
      setTesting(false)
    }
  }

  const testConnection = async () => {
    const problem = validate({ forTest: true })
    if (problem) {
      setError(problem)
      return
    }
    setError(null)
    await runTest()
  }

  const save = async (anyway = false) => {
    const problem = validate()
    if (problem) {
      setError(problem)
      return
    }
    setError(null)
    const values = valuesOf()
    if (!anyway && warned?.values !== values) {
      const modelList = splitModels(models)
      let check = tested?.values === values ? tested.result : null
      // With no model at all the models list is the only way to one: a custom URL is checked before saving.
      if (!check && isCustomUrl(baseUrl, info.defaultBaseUrl) && !defaultModel.trim() && modelList.length === 0) {
        check = await runTest()
        // Refused values are refused by Save too: their error is shown, not warnings on top of it.
        if (!check) return
      }
      const warnings = providerWarnings({ entryName: name.trim(), defaultModel, modelList, baseUrl, kindDefaultUrl: info.defaultBaseUrl, check })
      if (warnings.length > 0) {
        setWarned({ values, warnings })
        return
      }
    }
    setWarned(null)
    setBusy(true)
    // A key typed before switching to "No key needed" is not sent.
    const typedKey = auth === 'api-key' ? key.trim() : ''
    try {
      if (!entry) {
        const parsedHeaders = parseHeaders(headers)
        const headerMap = parsedHeaders.ok ? parsedHeaders.headers : {}
        const modelList = splitModels(models)
        const typed = parseTimeouts(firstByte, idle)
        const timeouts = typed.ok ? typed.timeouts : {}
        const created = await call('providers.create', {
          name: name.trim(),
          kind,
          api,
          auth,
          ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
          ...(Object.keys(headerMap).length > 0 ? { headers: headerMap } : {}),
          ...(defaultModel.trim() ? { defaultModel: defaultModel.trim() } : {}),
          ...(modelList.length > 0 ? { models: modelList } : {}),
          ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
          ...(typedKey ? { key: typedKey } : {}),
        })
        setKey('')
        onSaved(created, true)
        return
      }
      let saved = entry
      const patch = buildPatch(entry)
      if (Object.keys(patch).length > 0) {
        saved = await call('providers.update', { id: entry.id, patch })
        setEntry(saved)
      }
      if (typedKey) {
        saved = await call('providers.setKey', { id: entry.id, key: typedKey })
        setEntry(saved)
        setKey('')
      } else if (removeKeyOnSave && entry.keyStatus === 'stored') {
        saved = await call('providers.deleteKey', { id: entry.id })
        setEntry(saved)
        setRemoveKeyOnSave(false)
      }
      onSaved(saved, false)
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save()
  }

  return (
    <form ref={formRef} className="provider-form" onSubmit={submit} noValidate aria-label={entry ? `Edit ${entry.name}` : 'New provider'}>
      <h3 className="provider-form__title">{entry ? `Edit ${entry.name}` : 'New provider'}</h3>

      <Field label="Name">
        {(f) => (
          <input
            id={f.id}
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={80}
            aria-invalid={invalid('name')}
            aria-required="true"
            autoComplete="off"
            data-autofocus
          />
        )}
      </Field>

      <div className="form-grid">
        <Field label="Kind">
          {(f) => (
            <select id={f.id} className="input" value={kind} onChange={(e) => changeKind(e.target.value as ProviderKind)} aria-invalid={invalid('kind')}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_INFO[k].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="API">
          {(f) => (
            <select
              id={f.id}
              className="input"
              value={api}
              onChange={(e) => {
                setApi(e.target.value as ProviderApi)
                setApiTouched(true)
              }}
              aria-invalid={invalid('api')}
            >
              {APIS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>

      <Field
        label="Base URL"
        help={info.defaultBaseUrl ? 'Leave empty to use the default shown.' : 'Required: the address of your server.'}
      >
        {(f) => (
          <input
            id={f.id}
            className="input"
            type="url"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder={info.defaultBaseUrl ?? 'http://127.0.0.1:8000/v1'}
            aria-required={kind === 'openai-compatible'}
            aria-invalid={invalid('baseUrl')}
            aria-describedby={f.helpId}
            autoComplete="off"
            spellCheck={false}
          />
        )}
      </Field>

      <Field label="Default model">
        {(f) => (
          <input
            id={f.id}
            className="input"
            value={defaultModel}
            onChange={(e) => setDefaultModel(e.target.value)}
            aria-invalid={invalid('defaultModel')}
            autoComplete="off"
            spellCheck={false}
            placeholder="Exactly as the provider lists it"
          />
        )}
      </Field>

      <Field label="Authentication" help="Local servers such as Ollama and LM Studio usually need no key.">
        {(f) => (
          <select
            id={f.id}
            aria-describedby={f.helpId}
            className="input"
            value={auth}
            onChange={(e) => {
              setAuth(e.target.value as ProviderAuth)
              setAuthTouched(true)
            }}
            aria-invalid={invalid('auth')}
          >
            {AUTH_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>

      {auth === 'api-key' ? (
        <Field
          label="API key"
          help={
            entry
              ? `${KEY_STATUS_TEXT[entry.keyStatus]}. Keys are kept in the system keychain, never in Keel's files.`
              : "Kept in the system keychain, never in Keel's files."
          }
        >
          {(f) => (
            <input
              id={f.id}
              className="input"
              type="password"
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder={keyPlaceholder(entry)}
              aria-invalid={invalid('key')}
              aria-describedby={f.helpId}
              spellCheck={false}
            />
          )}
        </Field>
      ) : null}
      {entry?.keyStatus === 'stored' ? (
        removeKeyOnSave ? (
          <div className="button-row provider-form__pending" role="status">
            <span>The stored key will be removed from the keychain when you save.</span>
            <button type="button" className="button button--small" onClick={() => setRemoveKeyOnSave(false)}>
              Keep key
            </button>
          </div>
        ) : (
          <div className="button-row">
            <button type="button" className="button button--small" onClick={() => setConfirmingRemove(true)} disabled={busy}>
              Remove key
            </button>
          </div>
        )
      ) : null}
      {confirmingRemove && entry ? (
        <ConfirmDialog
          title="Remove the stored key?"
          confirmLabel="Remove on save"
          onClose={() => setConfirmingRemove(false)}
          onConfirm={async () => {
            setRemoveKeyOnSave(true)
            setKey('')
          }}
        >
          <p>
            The key of “{entry.name}” will be deleted from the system keychain when you save this form. Until then it
            stays; Cancel on the form keeps it. Sessions on this entry cannot send without a key.
          </p>
        </ConfirmDialog>
      ) : null}

      <Field label="Headers" help="Optional. One `Name: value` per line. No keys here: use API key.">
        {(f) => (
          <textarea
            id={f.id}
            className="input"
            rows={2}
            value={headers}
            onChange={(e) => setHeaders(e.target.value)}
            placeholder="X-Title: Keel"
            aria-invalid={invalid('headers')}
            aria-describedby={f.helpId}
            spellCheck={false}
          />
        )}
      </Field>

      <Field label="Static model list" help="Optional. For servers that cannot list their models: one model id per line.">
        {(f) => (
          <textarea
            id={f.id}
            className="input"
            rows={2}
            value={models}
            onChange={(e) => setModels(e.target.value)}
            aria-invalid={invalid('models')}
            aria-describedby={f.helpId}
            spellCheck={false}
          />
        )}
      </Field>

      <details className="provider-form__advanced" open={entry?.timeouts !== undefined || error?.field === 'timeouts'}>
        <summary>Advanced: timeouts</summary>
        <div className="form-grid">
          <TimeoutField
            label="First-byte timeout (s)"
            help="How long to wait for the reply to start."
            value={firstByte}
            onChange={setFirstByte}
            defaultMs={timeoutDefaults(kind, entry).firstByteMs}
            invalid={invalid('timeouts')}
          />
          <TimeoutField
            label="Idle timeout (s)"
            help="The longest pause allowed once it has started."
            value={idle}
            onChange={setIdle}
            defaultMs={timeoutDefaults(kind, entry).idleMs}
            invalid={invalid('timeouts')}
          />
        </div>
      </details>

      {tested ? <ConnectionTestNote result={tested.result} /> : null}

      {error ? <ErrorNote error={error} className="provider-form__error" /> : null}

      {warned ? (
        <div ref={warningsRef} className="provider-form__warnings" role="alert" aria-label="Before saving" tabIndex={-1}>
          <p className="provider-form__warnings-title">Before saving</p>
          <ul>
            {warned.warnings.map((w) => (
              <li key={w.id}>{w.text}</li>
            ))}
          </ul>
          <button type="button" className="button button--small" onClick={() => void save(true)} disabled={busy}>
            Save anyway
          </button>
        </div>
      ) : null}

      <div className="button-row button-row--end">
        <button type="button" className="button provider-form__test" onClick={() => void testConnection()} disabled={testing || busy} aria-busy={testing}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  )
}

/**
 * The defaults shown as placeholders: local servers (by kind, or an entry marked local) wait longer. Main also
 * counts loopback and private addresses as local; the placeholder is a hint, main applies the real rule.
 */
function timeoutDefaults(kind: ProviderKind, entry: ProviderEntryView | null) {
  const local = entry?.local ?? KIND_DEFAULTS[kind].local
  return STREAM_TIMEOUT_DEFAULTS[local ? 'local' : 'remote']
}

interface TimeoutFieldProps {
  label: string
  help: string
  /** Seconds as typed; parseTimeouts checks it on save. */
  value: string
  onChange: (value: string) => void
  /** What applies when left empty, shown as the placeholder. */
  defaultMs: number
  invalid: true | undefined
}

/** One stream timeout, entered in seconds within the range main accepts. */
function TimeoutField({ label, help, value, onChange, defaultMs, invalid }: TimeoutFieldProps) {
  return (
    <Field label={label} help={help}>
      {(f) => (
        <input
          id={f.id}
          className="input"
          type="number"
          inputMode="decimal"
          min={STREAM_TIMEOUT_MIN_MS / 1000}
          max={STREAM_TIMEOUT_MAX_MS / 1000}
          step="any"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={`Default ${defaultMs / 1000}`}
          aria-invalid={invalid}
          aria-describedby={f.helpId}
        />
      )}
    </Field>
  )
}
