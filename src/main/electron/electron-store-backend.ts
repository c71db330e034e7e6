// config.json written through electron-store in the desktop app (conf-backend.ts is the plain-Node twin).
// The core reads and validates the file itself; this only writes it, atomically.
import Store from 'electron-store'
import type { ConfigBackend } from '../core/config/config-backend'
import type { PreferencesBackend } from '../core/desktop/preferences'
import type { WindowState } from './window-bounds'
import { dataPaths } from '../core/paths'
import { configJsonSchema, deserializeConfigJson } from '../core/config/config-schema'

export function createElectronStoreBackend(dataDir: string): ConfigBackend {
  let store: Store<Record<string, unknown>> | null = null
  return {
    // Same file electron-store opens (cwd + name + '.json'), known without constructing the store.
    path: dataPaths(dataDir).config,
    write(value) {
      // Constructed lazily: electron-store reads (and with an invalid file, throws on) the file when constructed,
      // and Keel writes only after validating the file itself; an invalid file is never overwritten.
      store ??= new Store<Record<string, unknown>>({ cwd: dataDir, name: 'config', schema: configJsonSchema(), clearInvalidConfig: false, watch: false, deserialize: deserializeConfigJson as (text: string) => Record<string, unknown> })
      store.store = value
    },
  }
}

/** preferences.json through electron-store (an unreadable file is reset: preferences are conveniences). */
export function createElectronStorePreferencesBackend(dataDir: string): PreferencesBackend {
  let store: Store<Record<string, unknown>> | null = null
  const open = () => (store ??= new Store<Record<string, unknown>>({ cwd: dataDir, name: 'preferences', clearInvalidConfig: true, watch: false }))
  return {
    read: () => open().store,
    write: (value) => {
      open().store = value
    },
  }
}

/** Window size and position, remembered between launches. */
export function createWindowStateStore(dataDir: string): { read(): WindowState | null; write(state: WindowState): void } {
  const store = new Store<{ window?: WindowState }>({ cwd: dataDir, name: 'window-state', clearInvalidConfig: true, watch: false })
  return {
    read: () => store.get('window') ?? null,
    write: (state) => store.set('window', state),
  }
}
