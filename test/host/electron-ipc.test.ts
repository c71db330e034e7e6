// The Electron side of the contract, with Electron's modules replaced by stand-ins (no Electron binary exists
// here, and importing the real 'electron' package would try to download one): the preload exposes only invoke and
// subscribe, and main's IPC handler answers only Keel's own top-level frame.
import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { CoreEventListener, KeelCore } from '../../src/main/core/app/keel-core.types'
import { WIRE, type InvokeResult } from '../../src/shared/contract'

const electron = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => unknown
  const rendererListeners = new Map<string, Handler[]>()
  const mainHandlers = new Map<string, Handler>()
  const windows: Array<{ webContents: { isDestroyed: () => boolean; getURL: () => string; send: (...args: unknown[]) => void } }> = []
  return {
    exposed: new Map<string, unknown>(),
    rendererListeners,
    mainHandlers,
    windows,
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
    ipcRenderer: {
      invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'from main' })),
      on: (channel: string, listener: Handler) => rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]),
    },
    ipcMain: {
      handle: (channel: string, handler: Handler) => mainHandlers.set(channel, handler),
      removeHandler: (channel: string) => mainHandlers.delete(channel),
    },
    BrowserWindow: { getAllWindows: () => windows },
  }
})
vi.mock('electron', () => ({
  contextBridge: electron.contextBridge,
  ipcRenderer: electron.ipcRenderer,
  ipcMain: electron.ipcMain,
  BrowserWindow: electron.BrowserWindow,
}))

/** What main sends on WIRE.event, as the preload's ipcRenderer listener receives it. */
function sendFromMain(name: string, payload: unknown): void {
  const ipcEvent = { sender: 'the IpcRendererEvent must not reach the page' }
  for (const listener of electron.rendererListeners.get(WIRE.event) ?? []) listener(ipcEvent, name, payload)
}

describe('preload bridge', async () => {
  await import('../../src/preload/index')
  const bridge = electron.exposed.get('keel') as {
    invoke: (channel: unknown, input: unknown) => Promise<InvokeResult>
    subscribe: (event: unknown, callback: unknown) => () => void
  }
  beforeEach(() => electron.ipcRenderer.invoke.mockClear())

  it('exposes window.keel with invoke and subscribe, and nothing else', () => {
    expect([...electron.exposed.keys()]).toEqual(['keel'])
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe'])
  })

  it('sends contract channels to main and refuses others without sending them', async () => {
    expect(await bridge.invoke('app.state', {})).toEqual({ ok: true, value: 'from main' })
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(WIRE.invoke, 'app.state', {})

    electron.ipcRenderer.invoke.mockClear()
    for (const channel of ['keel:invoke', 'electron-store-get-data', 'constructor', '__proto__', 42]) {
      const result = await bridge.invoke(channel, {})
      expect(result.ok, String(channel)).toBe(false)
      expect(!result.ok && result.error.kind).toBe('invalid-input')
    }
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('answers with an envelope when main does not answer (e.g. while quitting)', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error("No handler registered for 'keel:invoke'"))
    const result = await bridge.invoke('sessions.list', {})
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error.kind).toBe('internal')
  })

  it('delivers only the payload of the subscribed event, until unsubscribed', () => {
    const received: unknown[][] = []
    const unsubscribe = bridge.subscribe('sessions', (...args: unknown[]) => received.push(args))
    sendFromMain('sessions', { reason: 'created' })
    sendFromMain('providers', { reason: 'changed' })
    sendFromMain('not-an-event', { reason: 'x' })
    expect(received).toEqual([[{ reason: 'created' }]])

    unsubscribe()
    sendFromMain('sessions', { reason: 'renamed' })
    expect(received).toHaveLength(1)
  })

  it('keeps delivering to other listeners when one throws', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const received: unknown[] = []
    const offA = bridge.subscribe('app', () => {
      throw new Error('listener bug')
    })
    const offB = bridge.subscribe('app', (payload: unknown) => received.push(payload))
    sendFromMain('app', { reason: 'r' })
    expect(received).toEqual([{ reason: 'r' }])
    offA()
    offB()
    spy.mockRestore()
  })

  it('refuses unknown events and non-function callbacks', () => {
    expect(() => bridge.subscribe('keel:event', () => undefined)).toThrow(TypeError)
    expect(() => bridge.subscribe('sessions', 'not a function')).toThrow(TypeError)
  })
})

describe('main IPC handler', async () => {
  const { registerKeelIpc } = await import('../../src/main/electron/ipc')
  // What Electron reports for the main window's frame: the renderer is served from app://keel.
  const keelPage = 'app://keel/index.html'

  function setup() {
    const listeners = new Set<CoreEventListener>()
    const dispatch = vi.fn(async (channel: unknown, input: unknown): Promise<InvokeResult> => ({ ok: true, value: { channel, input } }))
    const core: Pick<KeelCore, 'dispatch' | 'subscribe'> = {
      dispatch,
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const unregister = registerKeelIpc(core, {})
    const handler = electron.mainHandlers.get(WIRE.invoke)!
    const call = (senderFrame: unknown, channel: unknown, input: unknown) => handler({ senderFrame }, channel, input) as Promise<InvokeResult>
    return { core, dispatch, listeners, unregister, call }
  }

  it("answers Keel's own top-level page through core.dispatch", async () => {
    const { dispatch, unregister, call } = setup()
    expect(await call({ url: keelPage, parent: null }, 'app.state', { a: 1 })).toEqual({ ok: true, value: { channel: 'app.state', input: { a: 1 } } })
    expect(dispatch).toHaveBeenCalledOnce()
    unregister()
  })

  it('still answers with an envelope if the core throws, without echoing the error text', async () => {
    const { dispatch, unregister, call } = setup()
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    dispatch.mockRejectedValueOnce(new Error('bad key sk-secret-value'))
    const result = await call({ url: keelPage, parent: null }, 'providers.setKey', { id: 'x', key: 'sk-secret-value' })
    expect(result).toMatchObject({ ok: false, error: { kind: 'internal' } })
    expect(JSON.stringify(result)).not.toContain('sk-secret-value')
    expect(spy.mock.calls.flat().join('')).not.toContain('sk-secret-value')
    spy.mockRestore()
    unregister()
  })

  it('refuses iframes, foreign pages and vanished frames without reaching the core', async () => {
    const { dispatch, unregister, call } = setup()
    for (const frame of [
      { url: keelPage, parent: { url: keelPage } },
      { url: 'https://evil.example/', parent: null },
      { url: pathToFileURL('/tmp/evil.html').href, parent: null },
      // The built renderer itself, opened as a file: Keel never loads from file://, so no file page is trusted.
      { url: pathToFileURL('/opt/keel/out/renderer/index.html').href, parent: null },
      null,
    ]) {
      expect(await call(frame, 'providers.setKey', { id: 'x', key: 'k' })).toEqual({
        ok: false,
        error: { kind: 'forbidden', message: 'IPC from an untrusted frame' },
      })
    }
    expect(dispatch).not.toHaveBeenCalled()
    unregister()
  })

  it("broadcasts core events to windows showing Keel's renderer, and stops after unregistering", () => {
    const { listeners, unregister } = setup()
    const window = (url: string, destroyed = false) => ({ webContents: { isDestroyed: () => destroyed, getURL: () => url, send: vi.fn() } })
    const keel = window(keelPage)
    const foreign = window('https://evil.example/')
    const gone = window(keelPage, true)
    electron.windows.splice(0, electron.windows.length, keel, foreign, gone)

    for (const listener of listeners) listener('sessions', { reason: 'created', changes: [{ id: 's1', kind: 'created' }], all: false })
    expect(keel.webContents.send).toHaveBeenCalledWith(WIRE.event, 'sessions', { reason: 'created', changes: [{ id: 's1', kind: 'created' }], all: false })
    expect(foreign.webContents.send).not.toHaveBeenCalled()
    expect(gone.webContents.send).not.toHaveBeenCalled()

    unregister()
    expect(listeners.size).toBe(0)
    expect(electron.mainHandlers.has(WIRE.invoke)).toBe(false)
  })
})
