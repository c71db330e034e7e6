// What the user can do from diagnostics. Each action runs once at a time, shows progress on its button, reports
// errors inline, and reloads the panel when it is done (main's events may reload it sooner).
import { useId, useState } from 'react'
import type { KeelErrorData } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { acceptSnapshot } from '../state/snapshotStore'
import { ErrorNote } from './ErrorNote'
import { useNotify } from './Notices'

type Action = 'reresolve' | 'apply' | 'refresh' | 'clear' | 'report'

interface DiagnosticsActionsProps {
  /** The open session; null shows only the app-wide actions. */
  sessionId: string | null
  /** Apply config is offered only while the session's entry changed in config (pinned to its previous runtime). */
  configChanged: boolean
  onDone: () => Promise<void>
}

const LABELS: Record<Action, string> = {
  reresolve: 'Re-resolve',
  apply: 'Apply config',
  refresh: 'Refresh models',
  clear: 'Clear caches',
  report: 'Copy report',
}

export function DiagnosticsActions({ sessionId, configChanged, onDone }: DiagnosticsActionsProps) {
  const [running, setRunning] = useState<Action | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [report, setReport] = useState<string | null>(null)
  const notify = useNotify()
  const reportId = useId()

  const perform = async (action: Action): Promise<void> => {
    switch (action) {
      case 'reresolve':
      case 'apply': {
        if (!sessionId) return
        const summary = await call('sessions.reresolve', { id: sessionId })
        acceptSnapshot(summary.identity)
        notify(action === 'apply' ? 'Applied the new config to this session' : 'Re-resolved from config and keychain', 'success')
        return
      }
      case 'refresh': {
        if (!sessionId) return
        const list = await call('sessions.refreshModels', { id: sessionId })
        if (list.error) setError(list.error)
        else notify(`Models refreshed: ${list.models.length} listed (${list.source})`, 'success')
        return
      }
      case 'clear':
        await call('diagnostics.clearCaches', {})
        notify('Caches cleared', 'success')
        return
      case 'report': {
        const { json } = await call('diagnostics.report', sessionId ? { id: sessionId } : {})
        try {
          await navigator.clipboard.writeText(json)
          setReport(null)
          notify('Report copied', 'success')
        } catch {
          // No clipboard (permission, insecure context): show it so it can be copied by hand.
          setReport(json)
        }
        return
      }
    }
  }

  const run = async (action: Action) => {
    if (running) return
    setRunning(action)
    setError(null)
    try {
      await perform(action)
    } catch (e) {
      setError(toErrorData(e))
    }
    try {
      await onDone()
    } finally {
      setRunning(null)
    }
  }

  const button = (action: Action, options: { disabled?: boolean; primary?: boolean; title?: string } = {}) => (
    <button
      type="button"
      className={options.primary ? 'button button--small button--primary' : 'button button--small'}
      onClick={() => void run(action)}
      disabled={running !== null || options.disabled}
      aria-busy={running === action ? true : undefined}
      title={options.title}
    >
      {LABELS[action]}
      {running === action ? '…' : ''}
    </button>
  )

  // The button bar stays in view while the panel scrolls; the error and the report field scroll with the content.
  return (
    <>
      <div className="diag-actions button-row" role="group" aria-label="Diagnostics actions">
        {sessionId ? (
          <>
            {button('apply', {
              disabled: !configChanged,
              primary: configChanged,
              title: configChanged ? 'Switch this session to what the config says now' : 'The config has not changed for this session',
            })}
            {button('reresolve', { title: 'Rebuild the identity from the binding, the current config and the keychain' })}
            {button('refresh', { title: 'Fetch the model list of the identity this session runs on' })}
          </>
        ) : null}
        {button('clear', { title: 'Forget every cached model list' })}
        {button('report', { title: 'Copy a redacted JSON report (no secrets)' })}
      </div>
      {error ? <ErrorNote error={error} label="Diagnostics action failed" /> : null}
      {report !== null ? (
        <div className="field diag-actions__report">
          <label className="field__label" htmlFor={reportId}>
            Report
          </label>
          <textarea
            id={reportId}
            className="input"
            readOnly
            rows={8}
            value={report}
            onFocus={(event) => event.currentTarget.select()}
          />
          <p className="field__help">The clipboard is not available here: select the report and copy it yourself.</p>
        </div>
      ) : null}
    </>
  )
}
