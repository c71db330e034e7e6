// Desktop behaviour around the main window: remembered bounds, close-to-tray (with a one-time hint), the global
// shortcut, a notification when a turn finishes while the window is hidden, and the theme preference.
import { BrowserWindow, Notification, globalShortcut, nativeTheme, screen } from 'electron'
import type { Preferences } from '../../shared/domain'
import type { KeelCore } from '../core/app/keel-core.types'
import { fitBounds, type WindowState } from './window-bounds'
import { turnEndedNotificationBody, type EndedTurn } from '../core/desktop/turn-notification'

export interface DesktopOptions {
  core: KeelCore
  windowState: { read(): WindowState | null; write(state: WindowState): void }
  isQuitting(): boolean
  showWindow(): BrowserWindow
  newSession(): void
}

export function restoredBounds(windowState: DesktopOptions['windowState']): WindowState {
  const saved = windowState.read()
  const areas = screen.getAllDisplays().map((d) => d.workArea)
  return { bounds: fitBounds(saved?.bounds ?? null, areas, { width: 1280, height: 820 }), maximized: saved?.maximized ?? false }
}

async function preferences(core: KeelCore): Promise<Preferences | null> {
  const r = await core.dispatch('preferences.get', {})
  return r.ok ? (r.value as Preferences) : null
}

export function attachWindowBehaviour(win: BrowserWindow, options: DesktopOptions): void {
  const { core, windowState } = options
  const save = () => {
    if (win.isDestroyed() || win.isMinimized()) return
    windowState.write({ bounds: win.isMaximized() ? win.getNormalBounds() : win.getBounds(), maximized: win.isMaximized() })
  }
  win.on('resized', save)
  win.on('moved', save)
  win.on('maximize', save)
  win.on('unmaximize', save)
  win.on('show', () => core.setWindowVisible(true))
  win.on('hide', () => core.setWindowVisible(false))

  win.on('close', (event) => {
    save()
    if (options.isQuitting()) return
    // Decided synchronously from the last known preferences (close must be prevented before returning).
    if (!cachedPrefs?.closeToTray) return
    event.preventDefault()
    win.hide()
    if (!cachedPrefs.closeToTrayHintShown) {
      new Notification({ title: 'Keel is still running', body: 'Keel keeps running in the tray. Use Quit in the tray menu to exit; you can turn this off in Settings.' }).show()
      void core.dispatch('preferences.set', { closeToTrayHintShown: true })
    }
  })
}

let cachedPrefs: Preferences | null = null

/** Applies preferences now and whenever they change: theme, global shortcut. */
export async function applyPreferences(options: DesktopOptions): Promise<() => void> {
  const { core } = options
  let registered: string | null = null
  const apply = (prefs: Preferences) => {
    cachedPrefs = prefs
    nativeTheme.themeSource = prefs.theme
    if (registered) globalShortcut.unregister(registered)
    registered = null
    if (prefs.globalShortcut) {
      try {
        const ok = globalShortcut.register(prefs.globalShortcut, () => {
          options.showWindow()
          options.newSession()
        })
        if (ok) registered = prefs.globalShortcut
        else core.focus({ sessionId: null, view: 'settings' })
      } catch {
        // An invalid accelerator: the preference stays, the shortcut is simply not active.
      }
    }
  }
  const initial = await preferences(core)
  if (initial) apply(initial)
  const off = core.subscribe((event, payload) => {
    if (event === 'preferences') apply(payload as Preferences)
    if (event === 'chat' && (payload as { type: string }).type === 'turn-ended') notifyIfHidden(options, payload as EndedTurn & { sessionId: string })
  })
  return () => {
    off()
    globalShortcut.unregisterAll()
  }
}

function notifyIfHidden(options: DesktopOptions, ended: EndedTurn & { sessionId: string }): void {
  const win = BrowserWindow.getAllWindows()[0]
  if (win && win.isVisible() && win.isFocused()) return
  if (!cachedPrefs?.notifyWhenHidden || !Notification.isSupported()) return
  const n = new Notification({ title: 'Keel', body: turnEndedNotificationBody(ended) })
  n.on('click', () => {
    options.showWindow()
    options.core.focus({ sessionId: ended.sessionId, view: 'session' })
  })
  n.show()
}
