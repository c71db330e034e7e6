// Electron bootstrap only: one instance, the core opened on Keel's data folder with electron-store writing the
// config, one sandboxed window, validated IPC, and a clean close of the core before the process exits.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog } from 'electron'
import { openKeelCore } from './core/app/keel-core'
import type { KeelCore } from './core/app/keel-core.types'
import { createElectronStoreBackend } from './electron/electron-store-backend'
import { registerKeelIpc } from './electron/ipc'
import { createMainWindow, hardenDefaultSession, hardenWebContents, type MainWindowOptions } from './electron/window'

// Paths are relative to the built entry (out/main/index.js), not to this source file.
const built = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url))
const rendererIndex = built('../renderer/index.html')
// The dev server is only honoured in an unpackaged build: a packaged Keel always loads its own files.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || undefined : undefined
const windowOptions: MainWindowOptions = {
  preloadPath: built('../preload/index.cjs'),
  rendererIndex,
  devServerUrl,
  iconPath: built('../../resources/icon.png'),
}

// KEEL_DATA_DIR moves everything, Chromium's own files and the single-instance lock included, so a test instance
// with its own data folder never collides with the user's Keel.
const dataDirOverride = process.env.KEEL_DATA_DIR?.trim()
if (dataDirOverride) app.setPath('userData', path.resolve(dataDirOverride))
const dataDir = app.getPath('userData')

let mainWindow: BrowserWindow | null = null

function showMainWindow(): void {
  if (mainWindow === null || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow(windowOptions)
    mainWindow.on('closed', () => (mainWindow = null))
    return
  }
  if (mainWindow.isMinimized()) mainWindow.restore()
  mainWindow.show()
  mainWindow.focus()
}

function fail(title: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
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
    }),
    app.whenReady(),
  ])
  if (opened.status === 'rejected') return fail(`Keel could not open its data in ${dataDir}`, opened.reason)
  const core: KeelCore = opened.value

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))
  hardenDefaultSession()
  const unregisterIpc = registerKeelIpc(core, { rendererDir: path.dirname(rendererIndex), devServerUrl })

  // Quit waits for the core (running turns checkpointed, database closed) exactly once.
  let coreClosed = false
  let closingCore = false
  app.on('before-quit', (event) => {
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
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => showMainWindow())
  app.on('second-instance', () => showMainWindow())

  showMainWindow()
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  start().catch((error: unknown) => fail('Keel could not start', error))
}
