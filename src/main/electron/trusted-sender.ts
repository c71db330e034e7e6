// Which frames may use Keel's IPC: only the top-level frame of Keel's own renderer (app://keel/, served from
// out/renderer by the app:// protocol handler, or the dev server in development). Mirrors VS Code's
// validatedIpcMain. file:// pages are never trusted: Keel does not load from file://, and any local file would
// match. Electron-free, so it is tested under plain Node; ipc.ts feeds it what Electron says about the sender.
import { APP_HOST, APP_SCHEME } from './app-protocol'

export interface IpcSender {
  /** The sender frame's URL at the time of the call. */
  url: string
  /** Whether the sender is the top-level frame of its window (not an iframe). */
  isTopFrame: boolean
}

export interface TrustedRenderer {
  /** The dev server URL (ELECTRON_RENDERER_URL) in development; its origin is trusted. */
  devServerUrl?: string
}

export function isTrustedSender(sender: IpcSender, trusted: TrustedRenderer): boolean {
  if (!sender.isTopFrame) return false
  let url: URL
  try {
    url = new URL(sender.url)
  } catch {
    return false
  }
  if (url.protocol === `${APP_SCHEME}:`) return url.host === APP_HOST && url.username === '' && url.password === '' && url.port === ''
  if (trusted.devServerUrl === undefined) return false
  try {
    const dev = new URL(trusted.devServerUrl)
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && url.origin === dev.origin
  } catch {
    return false
  }
}
