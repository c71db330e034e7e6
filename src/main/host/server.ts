// The browser host: serves the built renderer on 127.0.0.1 and carries Keel's IPC contract over a WebSocket, so
// the same core runs behind a browser where Electron cannot run. It adds no behaviour of its own: every invoke goes
// to core.dispatch (which validates it) and every core event is broadcast to every connected page.
//
// Who may talk to it: a page must present the per-launch token (it arrives in the URL printed at start) and, when
// the client is a browser, come from the host's own origin. Requests naming another Host are refused (DNS
// rebinding). Invoke inputs may carry API keys (providers.setKey, providers.create): they are never logged.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { realpath } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { InvokeResult } from '../../shared/contract'
import type { KeelCore } from '../core/app/keel-core.types'
import { RENDERER_CSP } from '../electron/renderer-csp'
import { contentType, resolveStaticFile } from '../electron/renderer-files'

export const WS_PATH = '/keel-ws'
/**
 * GET /keel-token?token=T answers 204 when T is this launch's token and 401 when it is not. A browser cannot see
 * why a WebSocket handshake was refused, so a page whose connection fails asks here: 401 means the page belongs to
 * an earlier run of the host (the token changes at every launch) and must be opened from the new URL; no answer
 * means the host is down. It says nothing a refused handshake does not already say.
 */
export const TOKEN_CHECK_PATH = '/keel-token'
/** Larger messages close the connection (1009); the biggest legitimate input is a 1 MB chat message or draft. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024
/** How long pages get to answer the close frame at shutdown. */
const CLOSE_GRACE_MS = 1000

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

export interface HostServerOptions {
  core: Pick<KeelCore, 'dispatch' | 'subscribe'>
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** A loopback address; the host never listens on other interfaces. */
  host?: string
  /** Where human-readable log lines go (default: stderr). */
  log?: (line: string) => void
}

export interface HostServer {
  /** The URL to open, token included: http://127.0.0.1:PORT/?token=TOKEN */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

/** Messages on the WebSocket, both directions. */
export type ClientMessage = { t: 'invoke'; id: number; channel: string; input: unknown }
export type ServerMessage =
  | { t: 'result'; id: number | null; result: InvokeResult }
  | { t: 'event'; event: string; payload: unknown }

export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const host = options.host ?? '127.0.0.1'
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`The browser host only listens on loopback, not on ${host}`)
  const log = options.log ?? ((line: string) => process.stderr.write(`[keel-host] ${line}\n`))
  const { core } = options
  const rendererRoot = await realpath(path.resolve(options.rendererDir)).catch(() => path.resolve(options.rendererDir))
  const token = randomBytes(24).toString('base64url')
  const tokenDigest = sha256(token)
  let port = 0

  const server = http.createServer((req, res) => {
    void serveStatic(req, res).catch((error: unknown) => {
      log(`static file error: ${describeError(error)}`)
      if (!res.headersSent) sendText(res, 500, 'Internal error')
      else res.destroy()
    })
  })

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isOwnHost(req.headers.host, port)) return sendText(res, 403, 'Forbidden host')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return sendText(res, 405, 'Method not allowed')
    }
    const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (requestUrl.pathname === TOKEN_CHECK_PATH) {
      const valid = isLaunchToken(requestUrl.searchParams.get('token'), tokenDigest)
      setSecurityHeaders(res)
      res.writeHead(valid ? 204 : 401, { 'Cache-Control': 'no-store' })
      return void res.end()
    }
    const file = await resolveStaticFile(rendererRoot, req.url ?? '/')
    if (file === null) return sendText(res, 404, 'Not found')
    setSecurityHeaders(res)
    res.writeHead(200, {
      'Content-Type': contentType(file.path),
      'Content-Length': String(file.size),
      'Cache-Control': 'no-store',
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file.path)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that hangs up mid-handshake must not take the server down with an unhandled 'error'.
    socket.on('error', () => socket.destroy())
    const refusal = checkUpgrade(req, port, tokenDigest)
    if (refusal !== null) {
      log(`refused a WebSocket connection: ${refusal.reason}`)
      socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  wss.on('connection', (ws: WebSocket) => {
    log(`page connected (${wss.clients.size} open)`)
    ws.on('message', (data: RawData, isBinary: boolean) => void answer(ws, data, isBinary))
    ws.on('error', (error) => log(`WebSocket error: ${describeError(error)}`))
    ws.on('close', () => log(`page disconnected (${wss.clients.size} open)`))
  })

  async function answer(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    const message = parseClientMessage(data, isBinary)
    if (!message.ok) {
      log(`malformed message: ${message.message}`)
      return send(ws, { t: 'result', id: message.id, result: invalidInput(message.message) })
    }
    let result: InvokeResult
    try {
      result = await core.dispatch(message.channel, message.input)
    } catch (error) {
      // dispatch promises never to throw; if it does, the page still gets an answer. The error text may quote
      // the input, so only its type is logged.
      log(`core.dispatch threw on ${message.channel}: ${error instanceof Error ? error.name : typeof error}`)
      result = { ok: false, error: { kind: 'internal', message: `Keel failed to handle ${message.channel}.` } }
    }
    send(ws, { t: 'result', id: message.id, result })
  }

  function send(ws: WebSocket, message: ServerMessage): void {
    const text = serialize(message)
    if (text !== null && ws.readyState === ws.OPEN) ws.send(text)
  }

  function serialize(message: ServerMessage): string | null {
    try {
      return JSON.stringify(message)
    } catch (error) {
      log(`could not serialize a ${message.t} message: ${describeError(error)}`)
      if (message.t !== 'result') return null
      return JSON.stringify({
        t: 'result',
        id: message.id,
        result: { ok: false, error: { kind: 'internal', message: 'Keel produced an answer it could not send.' } },
      } satisfies ServerMessage)
    }
  }

  const unsubscribe = core.subscribe((event, payload) => {
    const text = serialize({ t: 'event', event, payload })
    if (text === null) return
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text)
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    unsubscribe()
    wss.close()
    throw error
  }
  port = (server.address() as AddressInfo).port
  server.on('error', (error) => log(`server error: ${describeError(error)}`))

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe()
      // Say goodbye, give pages a moment to answer the close frame, then cut whatever is left.
      const closed = [...wss.clients].map((client) => new Promise<void>((resolve) => {
        client.once('close', () => resolve())
        client.close(1001, 'Keel is shutting down')
      }))
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all(closed),
        new Promise<void>((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS).unref())),
      ])
      clearTimeout(grace)
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    })()
    return closing
  }

  return { url: `http://127.0.0.1:${port}/?token=${token}`, port, token, close }
}

type ParsedMessage = ({ ok: true } & ClientMessage) | { ok: false; id: number | null; message: string }

/** Reads one client message; anything that is not a well-formed invoke is described, never thrown. */
export function parseClientMessage(data: RawData, isBinary: boolean): ParsedMessage {
  if (isBinary) return { ok: false, id: null, message: 'Binary messages are not accepted; send JSON text.' }
  let value: unknown
  try {
    value = JSON.parse(rawToString(data))
  } catch {
    return { ok: false, id: null, message: 'The message is not valid JSON.' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, message: 'The message must be a JSON object.' }
  }
  const record = value as Record<string, unknown>
  const id = typeof record.id === 'number' && Number.isSafeInteger(record.id) ? record.id : null
  if (record.t !== 'invoke') return { ok: false, id, message: `Unknown message type; expected t: "invoke".` }
  if (id === null) return { ok: false, id: null, message: 'An invoke needs an integer id.' }
  if (typeof record.channel !== 'string') return { ok: false, id, message: 'An invoke needs a channel name.' }
  return { ok: true, t: 'invoke', id, channel: record.channel, input: record.input }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function invalidInput(message: string): InvokeResult {
  return { ok: false, error: { kind: 'invalid-input', message } }
}

interface UpgradeRefusal {
  status: 400 | 401 | 403 | 404
  reason: string
}

function checkUpgrade(req: http.IncomingMessage, port: number, tokenDigest: Buffer): UpgradeRefusal | null {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname !== WS_PATH) return { status: 404, reason: `unknown path ${url.pathname}` }
  if (!isOwnHost(req.headers.host, port)) return { status: 403, reason: 'foreign Host header' }
  const origin = req.headers.origin
  if (origin !== undefined && !isOwnOrigin(origin, port)) return { status: 403, reason: 'foreign Origin' }
  if (!isLaunchToken(url.searchParams.get('token'), tokenDigest)) return { status: 401, reason: 'missing or wrong token' }
  return null
}

function isLaunchToken(token: string | null, tokenDigest: Buffer): boolean {
  return token !== null && timingSafeEqual(sha256(token), tokenDigest)
}

function isOwnHost(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return false
  return hostHeader === `127.0.0.1:${port}` || hostHeader === `localhost:${port}` || hostHeader === `[::1]:${port}`
}

function isOwnOrigin(origin: string, port: number): boolean {
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
}

/** Hashing both sides gives timingSafeEqual equal lengths and reveals nothing about the token's length. */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function setSecurityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', RENDERER_CSP)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  setSecurityHeaders(res)
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) })
  res.end(text)
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
