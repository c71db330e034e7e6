// The session header's agent line: which profile the session runs. A session whose profile was deleted says so and
// offers the profiles there are: it is never switched to one in silence, and its next message is refused until the
// user picks one here (or starts a new session).
import { useId, useState } from 'react'
import type { KeelErrorData, SessionProfile } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useProfiles } from '../../hooks/useProfiles'
import { ErrorNote } from '../ErrorNote'

export function SessionProfileLine({ sessionId, profile }: { sessionId: string; profile: SessionProfile }) {
  return (
    <div className="identity session-header__profile-line" data-testid="session-profile" title={`Agent profile "${profile.id}", revision ${profile.revision || 'unknown'}`}>
      <span className="session-header__profile-label">Agent</span>
      <span className="session-header__profile" data-testid="session-profile-name">
        {profile.name}
      </span>
      {profile.missing ? (
        <>
          <span className="badge badge--warning" title="This profile was deleted: the next message is refused until you pick another profile or start a new session">
            Profile deleted
          </span>
          <PickProfile sessionId={sessionId} />
        </>
      ) : profile.changed ? (
        <span className="badge" title="The profile was edited: the next turn uses the new version">
          Profile changed
        </span>
      ) : null}
    </div>
  )
}

function PickProfile({ sessionId }: { sessionId: string }) {
  const { state } = useProfiles()
  const [error, setError] = useState<KeelErrorData | null>(null)
  const id = useId()
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        Run this session as
      </label>
      <select
        id={id}
        className="input input--small"
        value=""
        onChange={(event) => {
          const profileId = event.target.value
          if (!profileId) return
          setError(null)
          call('sessions.setProfile', { id: sessionId, profileId }).catch((e: unknown) => setError(toErrorData(e)))
        }}
      >
        <option value="">Pick another profile…</option>
        {(state?.profiles ?? []).map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      {error ? <ErrorNote error={error} /> : null}
    </>
  )
}
