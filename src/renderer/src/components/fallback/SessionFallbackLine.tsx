// The session header's fallback line (issue #11, invariant 17): "answered by X — fallback from Y: HTTP 503" when the
// latest turn was answered by a fallback, the bindings of the session's list that cannot resolve now, and "Fallbacks…"
// to give this session its own list (overriding its profile's) or go back to the profile's.
import { useState } from 'react'
import type { FallbackChain } from '../../../../shared/agent-profiles'
import type { KeelErrorData } from '../../../../shared/domain'
import { fallbackLine } from '../../../../shared/fallback'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useLiveQuery } from '../../hooks/useLiveQuery'
import { useProviders } from '../../hooks/useProviders'
import { ErrorNote } from '../ErrorNote'
import { Modal } from '../Modal'
import { EMPTY_CHAIN, FallbackListEditor } from './FallbackListEditor'
import '../../styles/fallback.css'

export function SessionFallbackLine({ sessionId }: { sessionId: string }) {
  // A turn's end is a 'sessions' event; a config change ('providers') can make a fallback unresolvable.
  const { data, refetch } = useLiveQuery('sessions.fallbacks', { id: sessionId }, { refreshOn: ['sessions', 'providers', 'app'] })
  const [editing, setEditing] = useState(false)
  if (!data) return null
  const count = data.chain?.bindings.length ?? 0
  return (
    <div className="identity session-header__profile-line" data-testid="session-fallbacks">
      {data.latest ? (
        <span className={`badge ${data.latest.answered ? 'badge--warning' : 'badge--danger'}`} data-testid="session-fallback-line" title={data.latest.skipped.map((s) => s.message).join('\n')}>
          {fallbackLine(data.latest)}
        </span>
      ) : null}
      <button type="button" className="button button--small" aria-haspopup="dialog" onClick={() => setEditing(true)}>
        Fallbacks…
      </button>
      <span className="session-header__profile" data-testid="session-fallback-source">
        {count === 0 ? 'none' : `${count} (${data.source === 'session' ? 'this session’s' : 'from the profile'})`}
      </span>
      {data.problems.map((p) => (
        <span key={`${p.entryId}\u0000${p.model}`} className="badge badge--warning" title={p.message}>
          {p.entryName} · {p.model}: {p.reason}
        </span>
      ))}
      {editing ? (
        <FallbackDialog
          sessionId={sessionId}
          initial={data.chain ?? EMPTY_CHAIN}
          own={data.source === 'session'}
          problems={data.problems}
          onDone={() => {
            setEditing(false)
            refetch()
          }}
        />
      ) : null}
    </div>
  )
}

function FallbackDialog(props: { sessionId: string; initial: FallbackChain; own: boolean; problems: Parameters<typeof FallbackListEditor>[0]['problems']; onDone: () => void }) {
  const { providers } = useProviders()
  const [chain, setChain] = useState<FallbackChain>(props.initial)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const save = async (next: FallbackChain | null) => {
    setBusy(true)
    setError(null)
    try {
      await call('sessions.setFallbacks', { id: props.sessionId, chain: next })
      props.onDone()
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }
  return (
    <Modal title="Session fallbacks" onClose={props.onDone} description="Tried in order for one step when the session’s model fails before any text arrived. The next turn always starts with the session’s own model.">
      {error ? <ErrorNote error={error} /> : null}
      <FallbackListEditor value={chain} providers={providers} problems={props.problems} busy={busy} onChange={setChain} />
      <div className="button-row button-row--end">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void save(chain)}>
          Save for this session
        </button>
        {props.own ? (
          <button type="button" className="button" disabled={busy} onClick={() => void save(null)}>
            Use the profile’s list
          </button>
        ) : null}
        <button type="button" className="button" disabled={busy} onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </Modal>
  )
}
