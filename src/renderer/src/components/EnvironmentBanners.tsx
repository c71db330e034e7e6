import type { AppState } from '../../../shared/domain'

interface EnvironmentBannersProps {
  app: AppState
  /** Re-reads app.state: after freeing space or unlocking the keychain, the user can check at once. */
  onCheckAgain: () => void
}

/**
 * Conditions of the machine Keel runs on that refuse work until the user acts: the data directory's disk is full
 * or read-only (nothing is saved), or the keychain is locked (keys exist but cannot be read). Shown from startup,
 * not only after the first refused write.
 */
export function EnvironmentBanners({ app, onCheckAgain }: EnvironmentBannersProps) {
  const storage = app.storage.problem
  const locked = app.keychain.error?.kind === 'keychain-locked' ? app.keychain.error : null
  if (!storage && !locked) return null
  return (
    <>
      {storage ? (
        <div role="alert" className="banner banner--error" data-testid="storage-banner" data-kind={storage.kind}>
          <div className="banner__text">
            <p>{storage.message}</p>
            {storage.fix ? <p className="banner__fix">{storage.fix}</p> : null}
          </div>
          <button type="button" className="button button--small" onClick={onCheckAgain}>
            Check again
          </button>
        </div>
      ) : null}
      {locked ? (
        <div role="alert" className="banner banner--warning" data-testid="keychain-banner">
          <div className="banner__text">
            <p>{locked.message}</p>
            {locked.fix ? <p className="banner__fix">{locked.fix}</p> : null}
          </div>
          <button type="button" className="button button--small" onClick={onCheckAgain}>
            Check again
          </button>
        </div>
      ) : null}
    </>
  )
}
