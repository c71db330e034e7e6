// Appearance and desktop: the theme (applied at once), close-to-tray, notifications and the global shortcut.
// Each control saves on its own with preferences.set; main's `preferences` event keeps them current.
import { useId, useState } from 'react'
import type { AppState, KeelErrorData, Preferences } from '../../../shared/domain'
import { toErrorData } from '../errors'
import type { PreferencesState } from '../hooks/usePreferences'
import { applyTheme, type Theme } from '../lib/theme'
import { ErrorNote } from './ErrorNote'
import { ShortcutField } from './ShortcutField'

const THEMES: Array<{ value: Theme; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

type Toggle = 'closeToTray' | 'notifyWhenHidden'
const TOGGLES: Array<{ key: Toggle; label: string }> = [
  { key: 'closeToTray', label: 'Keep running in the tray when the window is closed' },
  { key: 'notifyWhenHidden', label: 'Notify when a reply finishes while Keel is hidden' },
]

interface PreferencesSectionProps {
  preferences: PreferencesState
  runtime: AppState['runtime'] | null
}

export function PreferencesSection({ preferences, runtime }: PreferencesSectionProps) {
  const headingId = useId()
  const themeId = useId()
  /** Values chosen but not yet confirmed by main, shown meanwhile so a control never jumps back. */
  const [pending, setPending] = useState<Partial<Preferences>>({})
  const [error, setError] = useState<KeelErrorData | null>(null)
  const stored = preferences.preferences

  const save = async (patch: Partial<Preferences>) => {
    setPending((p) => ({ ...p, ...patch }))
    setError(null)
    try {
      await preferences.save(patch)
    } catch (e) {
      setError(toErrorData(e))
      // Back to what main has (the theme too, which was applied before main answered).
      if (patch.theme && stored) applyTheme(stored.theme)
    } finally {
      setPending((p) => {
        const next = { ...p }
        for (const key of Object.keys(patch) as Array<keyof Preferences>) delete next[key]
        return next
      })
    }
  }

  return (
    <section className="dialog-section" aria-labelledby={headingId}>
      <h3 id={headingId} className="dialog-section__title">
        Appearance and desktop
      </h3>
      {preferences.error ? <ErrorNote error={preferences.error} /> : null}
      {error ? <ErrorNote error={{ ...error, message: `Preference not saved: ${error.message}` }} /> : null}
      {stored ? (
        <div className="preferences">
          <div className="field preferences__theme">
            <label className="field__label" htmlFor={themeId}>
              Theme
            </label>
            <select
              id={themeId}
              className="input"
              value={pending.theme ?? stored.theme}
              onChange={(event) => {
                const theme = event.target.value as Theme
                applyTheme(theme)
                void save({ theme })
              }}
            >
              {THEMES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div className="preferences__desktop">
            {TOGGLES.map((t) => (
              <label key={t.key} className="checkbox">
                <input
                  type="checkbox"
                  checked={pending[t.key] ?? stored[t.key]}
                  onChange={(event) => void save({ [t.key]: event.target.checked })}
                />
                <span>{t.label}</span>
              </label>
            ))}
            <ShortcutField value={stored.globalShortcut} onSave={(globalShortcut) => preferences.save({ globalShortcut })} />
            {runtime === 'electron' ? null : (
              <p className="field__help preferences__note">
                These desktop options apply in the desktop app. The browser host has no tray, notifications or global
                shortcut; here they are only saved.
              </p>
            )}
          </div>
        </div>
      ) : preferences.error ? null : (
        <p className="muted">Loading preferences…</p>
      )}
    </section>
  )
}
