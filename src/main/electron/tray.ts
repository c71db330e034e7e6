// The tray: maps the core's tray menu model to a native menu. All rules (ordering, labels, markers, limits) live in
// core/desktop/tray-menu.ts; this file only renders the model and routes clicks.
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron'
import type { TrayMenuModel } from '../../shared/domain'
import type { KeelCore } from '../core/app/keel-core.types'

export interface TrayActions {
  resume(sessionId: string): void
  newSession(): void
  toggleWindow(): void
  diagnostics(): void
  quit(): void
}

export function toNativeMenu(model: TrayMenuModel, actions: TrayActions): MenuItemConstructorOptions[] {
  return model.items.map((item): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' }
    if (item.type === 'session') return { label: item.label, toolTip: `${item.title}\n${item.detail}`, click: () => actions.resume(item.sessionId) }
    const click = { 'new-session': actions.newSession, 'toggle-window': actions.toggleWindow, diagnostics: actions.diagnostics, quit: actions.quit }[item.action]
    return { label: item.label, click: () => click() }
  })
}

export async function createKeelTray(core: KeelCore, iconPath: string, actions: TrayActions): Promise<{ destroy(): void }> {
  const icon = nativeImage.createFromPath(iconPath)
  const tray = new Tray(icon.isEmpty() ? nativeImage.createEmpty() : icon)
  tray.setToolTip('Keel')
  let shown = -1
  const render = (model: TrayMenuModel) => {
    if (model.revision < shown) return
    shown = model.revision
    tray.setContextMenu(Menu.buildFromTemplate(toNativeMenu(model, actions)))
  }
  const first = await core.dispatch('tray.menu', {})
  if (first.ok) render(first.value as TrayMenuModel)
  const off = core.subscribe((event, payload) => {
    if (event === 'tray') render(payload as TrayMenuModel)
  })
  tray.on('click', () => actions.toggleWindow())
  return {
    destroy() {
      off()
      tray.destroy()
    },
  }
}
