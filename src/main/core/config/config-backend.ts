// How config.json is persisted. Keel reads and validates the file itself (so an invalid edit can be reported by
// field and the last good config kept in force), and writes through electron-store (Electron) or conf (plain
// Node), which write atomically. The core never imports electron-store: the Electron adapter passes its backend in.
export interface ConfigBackend {
  /** Absolute path of config.json. */
  readonly path: string
  /** Replaces the whole file's content. */
  write(value: Record<string, unknown>): void
}
