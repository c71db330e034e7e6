import type { KeelErrorData } from '../../../shared/domain'

interface ConfigErrorBannerProps {
  error: KeelErrorData
  /** Shown as an "Open settings" button (the main window); absent inside Settings itself. */
  onOpenSettings?: () => void
}

/** The error text without the file name main puts first ("config.json: providers[0].baseUrl: …") or a final stop. */
function configErrorText(error: KeelErrorData): string {
  return error.message.replace(/^config\.json:\s*/, '').replace(/\.$/, '')
}

/** config.json on disk is invalid: say what is wrong, that the last good config is still in force (invariant 6), and the fix. */
export function ConfigErrorBanner({ error, onOpenSettings }: ConfigErrorBannerProps) {
  return (
    <div role="alert" className="banner banner--error config-error">
      <div className="banner__text">
        <p className="config-error__message">
          config.json is invalid: {configErrorText(error)} — the last good config stays in force
        </p>
        {error.fix ? <p className="banner__fix">{error.fix}</p> : null}
      </div>
      {onOpenSettings ? (
        <button type="button" className="button button--small" onClick={onOpenSettings}>
          Open settings
        </button>
      ) : null}
    </div>
  )
}
