// Invariant 6: a pinned session whose provider entry changed in config stays on its previous runtime and says so,
// with the difference, until the user applies the change or keeps the previous runtime.
import { useState } from 'react'
import type { KeelErrorData } from '../../../shared/domain'
import { call } from '../bridge'
import { toErrorData } from '../errors'
import { acceptSnapshot } from '../state/snapshotStore'
import type { ConfigChangedState } from '../lib/snapshotView'
import { DifferenceTable } from './DifferenceTable'
import { ErrorNote } from './ErrorNote'

export function ConfigChangedPanel({ sessionId, state }: { sessionId: string; state: ConfigChangedState }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)

  const run = async (channel: 'sessions.reresolve' | 'sessions.keepRuntime') => {
    setBusy(true)
    setError(null)
    try {
      const summary = await call(channel, { id: sessionId })
      acceptSnapshot(summary.identity)
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }

  if (state.kept) {
    return (
      <section className="notice-panel notice-panel--quiet" aria-label="Runtime kept">
        <p className="notice-panel__text">Keeping the previous runtime; the config for this provider has changed.</p>
        <button type="button" className="button button--small" onClick={() => void run('sessions.reresolve')} disabled={busy}>
          Apply
        </button>
        {error ? <ErrorNote error={error} /> : null}
      </section>
    )
  }

  return (
    <section className="notice-panel" aria-label="Config changed">
      <div className="notice-panel__text">
        <p className="notice-panel__message">{state.message}</p>
        <DifferenceTable differences={state.differences} />
      </div>
      <div className="button-row">
        <button type="button" className="button button--primary" onClick={() => void run('sessions.reresolve')} disabled={busy}>
          Apply
        </button>
        <button type="button" className="button" onClick={() => void run('sessions.keepRuntime')} disabled={busy}>
          Keep
        </button>
      </div>
      {error ? <ErrorNote error={error} /> : null}
    </section>
  )
}
