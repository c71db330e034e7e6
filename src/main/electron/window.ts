// Keel's main window and the rules every web contents lives by: sandboxed, context-isolated, loaded from app://keel
// (never file://), no navigation away from Keel in any frame or by redirect, no new windows, no permissions, no
// DevTools in an installed build; links open in the user's browser only when they are plain web links.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron'
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './app-protocol'
import { isSafeExternalUrl } from './external-url'
import { judgeNavigation, type NavigationAttempt } from './navigation-guard'
import { RENDERER_CSP } from './renderer-csp'
import type { TrustedRenderer } from './trusted-sender'
import { keelWebPreferences } from './web-preferences'
import type { WindowState } from './window-bounds'

export interface MainWindowOptions {
  /** out/preload/index.cjs */
  preloadPath: string
  /** The dev server (ELECTRON_RENDERER_URL); loaded instead of app://keel/index.html when set. */
  devServerUrl?: string
  /** app.isPackaged: no DevTools in an installed build. */
  packaged: boolean
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
    webPreferences: keelWebPreferences({ preloadPath: options.preloadPath, packaged: options.packaged }),
  })
  win.once('ready-to-show', () => {
    if (options.state?.maximized) win.maximize()
    win.show()
  })
  if (options.devServerUrl) void win.loadURL(options.devServerUrl)
  else void win.loadURL(APP_INDEX_URL)
  return win
}

/** Before the app is ready: app:// becomes a standard, secure scheme (real origin, storage, module scripts). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }])
}

/** After ready: app://keel/<path> answers with files of the built renderer only, CSP header included. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const answer = await resolveAppRequest(rendererDir, { url: request.url, method: request.method })
    if (answer.status !== 200) return new Response(null, { status: answer.status, headers: answer.headers })
    const body = request.method === 'HEAD' ? null : (Readable.toWeb(createReadStream(answer.file)) as ReadableStream<Uint8Array>)
    return new Response(body, { status: 200, headers: answer.headers })
  })
}

/** Applied to every web contents the app creates (windows, and anything a bug might open). */
export function hardenWebContents(contents: WebContents, trusted: TrustedRenderer): void {
  const guard = (event: { preventDefault(): void }, attempt: NavigationAttempt, openLinks: boolean): void => {
    const verdict = judgeNavigation(attempt, trusted)
    if (verdict === 'allow') return
    event.preventDefault()
    if (verdict === 'open-externally' && openLinks) openExternally(attempt.url)
  }
  // The main frame: a followed link opens in the browser (here, once); anything else that is not Keel is stopped.
  contents.on('will-navigate', (event) => guard(event, { url: event.url, isMainFrame: true, cause: 'navigate' }, true))
  // Every frame. The main frame is will-navigate's (stopping it here too would also stop the link opening there).
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame) return
    guard(event, { url: event.url, isMainFrame: false, cause: 'navigate' }, false)
  })
  // A redirect may not carry a frame out of Keel either, and never opens a browser.
  contents.on('will-redirect', (event) => guard(event, { url: event.url, isMainFrame: event.isMainFrame, cause: 'redirect' }, false))
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url)
    return { action: 'deny' }
  })
}

/**
 * The session-wide half: CSP header on documents that come over http (the dev server; app:// responses carry their
 * own), and no permission prompts (camera, notifications…).
 */
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
