// Invariant 9: a reply a crash interrupted. Main continues it by itself only when the session still resolves to
// the same runtime; otherwise it asks here, showing the difference, and does nothing until the user decides.
import { useState } from 'react'
import type { KeelErrorData, RecoveryView } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { DifferenceTable } from './DifferenceTable'
import { ErrorNote } from './ErrorNote'

interface RecoveryPanelProps {
  sessionId: string
  recovery: RecoveryView
  /** Whether the session can send at all (an unresolved session cannot continue either). */
  canContinue: boolean
  onDone: () => void
}

export function RecoveryPanel({ sessionId, recovery, canContinue, onDone }: RecoveryPanelProps) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)

  if (recovery.status === 'continued' || recovery.status === 'declined') return null

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
      onDone()
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="notice-panel" aria-label="Interrupted reply">
      <div className="notice-panel__text">
        <p className="notice-panel__message">{recovery.message}</p>
        {recovery.status === 'pending' ? (
          <DifferenceTable differences={recovery.differences} activeLabel="Interrupted turn ran on" configLabel="Would continue on" />
        ) : null}
      </div>
      {recovery.status === 'pending' ? (
        <div className="button-row">
          <button
            type="button"
            className="button button--primary"
            disabled={busy || !canContinue}
            onClick={() => void run(() => call('sessions.continue', { id: sessionId }))}
          >
            Continue
          </button>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => void run(() => call('sessions.dismissRecovery', { id: sessionId }))}
          >
            Don't continue
          </button>
        </div>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  )
}
