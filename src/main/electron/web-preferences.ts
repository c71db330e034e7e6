// The webPreferences of every Keel window. Electron-free (a plain object), so it is tested under plain Node.
export interface KeelWebPreferencesOptions {
  preloadPath: string
  /** app.isPackaged: an installed Keel has no DevTools (they would let anyone at the keyboard call the IPC bridge). */
  packaged: boolean
}

export function keelWebPreferences(options: KeelWebPreferencesOptions) {
  return {
    preload: options.preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    webviewTag: false,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    devTools: !options.packaged,
  } as const
}
