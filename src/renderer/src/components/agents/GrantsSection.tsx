// The grants in force (invariant 16): each approval the user chose to keep — the tool, its source, what it may do,
// and whom it covers (one session, one agent, or always) — with Revoke. A revoked grant asks again at the next call.
import { useCallback, useEffect, useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { GrantView } from '../../../../shared/grants'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'
import { sourceLabel } from './ApprovalCard'
import '../../styles/approvals.css'

const EFFECT_TEXT = { read: 'reads', write: 'writes files', execute: 'runs commands', network: 'uses the network' } as const

/** Whom a grant covers, in words. */
export function grantScopeText(g: GrantView): string {
  if (g.scope === 'always') return 'Always, in every session'
  if (g.scope === 'agent') return g.profileName ? `Always for the agent ${g.profileName}` : `Always for a deleted agent (${g.profileId ?? '?'})`
  return g.sessionTitle ? `For the session “${g.sessionTitle}”` : 'For one session'
}

export function GrantsSection() {
  const [grants, setGrants] = useState<GrantView[] | null>(null)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const notify = useNotify()

  const load = useCallback(() => {
    call('grants.list', {})
      .then((list) => {
        setGrants(list)
        setError(null)
      })
      .catch((e: unknown) => setError(toErrorData(e)))
  }, [])

  useEffect(load, [load])

  const revoke = async (g: GrantView) => {
    setBusy(g.id)
    setError(null)
    try {
      await call('grants.revoke', { id: g.id })
      notify(`Revoked: ${g.toolName} asks again`, 'success')
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(null)
      load()
    }
  }

  return (
    <section className="dialog-section" aria-labelledby="settings-grants">
      <h3 id="settings-grants" className="dialog-section__title">
        Tool approvals
      </h3>
      <p className="field__help">
        Approvals you chose to keep. Each is tied to the tool’s exact definition and source: a changed tool or server asks again.
      </p>
      {error ? <ErrorNote error={error} label="Tool approvals problem" /> : null}
      {grants && grants.length === 0 ? <p className="muted">No kept approvals. Tools that write, run commands or use the network ask each time.</p> : null}
      {grants && grants.length > 0 ? (
        <ul className="grant-list" aria-label="Tool approvals">
          {grants.map((g) => (
            <li key={g.id} className="grant-row" data-testid="grant-row">
              <span className="grant-row__text">
                <span>
                  <code>{g.toolName}</code> <span className="muted">· {sourceLabel(g.source)} · {EFFECT_TEXT[g.effect]}</span>
                </span>
                <span className="grant-row__scope">{grantScopeText(g)}</span>
              </span>
              <button
                type="button"
                className="button button--small button--danger-quiet"
                disabled={busy === g.id}
                aria-label={`Revoke ${g.toolName}: ${grantScopeText(g)}`}
                onClick={() => void revoke(g)}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}
