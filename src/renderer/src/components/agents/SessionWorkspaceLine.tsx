// The session header's workspace line (issue #9): for a session whose profile offers tools, the folder its tools work
// in — the session's own, else the profile's default — or "No workspace", with "Set workspace…". The session's own
// folder is what lets a session on the built-in Workspace agent (no workspace, not editable) run without a copy of
// the profile. The path is typed: the browser host cannot open a native folder picker. Main checks it (absolute,
// exists, a folder) and its error shows in the dialog, which stays open with the text kept.
import { useState, type FormEvent } from 'react'
import type { KeelErrorData, SessionProfile } from '../../../../shared/domain'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useProfiles } from '../../hooks/useProfiles'
import { ErrorNote } from '../ErrorNote'
import { Field } from '../Field'
import { Modal } from '../Modal'

export function SessionWorkspaceLine({ sessionId, profile, workspace }: { sessionId: string; profile: SessionProfile; workspace: string | null }) {
  const { state } = useProfiles()
  const [editing, setEditing] = useState(false)
  // The answer of the last change, shown until the session's summary (the prop) catches up with it.
  const [saved, setSaved] = useState<{ sessionId: string; from: string | null; workspace: string | null } | null>(null)
  const configured = profile.missing ? undefined : state?.profiles.find((p) => p.id === profile.id)
  if (!configured || !configured.tools.some((t) => t.source === 'builtin')) return null
  const own = saved && saved.sessionId === sessionId && saved.from === workspace ? saved.workspace : workspace
  const effective = own ?? configured.workspace ?? null
  return (
    <div className="identity session-header__profile-line" data-testid="session-workspace">
      <span className="session-header__profile-label">Workspace</span>
      {effective ? (
        <span className="session-header__profile" data-testid="session-workspace-path" title={own ? 'This session’s own folder' : `The default folder of "${configured.name}"`}>
          {effective}
        </span>
      ) : (
        <span className="badge badge--warning" data-testid="session-workspace-path" title="The agent’s tools need a folder to work in: its next message is refused until you set one">
          No workspace
        </span>
      )}
      <button type="button" className="button button--small" aria-haspopup="dialog" onClick={() => setEditing(true)}>
        Set workspace…
      </button>
      {editing ? (
        <WorkspaceDialog
          sessionId={sessionId}
          current={own}
          profileDefault={configured.workspace ?? null}
          onSaved={(next) => {
            setSaved({ sessionId, from: workspace, workspace: next })
            setEditing(false)
          }}
          onClose={() => setEditing(false)}
        />
      ) : null}
    </div>
  )
}

function WorkspaceDialog(props: { sessionId: string; current: string | null; profileDefault: string | null; onSaved: (workspace: string | null) => void; onClose: () => void }) {
  const [text, setText] = useState(props.current ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<KeelErrorData | null>(null)
  const save = async (path: string | null) => {
    setBusy(true)
    setError(null)
    try {
      const summary = await call('sessions.setWorkspace', { id: props.sessionId, path })
      props.onSaved(summary.workspace ?? null)
    } catch (e) {
      setError(toErrorData(e))
      setBusy(false)
    }
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save(text)
  }
  return (
    <Modal
      title="Session workspace"
      onClose={props.onClose}
      className="modal--small"
      description={
        props.profileDefault
          ? `The folder this session's tools work in. Leave it to the profile to use its default (${props.profileDefault}).`
          : 'The folder this session’s tools work in (read, search and edit files there).'
      }
    >
      <form onSubmit={submit}>
        <Field label="Workspace folder" help="The absolute path of an existing folder, e.g. /home/you/project.">
          {({ id, helpId }) => (
            <input
              id={id}
              className="input"
              type="text"
              spellCheck={false}
              autoComplete="off"
              aria-describedby={helpId}
              aria-invalid={error?.field === 'path' ? true : undefined}
              value={text}
              onChange={(e) => setText(e.target.value)}
              data-autofocus
            />
          )}
        </Field>
        {error ? <ErrorNote error={error} label="Workspace not set" /> : null}
        <div className="button-row button-row--end">
          {props.current ? (
            <button type="button" className="button" onClick={() => void save(null)} disabled={busy}>
              Use the profile’s folder
            </button>
          ) : null}
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            Set workspace
          </button>
        </div>
      </form>
    </Modal>
  )
}
