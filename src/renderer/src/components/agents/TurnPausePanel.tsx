// A paused agent turn, at the end of its steps in the transcript: the step limit ("Continue for N more steps") or a
// changed identity between steps (the difference, then "Continue on the new identity"). Stop ends the turn; its
// open calls are answered for the model. Both go through the contract (chat.continueTurn, chat.stop).
import { useState } from 'react'
import type { KeelErrorData, TurnPauseView } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { DifferenceTable } from '../DifferenceTable'
import { ErrorNote } from '../ErrorNote'

export function TurnPausePanel({ sessionId, pause }: { sessionId: string; pause: TurnPauseView }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [done, setDone] = useState(false)
  const steps = pause.limit ?? 25
  const act = (action: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    action()
      .then(() => setDone(true))
      .catch((e: unknown) => setError(toErrorData(e)))
      .finally(() => setBusy(false))
  }
  const title = pause.reason === 'step-limit' ? 'The turn reached its step limit' : pause.reason === 'identity-changed' ? 'The runtime changed between steps' : 'The turn is paused'
  return (
    <section className="turn-pause" role="group" aria-label={title}>
      <p className="turn-pause__title">
        <strong>{title}</strong>
      </p>
      <p className="turn-pause__message">{pause.message}</p>
      {pause.reason === 'identity-changed' && pause.differences && pause.differences.length > 0 ? (
        <DifferenceTable differences={pause.differences} activeLabel="The turn ran on" configLabel="Next step would run on" />
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
      <div className="turn-pause__actions">
        {pause.reason === 'step-limit' ? (
          <button type="button" className="button button--primary" disabled={busy || done} onClick={() => act(() => call('chat.continueTurn', { sessionId, steps }))}>
            Continue for {steps} more {steps === 1 ? 'step' : 'steps'}
          </button>
        ) : pause.reason === 'identity-changed' ? (
          <button type="button" className="button button--primary" disabled={busy || done} onClick={() => act(() => call('chat.continueTurn', { sessionId }))}>
            Continue on the new identity
          </button>
        ) : null}
        <button type="button" className="button" disabled={busy || done} onClick={() => act(() => call('chat.stop', { sessionId }))}>
          Stop
        </button>
      </div>
    </section>
  )
}
