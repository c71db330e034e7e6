// Which provider entry and model this session runs on — rendered only from main's identity snapshot, never
// worked out here. When the session is unresolved it shows what the session asked for (its binding) instead.
import type { IdentitySnapshot, SessionProfile } from '../../../shared/domain'
import { formatTime } from '../lib/format'
import { modKey, modLabel } from '../lib/platform'
import { entryDisplayName, runningIdentity } from '../lib/snapshotView'
import { SessionProfileLine } from './agents/SessionProfileLine'
import { SessionWorkspaceLine } from './agents/SessionWorkspaceLine'
import { SessionUsageLine } from './usage/SessionUsageLine'
import { SessionFallbackLine } from './fallback/SessionFallbackLine'
import { SessionOverridesLine } from './overrides/SessionOverridesLine'

interface SessionHeaderProps {
  sessionId: string
  title: string
  /** The agent profile the session runs (missing: deleted; the session is never switched in silence). */
  profile: SessionProfile
  /** The session's own workspace folder (null: the profile's default applies). */
  workspace?: string | null
  snapshot: IdentitySnapshot | null
  onChangeModel: () => void
  onOpenDiagnostics: () => void
  /** An archived session opened from the Archived view (or a search hit) says so, with Unarchive at hand. */
  archived?: boolean
  onUnarchive?: () => void
}

export function SessionHeader({ sessionId, title, profile, workspace = null, snapshot, onChangeModel, onOpenDiagnostics, archived = false, onUnarchive }: SessionHeaderProps) {
  return (
    <header role="banner" aria-label="Session identity" className="session-header">
      <div className="session-header__main">
        <h1 className="session-header__title" title={title}>
          {title}
        </h1>
        {archived ? (
          <p className="session-header__archived" data-testid="session-archived">
            <span className="badge">Archived</span> Not in the session list or the tray.{' '}
            {onUnarchive ? (
              <button type="button" className="button button--small" onClick={onUnarchive}>
                Unarchive
              </button>
            ) : null}
          </p>
        ) : null}
        <SessionProfileLine sessionId={sessionId} profile={profile} />
        <SessionWorkspaceLine sessionId={sessionId} profile={profile} workspace={workspace} />
        <IdentityLine snapshot={snapshot} />
        <SessionUsageLine sessionId={sessionId} />
        {/* The session's own settings share one row (wrapping in a narrow window): the header stays short. */}
        <div className="session-header__settings">
          <SessionFallbackLine sessionId={sessionId} />
          <SessionOverridesLine sessionId={sessionId} />
        </div>
      </div>
      <div className="session-header__actions">
        <button
          type="button"
          className="button"
          aria-haspopup="dialog"
          onClick={onOpenDiagnostics}
          title={`Where this session's identity comes from (${modLabel}Shift+D)`}
          aria-keyshortcuts={`${modKey}+Shift+D`}
        >
          Diagnostics
        </button>
        <button type="button" className="button" aria-haspopup="dialog" onClick={onChangeModel}>
          Change model
        </button>
      </div>
    </header>
  )
}

function IdentityLine({ snapshot }: { snapshot: IdentitySnapshot | null }) {
  if (!snapshot) {
    return <p className="identity identity--loading">Loading identity…</p>
  }
  const { binding, state, authority } = snapshot
  const identity = runningIdentity(snapshot)
  const entryName = entryDisplayName(snapshot)
  const mode = binding === null ? 'No binding' : binding.mode === 'pinned' ? 'Pinned' : 'Follows app default'
  const details = identity
    ? [
        `${identity.kind} · ${identity.api}`,
        identity.baseUrl,
        identity.credential.present
          ? `key: ${identity.credential.account}${identity.credential.fingerprint ? ` (${identity.credential.fingerprint})` : ''}`
          : 'no key',
        `resolved ${formatTime(identity.resolvedAt)}`,
      ].join('\n')
    : undefined

  return (
    <div className="identity identity--runtime" data-testid="identity-line" title={details}>
      {identity ? (
        <>
          <span className="identity__provider" data-testid="identity-provider" title={entryName ?? identity.entryName}>
            {entryName ?? identity.entryName}
          </span>
          <span className="identity__sep" aria-hidden="true">
            ·
          </span>
          <span className="identity__model" data-testid="identity-model" title={identity.model}>
            {identity.model}
          </span>
          {state.kind === 'config-changed' ? (
            <span className="badge badge--warning" data-testid="identity-state">
              {state.kept ? 'Previous runtime kept' : 'Config changed'}
            </span>
          ) : null}
        </>
      ) : (
        <>
          <span className="identity__provider identity__provider--unresolved" data-testid="identity-provider">
            {entryName ?? 'No provider'}
          </span>
          <span className="identity__sep" aria-hidden="true">
            ·
          </span>
          <span className="identity__model" data-testid="identity-model">
            {binding?.model ?? 'No model'}
          </span>
          <span className="badge badge--warning" data-testid="identity-state">
            Unresolved
          </span>
        </>
      )}
      <span
        className={`badge ${authority === 'live' ? 'badge--live' : 'badge--persisted'}`}
        data-testid="identity-authority"
        title={
          authority === 'live'
            ? 'From the running agent in Keel'
            : 'Read from the saved session; replaced by the live identity as soon as the agent reports it'
        }
      >
        {authority}
      </span>
      <span className="identity__mode" data-testid="identity-mode">
        {mode}
      </span>
      {snapshot.next ? <NextTurn next={snapshot.next} /> : null}
      {identity?.local ? <span className="badge">local</span> : null}
    </div>
  )
}

/** A re-bind (or key/config change) made while a turn runs: the running turn keeps its runtime; this is the next. */
function NextTurn({ next }: { next: NonNullable<IdentitySnapshot['next']> }) {
  const label = next.identity
    ? `${next.identity.entryName} · ${next.identity.model}`
    : next.binding
      ? `${next.binding.entryId} · ${next.binding.model} (unresolved)`
      : 'unresolved'
  return (
    <span className="badge" data-testid="identity-next" title="The reply in progress keeps the runtime above; the next message uses this one">
      next turn: {label}
    </span>
  )
}
