// The contract over Electron IPC: one invoke handler and one event channel (WIRE). Every call is checked to come
// from the top-level frame of Keel's own renderer before the core sees it; the core validates the input itself.
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { WIRE, type InvokeResult } from '../../shared/contract'
import type { KeelCore } from '../core/app/keel-core.types'
import { isTrustedSender, type TrustedRenderer } from './trusted-sender'

const FORBIDDEN: InvokeResult = { ok: false, error: { kind: 'forbidden', message: 'IPC from an untrusted frame' } }

/** Wires the core to every window; returns a function that unwires it. */
export function registerKeelIpc(core: Pick<KeelCore, 'dispatch' | 'subscribe'>, trusted: TrustedRenderer): () => void {
  ipcMain.handle(WIRE.invoke, async (event: IpcMainInvokeEvent, channel: unknown, input: unknown): Promise<InvokeResult> => {
    const frame = event.senderFrame
    if (frame === null || !isTrustedSender({ url: frame.url, isTopFrame: frame.parent === null }, trusted)) {
      return FORBIDDEN
    }
    return core.dispatch(channel, input)
  })

  const unsubscribe = core.subscribe((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      const contents = win.webContents
      if (contents.isDestroyed()) continue
      // A window that somehow left Keel's renderer gets no events either.
      if (!isTrustedSender({ url: contents.getURL(), isTopFrame: true }, trusted)) continue
      contents.send(WIRE.event, name, payload)
    }
  })

  return () => {
    unsubscribe()
    ipcMain.removeHandler(WIRE.invoke)
  }
}
