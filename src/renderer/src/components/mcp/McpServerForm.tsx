// Add or edit an MCP server entry. Plain settings go to config.json; secret values (env variables of a stdio server,
// headers of an HTTP one) travel to main once, into the keychain as mcp:<server id>:<NAME>, and are never shown,
// prefilled or sent back — a stored secret shows only "stored". Edits send only what changed. A refusal keeps every
// field as typed and marks the field main named.
import { useId, useRef, useState, type FormEvent } from 'react'
import type { ChannelInput } from '../../../../shared/contract'
import type { KeelErrorData } from '../../../../shared/domain'
import { MCP_TIMEOUT_DEFAULT_MS, type McpServerView, type McpTransport } from '../../../../shared/mcp'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { formatEnv, formatMcpHeaders, parseArgs, parseEnv, parseMcpHeaders, secretNameProblem } from '../../lib/mcpForm'
import { ErrorNote } from '../ErrorNote'
import { Field } from '../Field'

interface McpServerFormProps {
  /** The server being edited; null when adding. */
  server: McpServerView | null
  onSaved: (server: McpServerView, created: boolean) => void
  onCancel: () => void
}

type Patch = ChannelInput<'mcp.update'>['patch']
/** A secret the entry already names: its value can be replaced or the secret removed, never read. */
interface StoredSecret {
  name: string
  stored: boolean
  replacement: string
  remove: boolean
}
interface NewSecret {
  key: number
  name: string
  value: string
}

const TIMEOUT_MIN_S = 1
const TIMEOUT_MAX_S = 3600

const problem = (field: string, message: string, fix?: string): KeelErrorData => ({ kind: 'invalid-input', field, message, ...(fix ? { fix } : {}) })

export function McpServerForm({ server, onSaved, onCancel }: McpServerFormProps) {
  const entry = server?.entry ?? null
  const stdio = entry?.transport.type === 'stdio' ? entry.transport : null
  const http = entry?.transport.type === 'http' ? entry.transport : null
  const [name, setName] = useState(entry?.name ?? '')
  const [kind, setKind] = useState<'stdio' | 'http'>(entry?.transport.type ?? 'stdio')
  const [command, setCommand] = useState(stdio?.command ?? '')
  const [args, setArgs] = useState((stdio?.args ?? []).join('\n'))
  const [cwd, setCwd] = useState(stdio?.cwd ?? '')
  const [env, setEnv] = useState(formatEnv(stdio?.env ?? {}))
  const [url, setUrl] = useState(http?.url ?? '')
  const [headers, setHeaders] = useState(formatMcpHeaders(http?.headers ?? {}))
  const [timeout, setTimeoutText] = useState(String((entry?.timeoutMs ?? MCP_TIMEOUT_DEFAULT_MS) / 1000))
  const [enabled, setEnabled] = useState(entry?.enabled ?? true)
  const [startWithKeel, setStartWithKeel] = useState(entry?.startWithKeel ?? false)
  const [stored, setStored] = useState<StoredSecret[]>(() => (server?.secrets ?? []).map((s) => ({ ...s, replacement: '', remove: false })))
  const [added, setAdded] = useState<NewSecret[]>([])
  const nextKey = useRef(1)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [busy, setBusy] = useState(false)
  const kindName = useId()
  const secretsHelpId = useId()

  const invalid = (field: string) => (error?.field === field || error?.field?.startsWith(`${field}.`) || error?.field?.startsWith(`${field}[`) ? true : undefined)

  /** The transport as typed, or the problem with it. */
  const readTransport = (): { ok: true; transport: McpTransport } | { ok: false; error: KeelErrorData } => {
    if (kind === 'stdio') {
      if (!command.trim()) return { ok: false, error: problem('transport.command', 'Command is required', 'The program to run, e.g. npx, uvx, node or an absolute path') }
      const parsedEnv = parseEnv(env)
      if (!parsedEnv.ok) return { ok: false, error: problem('transport.env', parsedEnv.message, parsedEnv.fix) }
      return { ok: true, transport: { type: 'stdio', command: command.trim(), args: parseArgs(args), cwd: cwd.trim() || null, env: parsedEnv.value } }
    }
    if (!url.trim()) return { ok: false, error: problem('transport.url', 'URL is required', 'The server’s Streamable HTTP address, e.g. https://example.com/mcp') }
    const parsedHeaders = parseMcpHeaders(headers)
    if (!parsedHeaders.ok) return { ok: false, error: problem('transport.headers', parsedHeaders.message, parsedHeaders.fix) }
    return { ok: true, transport: { type: 'http', url: url.trim(), headers: parsedHeaders.value } }
  }

  /** Secret values to send (null removes one), or the problem with a row. */
  const readSecrets = (): { ok: true; values: Record<string, string | null> } | { ok: false; error: KeelErrorData } => {
    const values: Record<string, string | null> = {}
    for (const s of stored) {
      if (s.remove) values[s.name] = null
      else if (s.replacement !== '') values[s.name] = s.replacement
    }
    const names = new Set(stored.map((s) => s.name))
    for (const row of added) {
      const n = row.name.trim()
      if (n === '' && row.value === '') continue
      if (n === '') return { ok: false, error: problem('secretValues', 'A secret has a value but no name', 'Enter the environment variable or header name it is for') }
      const bad = secretNameProblem(n)
      if (bad) return { ok: false, error: problem('secretValues', bad) }
      if (names.has(n)) return { ok: false, error: problem('secretValues', `The secret ${n} is listed twice`, 'Keep one row per name') }
      if (row.value === '') return { ok: false, error: problem('secretValues', `The secret ${n} has no value`, 'Paste its value; it goes to the keychain') }
      names.add(n)
      values[n] = row.value
    }
    return { ok: true, values }
  }

  const save = async () => {
    setError(null)
    if (!name.trim()) return setError(problem('name', 'Name is required', 'Give the server a name you will recognise'))
    const transport = readTransport()
    if (!transport.ok) return setError(transport.error)
    const seconds = Number(timeout)
    if (!Number.isFinite(seconds) || seconds < TIMEOUT_MIN_S || seconds > TIMEOUT_MAX_S) {
      return setError(problem('timeoutMs', `Timeout must be a number of seconds from ${TIMEOUT_MIN_S} to ${TIMEOUT_MAX_S}`))
    }
    const timeoutMs = Math.round(seconds * 1000)
    const secrets = readSecrets()
    if (!secrets.ok) return setError(secrets.error)
    setBusy(true)
    try {
      if (!server) {
        const values = Object.fromEntries(Object.entries(secrets.values).filter((e): e is [string, string] => e[1] !== null))
        const created = await call('mcp.create', {
          name: name.trim(),
          transport: transport.transport,
          enabled,
          startWithKeel,
          timeoutMs,
          ...(Object.keys(values).length > 0 ? { secretValues: values } : {}),
        })
        clearSecretValues()
        onSaved(created, true)
        return
      }
      const current = server.entry
      const patch: Patch = {}
      if (name.trim() !== current.name) patch.name = name.trim()
      if (JSON.stringify(transport.transport) !== JSON.stringify(current.transport)) patch.transport = transport.transport
      if (enabled !== current.enabled) patch.enabled = enabled
      if (startWithKeel !== current.startWithKeel) patch.startWithKeel = startWithKeel
      if (timeoutMs !== current.timeoutMs) patch.timeoutMs = timeoutMs
      if (Object.keys(secrets.values).length > 0) patch.secretValues = secrets.values
      const saved = Object.keys(patch).length > 0 ? await call('mcp.update', { id: current.id, patch }) : server
      clearSecretValues()
      onSaved(saved, false)
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }

  /** Secret values leave the form's memory once main has them. */
  const clearSecretValues = () => {
    setStored((rows) => rows.map((s) => ({ ...s, replacement: '' })))
    setAdded([])
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save()
  }

  const title = server ? `Edit ${server.entry.name}` : 'New MCP server'
  return (
    <form className="provider-form mcp-form" onSubmit={submit} noValidate aria-label={title}>
      <h4 className="provider-form__title">{title}</h4>

      <Field label="Name">
        {(f) => (
          <input id={f.id} className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} aria-invalid={invalid('name')} aria-required="true" autoComplete="off" data-autofocus />
        )}
      </Field>

      <fieldset className="profile-form__fieldset">
        <legend className="field__label">Transport</legend>
        <label className="profile-form__radio">
          <input type="radio" name={kindName} checked={kind === 'stdio'} onChange={() => setKind('stdio')} />
          Command (stdio): Keel starts the server as a local process
        </label>
        <label className="profile-form__radio">
          <input type="radio" name={kindName} checked={kind === 'http'} onChange={() => setKind('http')} />
          URL (Streamable HTTP): the server is already running
        </label>
      </fieldset>

      {kind === 'stdio' ? (
        <>
          <Field label="Command" help="Looked up on your login shell’s PATH (as a terminal would), or an absolute path.">
            {(f) => (
              <input id={f.id} className="input mono" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="npx" aria-invalid={invalid('transport.command')} aria-required="true" aria-describedby={f.helpId} autoComplete="off" spellCheck={false} />
            )}
          </Field>
          <Field label="Arguments" help="One argument per line, exactly as the program receives it (no shell quoting).">
            {(f) => (
              <textarea id={f.id} className="input mono" rows={3} value={args} onChange={(e) => setArgs(e.target.value)} placeholder={'-y\n@modelcontextprotocol/server-filesystem\n/home/me/notes'} aria-invalid={invalid('transport.args')} aria-describedby={f.helpId} spellCheck={false} />
            )}
          </Field>
          <Field label="Working folder" help="Optional: an absolute path the server starts in.">
            {(f) => (
              <input id={f.id} className="input mono" value={cwd} onChange={(e) => setCwd(e.target.value)} placeholder="/home/me/project" aria-invalid={invalid('transport.cwd')} aria-describedby={f.helpId} autoComplete="off" spellCheck={false} />
            )}
          </Field>
          <Field label="Environment" help="Optional, plain values only: one NAME=value per line. Keys and tokens go under Secrets.">
            {(f) => (
              <textarea id={f.id} className="input mono" rows={2} value={env} onChange={(e) => setEnv(e.target.value)} placeholder="LOG_LEVEL=info" aria-invalid={invalid('transport.env')} aria-describedby={f.helpId} spellCheck={false} />
            )}
          </Field>
        </>
      ) : (
        <>
          <Field label="URL" help="The server’s Streamable HTTP endpoint (Keel falls back to the older SSE transport if that is all it offers).">
            {(f) => (
              <input id={f.id} className="input mono" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/mcp" aria-invalid={invalid('transport.url')} aria-required="true" aria-describedby={f.helpId} autoComplete="off" spellCheck={false} />
            )}
          </Field>
          <Field label="Headers" help="Optional, plain values only: one `Name: value` per line. Authorization and other secrets go under Secrets.">
            {(f) => (
              <textarea id={f.id} className="input mono" rows={2} value={headers} onChange={(e) => setHeaders(e.target.value)} placeholder="X-Client: Keel" aria-invalid={invalid('transport.headers')} aria-describedby={f.helpId} spellCheck={false} />
            )}
          </Field>
        </>
      )}

      <fieldset className="profile-form__fieldset mcp-secrets" aria-describedby={secretsHelpId}>
        <legend className="field__label">Secrets</legend>
        <p id={secretsHelpId} className="field__help">
          {kind === 'stdio' ? 'Environment variables' : 'Headers'} whose values are kept in the system keychain, never in Keel’s files, and
          given only to this server. A stored value is never shown again.
        </p>
        {stored.length > 0 ? (
          <ul className="mcp-secrets__list" aria-label="Stored secrets">
            {stored.map((s, i) => (
              <li key={s.name} className="mcp-secrets__row">
                <code className="mcp-secrets__name">{s.name}</code>
                <span className={s.remove ? 'status--warning' : s.stored ? 'status--ok' : 'status--warning'}>
                  {s.remove ? 'will be removed' : s.stored ? 'stored' : 'missing: enter its value'}
                </span>
                <input
                  className="input"
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  aria-label={`New value for ${s.name}`}
                  placeholder={s.stored ? 'Stored — leave empty to keep' : 'Paste the value'}
                  value={s.replacement}
                  disabled={s.remove}
                  aria-invalid={invalid('secretValues')}
                  onChange={(e) => setStored((rows) => rows.map((r, j) => (j === i ? { ...r, replacement: e.target.value } : r)))}
                />
                <button
                  type="button"
                  className="button button--small button--danger-quiet"
                  aria-pressed={s.remove}
                  aria-label={s.remove ? `Keep ${s.name}` : `Remove ${s.name}`}
                  onClick={() => setStored((rows) => rows.map((r, j) => (j === i ? { ...r, remove: !r.remove, replacement: '' } : r)))}
                >
                  {s.remove ? 'Keep' : 'Remove'}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {added.length > 0 ? (
          <ul className="mcp-secrets__list" aria-label="New secrets">
            {added.map((row, i) => (
              <li key={row.key} className="mcp-secrets__row mcp-secrets__row--new">
                <input
                  className="input mono"
                  aria-label={`Name of new secret ${i + 1}`}
                  placeholder={kind === 'stdio' ? 'GITHUB_TOKEN' : 'Authorization'}
                  value={row.name}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={invalid('secretValues')}
                  onChange={(e) => setAdded((rows) => rows.map((r) => (r.key === row.key ? { ...r, name: e.target.value } : r)))}
                />
                <input
                  className="input"
                  type="password"
                  aria-label={`Value of new secret ${i + 1}`}
                  placeholder="Value (kept in the keychain)"
                  value={row.value}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={invalid('secretValues')}
                  onChange={(e) => setAdded((rows) => rows.map((r) => (r.key === row.key ? { ...r, value: e.target.value } : r)))}
                />
                <button
                  type="button"
                  className="button button--small button--danger-quiet"
                  aria-label={`Remove new secret ${i + 1}`}
                  onClick={() => setAdded((rows) => rows.filter((r) => r.key !== row.key))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="button-row">
          <button type="button" className="button button--small" onClick={() => setAdded((rows) => [...rows, { key: nextKey.current++, name: '', value: '' }])}>
            Add secret
          </button>
        </div>
      </fieldset>

      <div className="form-grid">
        <Field label="Timeout per call (s)" help="A call that takes longer is cancelled; progress from the server resets it.">
          {(f) => (
            <input id={f.id} className="input" type="number" min={TIMEOUT_MIN_S} max={TIMEOUT_MAX_S} step="any" inputMode="decimal" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} aria-invalid={invalid('timeoutMs')} aria-describedby={f.helpId} />
          )}
        </Field>
        <div className="mcp-form__checks">
          <label className="profile-form__radio">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            Enabled
          </label>
          <label className="profile-form__radio">
            <input type="checkbox" checked={startWithKeel} onChange={(e) => setStartWithKeel(e.target.checked)} />
            Start with Keel (otherwise when a session first needs it)
          </label>
        </div>
      </div>

      {/* Next to the button that was pressed, so it is seen; the field main named is marked too. */}
      {error ? <ErrorNote error={error} /> : null}
      <div className="button-row provider-form__buttons">
        <button type="submit" className="button button--primary" disabled={busy}>
          {server ? 'Save' : 'Add server'}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  )
}
