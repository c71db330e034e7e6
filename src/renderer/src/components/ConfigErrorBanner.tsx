import type { KeelErrorData } from '../../../shared/domain'

/** config.json on disk is invalid: say so, and that the last good config is still the one in force (invariant 6). */
export function ConfigErrorBanner({ error }: { error: KeelErrorData }) {
  return (
    <div role="alert" className="banner banner--error">
      <p>config.json is invalid: {error.message} — the last good config stays in force</p>
      {error.fix ? <p className="banner__fix">{error.fix}</p> : null}
    </div>
  )
}
