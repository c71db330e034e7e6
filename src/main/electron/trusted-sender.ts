// Which frames may use Keel's IPC: only the top-level frame of Keel's own renderer (the built files under
// out/renderer, or the dev server in development). Mirrors VS Code's validatedIpcMain. Electron-free, so it is
// tested under plain Node; ipc.ts feeds it what Electron says about the sender.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface IpcSender {
  /** The sender frame's URL at the time of the call. */
  url: string
  /** Whether the sender is the top-level frame of its window (not an iframe). */
  isTopFrame: boolean
}

export interface TrustedRenderer {
  /** Absolute directory holding the built renderer (file:// pages under it are Keel's). */
  rendererDir: string
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
  if (url.protocol === 'file:') {
    if (url.host !== '') return false // file://server/share: never Keel's own files
    let file: string
    try {
      file = fileURLToPath(url)
    } catch {
      return false
    }
    const relative = path.relative(path.resolve(trusted.rendererDir), file)
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
  }
  if (trusted.devServerUrl === undefined) return false
  try {
    const dev = new URL(trusted.devServerUrl)
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && url.origin === dev.origin
  } catch {
    return false
  }
}
