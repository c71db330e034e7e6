// The renderer's only way to main: the `KeelBridge` of the shared contract.
// - In Electron the preload exposes it as `window.keel`.
// - In the browser host there is no preload; the same contract travels over a WebSocket to `/keel-ws`.
// Either way every reply and every event is validated against the contract's zod schemas before the UI sees it.
import type { ZodType } from 'zod'
import {
  channels,
  events,
  InvokeResult as InvokeResultSchema,
  isEventName,
  type Channel,
  type ChannelInput,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type InvokeResult,
  type KeelBridge,
} from '../../shared/contract'
import type { KeelErrorData } from '../../shared/domain'
import { KeelUiError, LOST_CONNECTION } from './errors'

// ---------------------------------------------------------------------------------------------------------------
// Connection state (only the WebSocket bridge ever leaves `open`)

export type ConnectionStatus = 'connecting' | 'open' | 'closed'
export interface ConnectionState {
  status: ConnectionStatus
  /** Why we are not connected, when we know (for example: no access token in the URL). */
  detail: string | null
  /** Increments on every successful re-connection, so views refetch what they may have missed. */
  generation: number
  /** False until the first connection opened; the banner only shows once we were connected or gave up. */
  everOpened: boolean
  /**
   * The host refused this page's token: the page comes from an earlier run of the host (the token changes at every
   * launch). Nothing will reconnect it; the user must open the new URL. Until then no data is shown, and none is lost.
   */
  stale: boolean
}

let connection: ConnectionState = { status: 'open', detail: null, generation: 0, everOpened: true, stale: false }
const connectionListeners = new Set<() => void>()

function setConnection(next: Partial<ConnectionState>): void {
  connection = { ...connection, ...next }
  for (const listener of connectionListeners) listener()
}

export function getConnection(): ConnectionState {
  return connection
}

export function subscribeConnection(listener: () => void): () => void {
  connectionListeners.add(listener)
  return () => connectionListeners.delete(listener)
}

// ---------------------------------------------------------------------------------------------------------------
// Validation shared by both transports

const invalidReply = (channel: string): KeelErrorData => ({
  kind: 'internal',
  message: `Keel sent a reply to ${channel} that does not match the contract`,
  fix: 'Reload the window; if it keeps happening, the app and its window are from different versions',
})

function checkResult<C extends Channel>(channel: C, raw: unknown): InvokeResult<ChannelOutput<C>> {
  const envelope = InvokeResultSchema.safeParse(raw)
  if (!envelope.success) {
    console.warn(`keel: malformed result envelope for ${channel}`, envelope.error.issues)
    return { ok: false, error: invalidReply(channel) }
  }
  if (!envelope.data.ok) return envelope.data
  const output = (channels[channel].output as ZodType).safeParse(envelope.data.value)
  if (!output.success) {
    console.warn(`keel: invalid output for ${channel}`, output.error.issues)
    return { ok: false, error: invalidReply(channel) }
  }
  return { ok: true, value: output.data as ChannelOutput<C> }
}

function checkEvent<E extends EventName>(event: E, payload: unknown): EventPayload<E> | null {
  const parsed = (events[event] as ZodType).safeParse(payload)
  if (!parsed.success) {
    console.warn(`keel: dropped invalid ${event} event`, parsed.error.issues)
    return null
  }
  return parsed.data as EventPayload<E>
}

/** Wraps a transport so that nothing unvalidated reaches a component and nothing throws out of `invoke`. */
function validating(inner: KeelBridge): KeelBridge {
  return {
    async invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<InvokeResult<ChannelOutput<C>>> {
      let raw: unknown
      try {
        raw = await inner.invoke(channel, input)
      } catch (error) {
        console.warn(`keel: invoke ${channel} failed`, error)
        return { ok: false, error: LOST_CONNECTION }
      }
      return checkResult(channel, raw)
    },
    subscribe<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void {
      return inner.subscribe(event, (payload: unknown) => {
        const checked = checkEvent(event, payload)
        if (checked !== null) callback(checked)
      })
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket transport for the browser host

const TOKEN_KEY = 'keel.token'

/** The host's one-time token: from the URL first (then kept for reloads of this tab), else from sessionStorage. */
function readToken(): string | null {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl)
      // Keep the token out of the address bar, history and screenshots; a reload reads it from sessionStorage.
      url.searchParams.delete('token')
      history.replaceState(history.state, '', url.pathname + url.search + url.hash)
    } catch {
      // Storage may be disabled; the token in the URL still works for this load.
    }
    return fromUrl
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

type ServerMessage =
  | { t: 'result'; id: number; result: unknown }
  | { t: 'event'; event: unknown; payload: unknown }

function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null
  let message: unknown
  try {
    message = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof message !== 'object' || message === null) return null
  const m = message as Record<string, unknown>
  if (m.t === 'result' && typeof m.id === 'number') return { t: 'result', id: m.id, result: m.result }
  if (m.t === 'event') return { t: 'event', event: m.event, payload: m.payload }
  return null
}

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000]

export const STALE_PAGE_MESSAGE = 'This page belongs to an earlier run of the Keel host: open the new URL printed in the terminal.'

/**
 * Why the WebSocket failed, asked over plain HTTP (a browser does not expose a refused handshake's status): 'stale'
 * when the host answers that the token is not this launch's, 'unreachable' when nothing answers, else 'ok'.
 */
async function checkToken(token: string): Promise<'ok' | 'stale' | 'unreachable'> {
  try {
    const response = await fetch(`/keel-token?token=${encodeURIComponent(token)}`, { cache: 'no-store' })
    return response.status === 401 ? 'stale' : 'ok'
  } catch {
    return 'unreachable'
  }
}

class WebSocketTransport implements KeelBridge {
  private socket: WebSocket | null = null
  private nextId = 1
  /** Invocations sent or queued, answered by id; all answered with LOST_CONNECTION when the socket closes. */
  private readonly pending = new Map<number, (result: unknown) => void>()
  private readonly queue: string[] = []
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  private attempts = 0

  private readonly url: string | null

  constructor(private readonly token: string | null) {
    this.url = token ? webSocketUrl(token) : null
    setConnection({ status: 'connecting', everOpened: false })
    this.connect()
  }

  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<InvokeResult<ChannelOutput<C>>> {
    if (connection.status === 'closed') return Promise.resolve({ ok: false, error: LOST_CONNECTION })
    const id = this.nextId++
    const frame = JSON.stringify({ t: 'invoke', id, channel, input })
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (result: unknown) => void)
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame)
      else this.queue.push(frame)
    })
  }

  subscribe<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const listener = callback as (payload: unknown) => void
    set.add(listener)
    return () => set.delete(listener)
  }

  private connect(): void {
    if (!this.url) {
      setConnection({
        status: 'closed',
        detail: 'This page has no access token. Open the address printed by `npm run host`.',
        everOpened: true,
      })
      return
    }
    setConnection({ status: 'connecting' })
    const socket = new WebSocket(this.url)
    this.socket = socket
    socket.onopen = () => {
      const reconnected = connection.everOpened
      this.attempts = 0
      for (const frame of this.queue.splice(0)) socket.send(frame)
      setConnection({
        status: 'open',
        detail: null,
        everOpened: true,
        generation: reconnected ? connection.generation + 1 : connection.generation,
      })
    }
    socket.onmessage = (message) => this.receive(message.data)
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.queue.length = 0
      const waiting = [...this.pending.values()]
      this.pending.clear()
      for (const resolve of waiting) resolve({ ok: false, error: LOST_CONNECTION })
      setConnection({ status: 'closed', everOpened: true })
      void this.afterClose()
    }
  }

  /** Reconnects with a growing delay, unless the host says this page's token belongs to an earlier run. */
  private async afterClose(): Promise<void> {
    const token = await checkToken(this.token ?? '')
    if (token === 'stale') {
      setConnection({ status: 'closed', stale: true, detail: STALE_PAGE_MESSAGE, everOpened: true })
      return
    }
    setConnection({
      detail: token === 'unreachable' ? 'The Keel host is not answering. If you restarted it, open the new URL it printed.' : null,
    })
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempts, RECONNECT_DELAYS_MS.length - 1)] ?? 15000
    this.attempts += 1
    setTimeout(() => this.connect(), delay)
  }

  private receive(data: unknown): void {
    const message = parseServerMessage(data)
    if (!message) {
      console.warn('keel: dropped a malformed message from the host')
      return
    }
    if (message.t === 'result') {
      const resolve = this.pending.get(message.id)
      if (!resolve) return
      this.pending.delete(message.id)
      resolve(message.result)
      return
    }
    if (!isEventName(message.event)) {
      console.warn('keel: dropped an event with an unknown name', message.event)
      return
    }
    for (const listener of this.listeners.get(message.event) ?? []) {
      try {
        listener(message.payload)
      } catch (error) {
        console.error(`keel: ${message.event} listener failed`, error)
      }
    }
  }
}

function webSocketUrl(token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/keel-ws?token=${encodeURIComponent(token)}`
}

// ---------------------------------------------------------------------------------------------------------------
// The bridge and the typed helper components use

let instance: KeelBridge | null = null

export function bridge(): KeelBridge {
  if (!instance) {
    instance = validating(window.keel ?? new WebSocketTransport(readToken()))
  }
  return instance
}

/** Invokes a channel and returns its value, or throws a KeelUiError carrying the error's message and fix. */
export async function call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
  const result = await bridge().invoke(channel, input)
  if (!result.ok) throw new KeelUiError(result.error)
  return result.value
}

export function subscribe<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void {
  return bridge().subscribe(event, callback)
}
