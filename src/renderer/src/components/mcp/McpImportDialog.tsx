// Import MCP servers from a Claude Desktop or VS Code config, pasted or picked as a file. Main moves every env and
// header value into the keychain and writes none of them to Keel's config; this dialog says what was imported, what
// was skipped and why. The pasted text (which holds those secrets) is dropped once main has it; a refusal keeps it.
import { useId, useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { McpImportResult } from '../../../../shared/mcp'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { Field } from '../Field'
import { Modal } from '../Modal'

type Source = 'claude-desktop' | 'vscode'

const SOURCES: ReadonlyArray<{ value: Source; label: string; where: string }> = [
  {
    value: 'claude-desktop',
    label: 'Claude Desktop',
    where: 'claude_desktop_config.json: ~/Library/Application Support/Claude on macOS, %APPDATA%\\Claude on Windows, ~/.config/Claude on Linux.',
  },
  { value: 'vscode', label: 'VS Code', where: '.vscode/mcp.json in a workspace, or the "mcp" section of your user settings.json.' },
]

const TEXT_MAX = 1_000_000

export function McpImportDialog({ onClose, onImported }: { onClose: () => void; onImported: (result: McpImportResult) => void }) {
  const [source, setSource] = useState<Source>('claude-desktop')
  const [text, setText] = useState('')
  const [fileName, setFileName] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [result, setResult] = useState<McpImportResult | null>(null)
  const sourceName = useId()

  const pick = async (file: File | undefined) => {
    setError(null)
    if (!file) return
    if (file.size > TEXT_MAX) {
      setError({ kind: 'invalid-input', message: `${file.name} is larger than 1 MB`, fix: 'Pick the MCP config file itself' })
      return
    }
    try {
      setText(await file.text())
      setFileName(file.name)
    } catch (e) {
      setError({ ...toErrorData(e), message: `${file.name} could not be read` })
    }
  }

  const importNow = async () => {
    if (!text.trim()) {
      setError({ kind: 'invalid-input', field: 'text', message: 'Nothing to import', fix: 'Paste the config text or pick the file' })
      return
    }
    setBusy(true)
    setError(null)
    try {
      const imported = await call('mcp.import', { source, text })
      setText('')
      setFileName(null)
      setResult(imported)
      onImported(imported)
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  const secretsMoved = result?.imported.flatMap((s) => s.secrets) ?? []
  return (
    <Modal title="Import MCP servers" onClose={onClose} className="mcp-import">
      {result ? (
        <div className="mcp-import__result" role="status" data-testid="mcp-import-result">
          {result.imported.length > 0 ? (
            <>
              <p className="status--ok">
                Imported {result.imported.length} server{result.imported.length === 1 ? '' : 's'}. Each starts only after you trust it.
              </p>
              <ul aria-label="Imported servers">
                {result.imported.map((s) => (
                  <li key={s.id}>
                    {s.name}
                    {s.secrets.length > 0 ? (
                      <span className="muted">
                        {' '}
                        · secrets {s.secrets.join(', ')} stored in the keychain
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p className="status--warning">No server was imported.</p>
          )}
          {secretsMoved.length > 0 ? (
            <p className="muted">Secret values went to the system keychain; Keel’s config.json holds only their names.</p>
          ) : null}
          {result.skipped.length > 0 ? (
            <>
              <h4 className="dialog-section__subtitle">Skipped</h4>
              <ul aria-label="Skipped servers">
                {result.skipped.map((s, i) => (
                  <li key={`${s.name}-${i}`}>
                    {s.name}: <span className="muted">{s.reason}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <div className="button-row button-row--end">
            <button type="button" className="button" onClick={() => setResult(null)}>
              Import another
            </button>
            <button type="button" className="button button--primary" onClick={onClose} data-autofocus>
              Done
            </button>
          </div>
        </div>
      ) : (
        <div className="mcp-import__form">
          <fieldset className="profile-form__fieldset">
            <legend className="field__label">From</legend>
            {SOURCES.map((s) => (
              <label key={s.value} className="profile-form__radio">
                <input type="radio" name={sourceName} checked={source === s.value} onChange={() => setSource(s.value)} data-autofocus={s.value === source ? true : undefined} />
                {s.label}
              </label>
            ))}
            <p className="field__help">{SOURCES.find((s) => s.value === source)?.where}</p>
          </fieldset>
          <Field label="Config file" help={fileName ? `Read ${fileName}; you can check the text below before importing.` : 'Or paste the text below.'}>
            {(f) => (
              <input id={f.id} className="input" type="file" accept=".json,.jsonc,application/json" aria-describedby={f.helpId} onChange={(e) => void pick(e.target.files?.[0])} />
            )}
          </Field>
          <Field label="Config text" help="The whole file or just its server list. Env and header values are moved to the keychain.">
            {(f) => (
              <textarea
                id={f.id}
                className="input mono mcp-import__text"
                rows={8}
                value={text}
                onChange={(e) => setText(e.target.value)}
                spellCheck={false}
                placeholder={'{ "mcpServers": { "github": { "command": "npx", "args": […], "env": { … } } } }'}
                aria-describedby={f.helpId}
                aria-invalid={error?.field === 'text' ? true : undefined}
              />
            )}
          </Field>
          {error ? <ErrorNote error={error} /> : null}
          <div className="button-row button-row--end">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="button button--primary" onClick={() => void importNow()} disabled={busy}>
              {busy ? 'Importing…' : 'Import'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  )
}
