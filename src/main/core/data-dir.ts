// The browser host's default data directory: the same folder Electron's app.getPath('userData') gives the
// desktop app (appData + product name), so the host and the app open the same sessions unless told otherwise.
// Plain Node (core): the host and the doctor use it; Electron asks app.getPath instead.
import os from 'node:os'
import path from 'node:path'

export const PRODUCT_NAME = 'Keel'

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.KEEL_DATA_DIR?.trim()
  if (override) return path.resolve(override)
  return path.join(appDataDir(env, platform, home), PRODUCT_NAME)
}

/** Electron's `appData` path for each platform. */
function appDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support')
  if (platform === 'win32') return env.APPDATA || path.join(home, 'AppData', 'Roaming')
  return env.XDG_CONFIG_HOME || path.join(home, '.config')
}
