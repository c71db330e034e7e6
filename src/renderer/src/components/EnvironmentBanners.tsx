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
      {storage ? <EnvironmentBanner problem={storage} tone="error" testId="storage-banner" kind={storage.kind} onCheckAgain={onCheckAgain} /> : null}
      {locked ? <EnvironmentBanner problem={locked} tone="warning" testId="keychain-banner" onCheckAgain={onCheckAgain} /> : null}
    </>
  )
}

interface EnvironmentBannerProps {
  problem: { message: string; fix?: string }
  tone: 'error' | 'warning'
  testId: string
  kind?: string
  onCheckAgain: () => void
}

/** One refusing condition: what is wrong, how to fix it, and a way to check again once the user has. */
function EnvironmentBanner({ problem, tone, testId, kind, onCheckAgain }: EnvironmentBannerProps) {
  return (
    <div role="alert" className={`banner banner--${tone}`} data-testid={testId} data-kind={kind}>
      <div className="banner__text">
        <p>{problem.message}</p>
        {problem.fix ? <p className="banner__fix">{problem.fix}</p> : null}
      </div>
      <button type="button" className="button button--small" onClick={onCheckAgain}>
        Check again
      </button>
    </div>
  )
}
