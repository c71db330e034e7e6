import type { IdentitySnapshot } from '../../../shared/domain'

interface UnresolvedPanelProps {
  id: string
  state: Extract<IdentitySnapshot['state'], { kind: 'unresolved' }>
  onOpenSettings: () => void
  onChooseModel: () => void
}

/** Why this session cannot send, named by main, with the two ways out. Nothing is sent while it shows. */
export function UnresolvedPanel({ id, state, onOpenSettings, onChooseModel }: UnresolvedPanelProps) {
  return (
    <div role="alert" id={id} className="unresolved" data-reason={state.reason}>
      <div className="unresolved__text">
        <p className="unresolved__message">{state.message}</p>
        <p className="unresolved__fix">{state.fix}</p>
      </div>
      <div className="button-row">
        <button type="button" className="button" onClick={onOpenSettings}>
          Open settings
        </button>
        <button type="button" className="button" aria-haspopup="dialog" onClick={onChooseModel}>
          Pick provider and model
        </button>
      </div>
    </div>
  )
}
