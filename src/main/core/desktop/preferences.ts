// App preferences (theme, close-to-tray, global shortcut, notifications): stored with electron-store in Electron
// and conf under Node, in <dataDir>/preferences.json — separate from config.json, which holds provider entries.
import Conf from 'conf'
import { Preferences } from '../../../shared/domain'

export const DEFAULT_PREFERENCES: Preferences = {
  theme: 'system',
  closeToTray: true,
  closeToTrayHintShown: false,
  globalShortcut: 'CommandOrControl+Shift+K',
  notifyWhenHidden: true,
  sidebarCollapsed: false,
  // Off until the user turns it on in Settings → Data (a data directory never fills with backups unasked).
  backupSchedule: { every: 'off', keep: 7 },
}

export interface PreferencesBackend {
  read(): unknown
  write(value: Preferences): void
}

export function createConfPreferencesBackend(dataDir: string): PreferencesBackend {
  let conf: Conf<Record<string, unknown>> | null = null
  const open = () => (conf ??= new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'preferences', clearInvalidConfig: true, watch: false }))
  return {
    read: () => open().store,
    write: (value) => {
      open().store = value
    },
  }
}

export class PreferencesService {
  private value: Preferences

  constructor(private readonly backend: PreferencesBackend) {
    // Preferences are conveniences: an unreadable file falls back to defaults field by field rather than failing.
    let raw: unknown = {}
    try {
      raw = backend.read()
    } catch {
      raw = {}
    }
    const merged = { ...DEFAULT_PREFERENCES, ...(typeof raw === 'object' && raw !== null ? raw : {}) }
    const parsed = Preferences.safeParse(merged)
    this.value = parsed.success ? parsed.data : DEFAULT_PREFERENCES
  }

  get(): Preferences {
    return this.value
  }

  set(patch: Partial<Preferences>): Preferences {
    this.value = Preferences.parse({ ...this.value, ...patch })
    this.backend.write(this.value)
    return this.value
  }
}
