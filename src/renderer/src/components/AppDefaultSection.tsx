import type { AppDefault, ProviderEntryView } from '../../../shared/domain'

/** What new sessions (and sessions that follow the default) run on. Set with "Set as default" on a provider. */
export function AppDefaultSection({ appDefault, providers }: { appDefault: AppDefault | null; providers: ProviderEntryView[] }) {
  const entry = appDefault ? providers.find((p) => p.id === appDefault.entryId) : undefined
  return (
    <section className="dialog-section" aria-labelledby="settings-default">
      <h3 id="settings-default" className="dialog-section__title">
        App default
      </h3>
      {appDefault ? (
        <p className="app-default" data-testid="app-default">
          <span className="app-default__provider">{entry?.name ?? appDefault.entryId}</span>
          <span aria-hidden="true"> · </span>
          <span className="app-default__model">{appDefault.model}</span>
          {entry ? null : <span className="status status--warning"> (this provider no longer exists)</span>}
        </p>
      ) : (
        <p className="app-default app-default--none" data-testid="app-default">
          No app default yet. New sessions stay unresolved until you set one with “Set as default” on a provider.
        </p>
      )}
      <p className="field__help">Sessions that follow the default switch at their next turn; pinned sessions keep their model.</p>
    </section>
  )
}
