// The surface the core offers to its two adapters: the Electron main process and the browser host.
// Both carry the same contract (src/shared/contract.ts); neither adds behaviour of its own.
import type { EventName, EventPayload, InvokeResult } from '../../../shared/contract'
import type { ConfigBackend } from '../config/config-backend'
import type { PreferencesBackend } from '../desktop/preferences'
import type { SessionToolSet } from '../agents/agent-steps'

export interface KeelCoreOptions {
  /** Where config.json, keel.db and backups live. Opening takes its lock (data-dir-lock.ts): one writer at a time. */
  dataDir: string
  runtime: 'electron' | 'host'
  /** Keychain service name; tests use their own (KEEL_KEYCHAIN_SERVICE) so they never touch a user's keys. */
  keychainService?: string
  /** How config.json is written: electron-store in Electron, conf under plain Node (the default). */
  configBackend?: (dataDir: string) => ConfigBackend
  /** Watch config.json for edits made outside Keel (default true). */
  watchConfig?: boolean
  /** How preferences.json is persisted: electron-store in Electron, conf under plain Node (the default). */
  preferencesBackend?: (dataDir: string) => PreferencesBackend
  /** Debounce of tray menu rebuilds after session or identity changes (default 150 ms). */
  trayDebounceMs?: number
  /**
   * The tools a session's turns offer (an internal hook until agent profiles provide them): none — a plain chat —
   * when absent or when it returns null.
   */
  toolSet?: (sessionId: string) => SessionToolSet | null | Promise<SessionToolSet | null>
  /** A test's window into the steps of a restore applied at start (it kills the process at one); never set in the app. */
  restoreStep?: (step: string) => void | Promise<void>
}

export type CoreEventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export interface KeelCore {
  readonly dataDir: string
  /** Validates `input` against the contract, runs the channel, and returns an envelope; never throws. */
  dispatch(channel: unknown, input: unknown): Promise<InvokeResult>
  /** Every event for every renderer attached to this core. */
  subscribe(listener: CoreEventListener): () => void
  /** The Electron adapter tells the core whether the window is visible (the tray says Show or Hide). */
  setWindowVisible(visible: boolean): void
  /** Asks every attached window to show something (the tray and the app menu use this). */
  focus(target: EventPayload<'focus'>): void
  /** Stops running turns (checkpointing what streamed), stops watchers, closes the database, then releases the data directory's lock. */
  close(): Promise<void>
}
