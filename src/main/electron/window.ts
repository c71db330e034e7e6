// Keel's main window and the rules every web contents lives by: sandboxed, context-isolated, no navigation away
// from Keel, no new windows, no permissions; links open in the user's browser only when they are plain web links.
import { BrowserWindow, session, shell, type WebContents } from 'electron'
import { isSafeExternalUrl } from './external-url'
import { RENDERER_CSP } from './renderer-csp'
import type { WindowState } from './window-bounds'

export interface MainWindowOptions {
  /** out/preload/index.cjs */
  preloadPath: string
  /** out/renderer/index.html */
  rendererIndex: string
  /** The dev server (ELECTRON_RENDERER_URL); loaded instead of rendererIndex when set. */
  devServerUrl?: string
  /** resources/icon.png */
  iconPath: string
  /** Remembered size and position (already fitted onto a visible display). */
  state?: WindowState
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    ...(options.state?.bounds ?? { width: 1280, height: 820 }),
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Keel',
    icon: options.iconPath,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    },
  })
  win.once('ready-to-show', () => {
    if (options.state?.maximized) win.maximize()
    win.show()
  })
  if (options.devServerUrl) void win.loadURL(options.devServerUrl)
  else void win.loadFile(options.rendererIndex)
  return win
}

/** Applied to every web contents the app creates (windows, and anything a bug might open). */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (url === contents.getURL()) return
    event.preventDefault()
    openExternally(url)
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url)
    return { action: 'deny' }
  })
}

/** The session-wide half: CSP header on Keel's documents, and no permission prompts (camera, notifications…). */
export function hardenDefaultSession(): void {
  const ses = session.defaultSession
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' && details.resourceType !== 'subFrame') return callback({})
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } })
  })
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}

function openExternally(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url).catch(() => undefined)
}
