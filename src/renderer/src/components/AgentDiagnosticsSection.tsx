// The agent half of a session's diagnostics (issue #9): the profile and its revision, the tools the last step
// offered (source, name, schema hash — what grants are keyed by), the grants in force for this session, and the
// identity key each step of the latest agent turn ran on. Read-only, as main reports it.
import type { AgentDiagnostics } from '../../../shared/domain'

const short = (hash: string) => (hash.length > 12 ? `${hash.slice(0, 12)}…` : hash)

export function AgentDiagnosticsSection({ agent }: { agent: AgentDiagnostics }) {
  const { profile, lastTurn, toolsOffered, grants } = agent
  return (
    <div className="diag-agent" aria-label="Agent">
      <dl className="info-list">
        <dt>Profile</dt>
        <dd>
          {profile.missing ? (
            <span className="status--error">
              “{profile.id}” no longer exists
            </span>
          ) : (
            <>
              {profile.name} <span className="mono">({profile.id})</span> · revision <span className="mono">{profile.revision ? short(profile.revision) : '—'}</span>
              {profile.sessionRevision && profile.sessionRevision !== profile.revision ? (
                <span className="status--warning"> · last turn ran revision <span className="mono">{short(profile.sessionRevision)}</span></span>
              ) : null}
            </>
          )}
        </dd>

        <dt>Tools offered</dt>
        <dd>
          {toolsOffered === null ? (
            <span className="muted">not recorded for the last step (before this version of Keel)</span>
          ) : toolsOffered.length === 0 ? (
            <span className="muted">none yet (no agent step has run)</span>
          ) : (
            <ul className="diag-agent__list">
              {toolsOffered.map((t) => (
                <li key={`${t.source}/${t.name}`}>
                  <span className="mono">{t.source}</span> · {t.name} · <span className="mono" title={t.schemaHash}>{short(t.schemaHash)}</span>
                </li>
              ))}
            </ul>
          )}
        </dd>

        <dt>Grants in force</dt>
        <dd>
          {grants.length === 0 ? (
            <span className="muted">none: write, execute and network calls ask</span>
          ) : (
            <ul className="diag-agent__list">
              {grants.map((g) => (
                <li key={g.id}>
                  {g.toolName} <span className="mono">({g.source}, {short(g.schemaHash)})</span> · {g.effect} ·{' '}
                  {g.scope === 'session' ? 'this session' : g.scope === 'agent' ? 'this profile' : 'always'}
                </li>
              ))}
            </ul>
          )}
        </dd>

        <dt>Last agent turn</dt>
        <dd>
          {lastTurn === null ? (
            <span className="muted">none</span>
          ) : (
            <ol className="diag-agent__list" start={0}>
              {lastTurn.steps.map((s) => (
                <li key={s.step}>
                  step {s.step} · {s.finishReason ?? 'running'} · identity <span className="mono" title={s.identityKey}>{short(s.identityKey)}</span>
                </li>
              ))}
            </ol>
          )}
        </dd>
      </dl>
    </div>
  )
}
