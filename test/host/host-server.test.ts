// The browser host as a user's browser (and an attacker's page) meets it: static files, the token, the Origin
// check, the invoke/result/event protocol, and malformed messages that must not bring it down.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { EventName, EventPayload, InvokeResult } from '../../src/shared/contract'
import type { CoreEventListener, KeelCore } from '../../src/main/core/app/keel-core.types'
import { startHostServer, type HostServer, type ServerMessage } from '../../src/main/host/server'

const INDEX_HTML = '<!doctype html><title>Keel test renderer</title>'
const SECRET = 'outside-the-renderer-dir'

/** A stand-in for the core: the host is an adapter, so all it needs is dispatch and subscribe. */
function fakeCore() {
  const listeners = new Set<CoreEventListener>()
  const calls: Array<{ channel: unknown; input: unknown }> = []
  const core: Pick<KeelCore, 'dispatch' | 'subscribe'> = {
    async dispatch(channel, input): Promise<InvokeResult> {
      calls.push({ channel, input })
      if (channel === 'app.state') return { ok: true, value: { echo: input } }
      return { ok: false, error: { kind: 'invalid-input', message: `Unknown channel: ${String(channel)}` } }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    for (const listener of listeners) listener(event, payload)
  }
  return { core, calls, emit, listeners }
}

/** A raw GET, so paths like /../x reach the server unnormalized (fetch would clean them up first). */
function rawGet(port: number, rawPath: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Resolves with the socket once open, or with the HTTP status that refused the upgrade. */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 })
      res.resume()
      ws.terminate()
    })
    ws.once('error', reject)
  })
}

/** Collects server messages so a test can await the next one that matches. */
function inbox(ws: WebSocket) {
  const queue: ServerMessage[] = []
  const waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = []
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage
    const waiter = waiters.find((w) => w.match(message))
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(message)
    } else queue.push(message)
  })
  return {
    next(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
      const queued = queue.findIndex(match)
      if (queued >= 0) return Promise.resolve(queue.splice(queued, 1)[0]!)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
  }
}

const resultFor = (id: number | null) => (m: ServerMessage) => m.t === 'result' && m.id === id

describe('browser host server', () => {
  let dir: string
  let server: HostServer
  let fake: ReturnType<typeof fakeCore>
  let wsUrl: string
  let origin: string
  const logLines: string[] = []

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keel-host-test-'))
    const rendererDir = path.join(dir, 'renderer')
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true })
    await writeFile(path.join(rendererDir, 'index.html'), INDEX_HTML)
    await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("keel")')
    await writeFile(path.join(dir, 'secret.txt'), SECRET)
    fake = fakeCore()
    server = await startHostServer({ core: fake.core, rendererDir, port: 0, host: '127.0.0.1', log: (line) => logLines.push(line) })
    origin = `http://127.0.0.1:${server.port}`
    wsUrl = `ws://127.0.0.1:${server.port}/keel-ws?token=${server.token}`
  })

  afterAll(async () => {
    await server?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('prints a loopback URL carrying the launch token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it('serves index.html for / and assets with their content types and security headers', async () => {
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await page.text()).toBe(INDEX_HTML)

    const script = await fetch(`${origin}/assets/app.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')

    expect((await fetch(`${origin}/missing.js`)).status).toBe(404)
  })

  it('never serves a file outside the renderer directory', async () => {
    for (const attempt of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/../package.json',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/index.html%00.js',
    ]) {
      const res = await rawGet(server.port, attempt)
      expect(res.status, attempt).toBe(404)
      expect(res.body, attempt).not.toContain(SECRET)
    }
  })

  it('refuses pages reached through another host name (DNS rebinding)', async () => {
    const res = await rawGet(server.port, '/', { host: `evil.example:${server.port}` })
    expect(res.status).toBe(403)
  })

  it('refuses WebSocket connections without the right token', async () => {
    expect(await connect(`ws://127.0.0.1:${server.port}/keel-ws`)).toEqual({ refused: 401 })
    expect(await connect(`ws://127.0.0.1:${server.port}/keel-ws?token=wrong`)).toEqual({ refused: 401 })
    expect(await connect(`ws://127.0.0.1:${server.port}/keel-ws?token=${server.token}x`)).toEqual({ refused: 401 })
    expect(await connect(`ws://127.0.0.1:${server.port}/elsewhere?token=${server.token}`)).toEqual({ refused: 404 })
  })

  it('tells a page whether its token is this launch\'s (so a page from an earlier run can say so)', async () => {
    const check = (query: string, headers: http.OutgoingHttpHeaders = {}) => rawGet(server.port, `/keel-token${query}`, headers)
    const current = await check(`?token=${server.token}`)
    expect(current.status).toBe(204)
    expect(current.headers['cache-control']).toBe('no-store')
    expect(current.body).toBe('')
    const stale = await check('?token=from-an-earlier-run')
    expect(stale.status).toBe(401)
    expect(stale.body).toBe('')
    expect((await check('')).status).toBe(401)
    expect((await check(`?token=${server.token}x`)).status).toBe(401)
    // Like every other request: only under the host's own name.
    expect((await check(`?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403)
  })

  it('refuses WebSocket connections from another origin, even with the token', async () => {
    expect(await connect(wsUrl, { origin: 'http://evil.example' })).toEqual({ refused: 403 })
    expect(await connect(wsUrl, { origin: `http://127.0.0.1:${server.port + 1}` })).toEqual({ refused: 403 })
    expect(await connect(wsUrl, { origin: 'null' })).toEqual({ refused: 403 })
  })

  it('accepts its own origin (127.0.0.1 or localhost)', async () => {
    for (const own of [origin, `http://localhost:${server.port}`]) {
      const conn = await connect(wsUrl, { origin: own })
      expect('ws' in conn, own).toBe(true)
      if ('ws' in conn) conn.ws.close()
    }
  })

  it('round-trips invokes through core.dispatch and broadcasts core events to every page', async () => {
    const a = await connect(wsUrl, { origin })
    const b = await connect(wsUrl)
    if (!('ws' in a) || !('ws' in b)) throw new Error('connection refused')
    const inboxA = inbox(a.ws)
    const inboxB = inbox(b.ws)

    a.ws.send(JSON.stringify({ t: 'invoke', id: 7, channel: 'app.state', input: { probe: 1 } }))
    expect(await inboxA.next(resultFor(7))).toEqual({ t: 'result', id: 7, result: { ok: true, value: { echo: { probe: 1 } } } })
    expect(fake.calls.at(-1)).toEqual({ channel: 'app.state', input: { probe: 1 } })

    a.ws.send(JSON.stringify({ t: 'invoke', id: 8, channel: 'no.such', input: {} }))
    const refused = await inboxA.next(resultFor(8))
    expect(refused.t === 'result' && refused.result.ok).toBe(false)

    const created = { reason: 'created', changes: [{ id: 's1', kind: 'created' as const }], all: false }
    fake.emit('sessions', created)
    const isSessionsEvent = (m: ServerMessage) => m.t === 'event' && m.event === 'sessions'
    expect(await inboxA.next(isSessionsEvent)).toEqual({ t: 'event', event: 'sessions', payload: created })
    expect(await inboxB.next(isSessionsEvent)).toEqual({ t: 'event', event: 'sessions', payload: created })

    a.ws.close()
    b.ws.close()
  })

  it('answers malformed messages with invalid-input and keeps serving', async () => {
    const conn = await connect(wsUrl, { origin })
    if (!('ws' in conn)) throw new Error('connection refused')
    const messages = inbox(conn.ws)
    const isInvalid = (m: ServerMessage) => m.t === 'result' && !m.result.ok && m.result.error.kind === 'invalid-input'

    conn.ws.send('{not json')
    expect(await messages.next(resultFor(null))).toSatisfy(isInvalid)
    conn.ws.send(JSON.stringify([1, 2, 3]))
    expect(await messages.next(resultFor(null))).toSatisfy(isInvalid)
    conn.ws.send(JSON.stringify({ t: 'invoke', channel: 'app.state', input: {} }))
    expect(await messages.next(resultFor(null))).toSatisfy(isInvalid)
    conn.ws.send(JSON.stringify({ t: 'invoke', id: 3, input: {} }))
    expect(await messages.next(resultFor(3))).toSatisfy(isInvalid)
    conn.ws.send(JSON.stringify({ t: 'subscribe', id: 4 }))
    expect(await messages.next(resultFor(4))).toSatisfy(isInvalid)
    conn.ws.send(Buffer.from([0xde, 0xad]), { binary: true })
    expect(await messages.next(resultFor(null))).toSatisfy(isInvalid)

    // Same connection still works, and so does the HTTP side.
    conn.ws.send(JSON.stringify({ t: 'invoke', id: 5, channel: 'app.state', input: {} }))
    expect(await messages.next(resultFor(5))).toMatchObject({ result: { ok: true } })
    expect((await fetch(server.url)).status).toBe(200)
    conn.ws.close()
  })

  it('never logs what pages send (inputs can carry API keys)', async () => {
    const conn = await connect(wsUrl, { origin })
    if (!('ws' in conn)) throw new Error('connection refused')
    const messages = inbox(conn.ws)
    const key = 'sk-test-host-log-probe-0123456789'
    conn.ws.send(JSON.stringify({ t: 'invoke', id: 21, channel: 'providers.setKey', input: { id: 'openai', key } }))
    await messages.next(resultFor(21))
    conn.ws.send(JSON.stringify({ t: 'invoke', channel: 'providers.setKey', input: { id: 'openai', key } }))
    await messages.next(resultFor(null))
    conn.ws.send(`{"t":"invoke","id":22,"input":{"key":"${key}"`)
    await messages.next(resultFor(null))
    conn.ws.close()
    expect(logLines.length).toBeGreaterThan(0)
    expect(logLines.join('\n')).not.toContain(key)
  })

  it('drops a connection whose message is over the size limit, and serves the next one', async () => {
    const conn = await connect(wsUrl, { origin })
    if (!('ws' in conn)) throw new Error('connection refused')
    const closed = new Promise<number>((resolve) => conn.ws.once('close', (code) => resolve(code)))
    conn.ws.send('x'.repeat(2 * 1024 * 1024 + 1))
    expect(await closed).toBe(1009)

    const next = await connect(wsUrl, { origin })
    if (!('ws' in next)) throw new Error('connection refused')
    const messages = inbox(next.ws)
    next.ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'app.state', input: {} }))
    expect(await messages.next(resultFor(1))).toMatchObject({ result: { ok: true } })
    next.ws.close()
  })

  it('closes pages and stops listening to the core on close', async () => {
    const other = await startHostServer({ core: fake.core, rendererDir: dir, port: 0, log: () => undefined })
    const listenersBefore = fake.listeners.size
    const conn = await connect(`ws://127.0.0.1:${other.port}/keel-ws?token=${other.token}`)
    if (!('ws' in conn)) throw new Error('connection refused')
    const closed = new Promise<number>((resolve) => conn.ws.once('close', (code) => resolve(code)))
    await other.close()
    expect(await closed).toBe(1001)
    expect(fake.listeners.size).toBe(listenersBefore - 1)
  })

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startHostServer({ core: fake.core, rendererDir: dir, host: '0.0.0.0' })).rejects.toThrow(/loopback/)
  })
})
