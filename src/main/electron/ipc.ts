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
    try {
      return await core.dispatch(channel, input)
    } catch (error) {
      // dispatch promises never to throw; if it does, the page still gets an envelope. The error text may quote
      // the input (which can hold an API key), so only its type is logged.
      process.stderr.write(`[keel] core.dispatch threw on ${String(channel)}: ${error instanceof Error ? error.name : typeof error}\n`)
      return { ok: false, error: { kind: 'internal', message: `Keel failed to handle ${String(channel)}.` } }
    }
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
