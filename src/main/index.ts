// Electron bootstrap only: one instance, the core opened on Keel's data folder with electron-store writing the
// config, one sandboxed window, validated IPC, and a clean close of the core before the process exits.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, Menu } from 'electron'
import { openKeelCore } from './core/app/keel-core'
import type { KeelCore } from './core/app/keel-core.types'
import { DataDirInUseError } from './core/data-dir-lock'
import { KeelError } from './core/errors'
import { parseLaunchArgs, type LaunchTarget } from './core/desktop/launch-target'
import { attachWindowBehaviour, applyPreferences, restoredBounds, type DesktopOptions } from './electron/desktop'
import { createElectronStoreBackend, createElectronStorePreferencesBackend, createWindowStateStore } from './electron/electron-store-backend'
import { createKeelTray } from './electron/tray'
import { registerKeelIpc } from './electron/ipc'
import { createMainWindow, hardenDefaultSession, hardenWebContents, registerAppScheme, serveAppScheme, type MainWindowOptions } from './electron/window'
import type { TrustedRenderer } from './electron/trusted-sender'

// Paths are relative to the built entry (out/main/index.js), not to this source file.
const built = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url))
const rendererDir = built('../renderer/')
// The dev server is only honoured in an unpackaged build: a packaged Keel always loads its own files.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || undefined : undefined
const trustedRenderer: TrustedRenderer = { devServerUrl }
const windowOptions: MainWindowOptions = {
  preloadPath: built('../preload/index.cjs'),
  devServerUrl,
  packaged: app.isPackaged,
  iconPath: built('../../resources/icon.png'),
}

// KEEL_DATA_DIR moves everything, Chromium's own files and the single-instance lock included, so a test instance
// with its own data folder never collides with the user's Keel.
const dataDirOverride = process.env.KEEL_DATA_DIR?.trim()
if (dataDirOverride) app.setPath('userData', path.resolve(dataDirOverride))
const dataDir = app.getPath('userData')

let mainWindow: BrowserWindow | null = null
let quitting = false
let desktop: DesktopOptions | null = null
const windowState = createWindowStateStore(dataDir)

function showMainWindow(): BrowserWindow {
  if (mainWindow === null || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow({ ...windowOptions, state: restoredBounds(windowState) })
    mainWindow.on('closed', () => (mainWindow = null))
    if (desktop) attachWindowBehaviour(mainWindow, desktop)
    return mainWindow
  }
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.show()
  mainWindow.focus()
  return mainWindow
}

// The renderer is served from app://keel (see electron/app-protocol.ts); the scheme must be privileged before ready.
registerAppScheme()

// keel://session/<id> links open Keel on that session (registered for packaged builds; dev builds pass argv).
if (process.defaultApp) app.setAsDefaultProtocolClient('keel', process.execPath, [path.resolve(process.argv[1] ?? '.')])
else app.setAsDefaultProtocolClient('keel')

function fail(title: string, error: unknown): void {
  // Keel's own errors say what to do next; the dialog shows that too.
  const message = error instanceof KeelError ? [error.message, error.data.fix].filter(Boolean).join('\n\n') : error instanceof Error ? error.message : String(error)
  process.stderr.write(`[keel] ${title}: ${message}\n`)
  dialog.showErrorBox(title, message)
  app.exit(1)
}

async function start(): Promise<void> {
  // The core opens (database, keychain, config) while Electron gets ready; neither waits for the other.
  const [opened] = await Promise.allSettled([
    openKeelCore({
      dataDir,
      runtime: 'electron',
      keychainService: process.env.KEEL_KEYCHAIN_SERVICE,
      configBackend: createElectronStoreBackend,
      preferencesBackend: createElectronStorePreferencesBackend,
    }),
    app.whenReady(),
  ])
  // A browser host (or another Keel) writing this data folder: the app cannot run here as well, so it says who and quits.
  if (opened.status === 'rejected' && opened.reason instanceof DataDirInUseError) return fail('Keel is already running on this data folder', opened.reason)
  if (opened.status === 'rejected') return fail(`Keel could not open its data in ${dataDir}`, opened.reason)
  const core: KeelCore = opened.value

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, trustedRenderer))
  hardenDefaultSession()
  serveAppScheme(rendererDir)
  const unregisterIpc = registerKeelIpc(core, trustedRenderer)

  // Quit waits for the core (running turns checkpointed, database closed) exactly once.
  let coreClosed = false
  let closingCore = false
  app.on('before-quit', (event) => {
    quitting = true
    if (coreClosed) return
    event.preventDefault()
    if (closingCore) return
    closingCore = true
    unregisterIpc()
    core
      .close()
      .catch((error: unknown) => process.stderr.write(`[keel] closing the core failed: ${String(error)}\n`))
      .finally(() => {
        coreClosed = true
        app.quit()
      })
  })
  // A terminal's Ctrl-C or a test harness's SIGTERM quits like the menu does (the core closes first). Listening
  // also stops the re-raise by conf's when-exit from killing the process mid-close.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())
  // Tray quick-resume and the other entry points all go through the contract, like the renderer does.
  const resume = (sessionId: string) => {
    showMainWindow()
    void core.dispatch('sessions.quickResume', { id: sessionId })
  }
  const newSession = () => {
    void core.dispatch('sessions.create', {}).then((r) => {
      if (r.ok) resume((r.value as { id: string }).id)
    })
  }
  const openTarget = (target: LaunchTarget) => {
    if (target.kind === 'session') resume(target.sessionId)
    else showMainWindow()
  }
  desktop = { core, windowState, isQuitting: () => quitting, showWindow: showMainWindow, newSession }
  const stopPreferences = await applyPreferences(desktop)
  const tray = await createKeelTray(core, built('../../resources/tray.png'), {
    resume,
    newSession: () => {
      showMainWindow()
      newSession()
    },
    toggleWindow: () => {
      if (mainWindow && mainWindow.isVisible() && mainWindow.isFocused()) mainWindow.hide()
      else showMainWindow()
    },
    diagnostics: () => {
      showMainWindow()
      core.focus({ sessionId: null, view: 'diagnostics' })
    },
    quit: () => app.quit(),
  })
  app.on('will-quit', () => {
    stopPreferences()
    tray.destroy()
  })
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      {
        label: 'File',
        submenu: [
          { label: 'New Session', accelerator: 'CommandOrControl+N', click: () => newSession() },
          { label: 'Settings', accelerator: 'CommandOrControl+,', click: () => core.focus({ sessionId: null, view: 'settings' }) },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ label: 'Diagnostics', accelerator: 'CommandOrControl+Shift+D', click: () => core.focus({ sessionId: null, view: 'diagnostics' }) }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    ]),
  )

  // With close-to-tray the window hides instead of closing, so this fires only when close-to-tray is off (or on
  // quit): closing the last window then quits, except on macOS where apps stay in the dock.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => showMainWindow())
  app.on('second-instance', (_event, argv) => openTarget(parseLaunchArgs(argv)))
  app.on('open-url', (event, url) => {
    event.preventDefault()
    openTarget(parseLaunchArgs([url]))
  })

  openTarget(parseLaunchArgs(process.argv))
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  start().catch((error: unknown) => fail('Keel could not start', error))
}
