// The whole surface the renderer gets from Electron: `window.keel` with invoke(channel, input) for contract channels
// and subscribe(event, callback) for contract events. No ipcRenderer, no Node, no event objects reach the page.
// Runs sandboxed: bundled into one CommonJS file that requires only 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { WIRE, isChannel, isEventName, type EventName, type InvokeResult, type KeelBridge } from '../shared/contract'

type Listener = (payload: unknown) => void
const MAIN_UNAVAILABLE: InvokeResult = { ok: false, error: { kind: 'internal', message: 'Keel’s main process did not answer.' } }
const listeners = new Map<EventName, Set<Listener>>()

// One IPC listener for all subscriptions; each callback sees only the payload of its own event.
ipcRenderer.on(WIRE.event, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return
  for (const callback of [...(listeners.get(name) ?? [])]) {
    try {
      callback(payload)
    } catch (error) {
      console.error(`[keel] a "${name}" listener failed`, error)
    }
  }
})

function invoke(channel: unknown, input: unknown): Promise<InvokeResult> {
  if (!isChannel(channel)) {
    // Refused here, never sent: the same envelope main would answer with.
    return Promise.resolve({ ok: false, error: { kind: 'invalid-input', message: `Unknown channel: ${String(channel)}` } })
  }
  // A rejection means main did not answer at all (e.g. it is quitting); the page still gets an envelope.
  return (ipcRenderer.invoke(WIRE.invoke, channel, input) as Promise<InvokeResult>).catch(() => MAIN_UNAVAILABLE)
}

function subscribe(event: unknown, callback: unknown): () => void {
  if (!isEventName(event)) throw new TypeError(`Unknown Keel event: ${String(event)}`)
  if (typeof callback !== 'function') throw new TypeError('subscribe needs a callback function')
  const listener = (payload: unknown): void => void (callback as Listener)(payload)
  let set = listeners.get(event)
  if (set === undefined) listeners.set(event, (set = new Set()))
  set.add(listener)
  return () => void set.delete(listener)
}

const bridge = { invoke, subscribe } as KeelBridge
contextBridge.exposeInMainWorld('keel', bridge)
