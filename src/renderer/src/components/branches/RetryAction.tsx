// Retry under the error that ended the active branch (issue #12): the same message is answered again, nothing is
// retyped; the failed attempt stays stored.
import { useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { useBranchActions } from './BranchContext'
import '../../styles/branches.css'

export function RetryAction({ turnId }: { turnId: string }) {
  const actions = useBranchActions()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  if (!actions || actions.retryTurnId !== turnId) return null
  const retry = async () => {
    setBusy(true)
    setError(null)
    try {
      await call('chat.retry', { sessionId: actions.sessionId })
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="branch-actions branch-actions--retry">
      <button type="button" className="button button--small" disabled={actions.running || busy} onClick={() => void retry()}>
        Retry
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </div>
  )
}
