// Electron end-to-end: runs only where an Electron binary exists. No binary can be downloaded on Keel's build
// machines, so there this reports itself skipped with the reason instead of trying.
//   ELECTRON_OVERRIDE_DIST_PATH=/path/to/unpacked/electron-v45 npm test
import { _electron as electron, expect, test } from '@playwright/test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')

function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const candidates = override
    ? [path.join(override, 'electron'), path.join(override, 'electron.exe'), path.join(override, 'Electron.app/Contents/MacOS/Electron')]
    : [path.join(ROOT, 'node_modules/electron/dist/electron')]
  return candidates.find((c) => fs.existsSync(c)) ?? null
}

const binary = electronBinary()

test.describe('Electron app', () => {
  test.skip(binary === null, 'no Electron binary on this machine (set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 to run these)')

  test('launches sandboxed, exposes only the contract bridge, and shows the welcome screen', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-electron-'))
    const app = await electron.launch({
      executablePath: binary!,
      args: [path.join(ROOT, 'out/main/index.js')],
      env: { ...process.env, KEEL_DATA_DIR: dataDir, KEEL_KEYCHAIN_SERVICE: `keel-electron-${Date.now()}` },
    })
    const win = await app.firstWindow()
    await expect(win.getByRole('group', { name: 'Session actions' }).getByRole('button', { name: 'New session' })).toBeVisible()
    // Served from the app:// scheme (so the CSP header applies), never from file://.
    expect(win.url()).toBe('app://keel/index.html')
    const surface = await win.evaluate(() => ({
      keys: Object.keys((globalThis as unknown as { keel: object }).keel).sort(),
      hasRequire: typeof (globalThis as unknown as { require?: unknown }).require,
      hasProcess: typeof (globalThis as unknown as { process?: unknown }).process,
    }))
    expect(surface).toEqual({ keys: ['invoke', 'subscribe'], hasRequire: 'undefined', hasProcess: 'undefined' })
    const state = await win.evaluate(() => (globalThis as unknown as { keel: { invoke(c: string, i: unknown): Promise<unknown> } }).keel.invoke('app.state', {}))
    expect(state).toMatchObject({ ok: true, value: { runtime: 'electron', dataDir } })
    await app.close()
  })
})

test.describe('Electron desktop integration', () => {
  test.skip(binary === null, 'no Electron binary on this machine (set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 to run these)')

  test('a second launch with keel://session/<id> focuses the running window on that session', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-electron-'))
    const env = { ...process.env, KEEL_DATA_DIR: dataDir, KEEL_KEYCHAIN_SERVICE: `keel-electron-${Date.now()}` }
    const app = await electron.launch({ executablePath: binary!, args: [path.join(ROOT, 'out/main/index.js')], env })
    const win = await app.firstWindow()
    const created = (await win.evaluate(() => (globalThis as unknown as { keel: { invoke(c: string, i: unknown): Promise<{ value: { id: string } }> } }).keel.invoke('sessions.create', {}))).value
    await win.evaluate((id) => (globalThis as unknown as { keel: { invoke(c: string, i: unknown): Promise<unknown> } }).keel.invoke('sessions.rename', { id, title: 'Deep linked' }), created.id)
    const { spawnSync } = await import('node:child_process')
    const second = spawnSync(binary!, [path.join(ROOT, 'out/main/index.js'), `keel://session/${created.id}`], { env, timeout: 20_000 })
    expect(second.status).toBe(0)
    await expect(win.getByRole('heading', { name: 'Deep linked' })).toBeVisible()
    const menu = await win.evaluate(() => (globalThis as unknown as { keel: { invoke(c: string, i: unknown): Promise<{ value: { items: Array<{ type: string; title?: string }> } }> } }).keel.invoke('tray.menu', {}))
    expect(menu.value.items[0]).toMatchObject({ type: 'session', title: 'Deep linked' })
    await app.close()
  })
})

test.describe('Electron desktop preferences', () => {
  test.skip(binary === null, 'no Electron binary on this machine (set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 to run these)')

  const launch = (dataDir: string) =>
    electron.launch({ executablePath: binary!, args: [path.join(ROOT, 'out/main/index.js')], env: { ...process.env, KEEL_DATA_DIR: dataDir, KEEL_KEYCHAIN_SERVICE: 'keel-electron-prefs' } })
  const invoke = (win: import('@playwright/test').Page, channel: string, input: unknown) =>
    win.evaluate(([c, i]) => (globalThis as unknown as { keel: { invoke(c: string, i: unknown): Promise<unknown> } }).keel.invoke(c as string, i), [channel, input] as const)

  test('close-to-tray hides the window instead of quitting; theme and global shortcut follow preferences', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-electron-'))
    const app = await launch(dataDir)
    const win = await app.firstWindow()
    await invoke(win, 'preferences.set', { closeToTray: true, theme: 'dark', globalShortcut: 'CommandOrControl+Shift+Y' })
    await expect.poll(() => app.evaluate(({ nativeTheme }) => nativeTheme.themeSource)).toBe('dark')
    await expect.poll(() => app.evaluate(({ globalShortcut }) => globalShortcut.isRegistered('CommandOrControl+Shift+Y'))).toBe(true)
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close())
    await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()))).toEqual([false])
    expect((await invoke(win, 'preferences.get', {})) as { value: { closeToTrayHintShown: boolean } }).toMatchObject({ value: { closeToTrayHintShown: true } })
    await app.close()
  })

  test('window size and position are remembered across launches', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-electron-'))
    let app = await launch(dataDir)
    await app.firstWindow()
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.setBounds({ x: 40, y: 30, width: 900, height: 640 }))
    await app.close()
    app = await launch(dataDir)
    await app.firstWindow()
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getBounds())).toMatchObject({ width: 900, height: 640 })
    await app.close()
  })
})
