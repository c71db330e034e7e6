// fetch_url against a real HTTP server on 127.0.0.1: a plain GET with no credentials, text bodies returned, binary ones
// described, the size cap and time limit enforced, Stop honoured, and URLs that are not http(s) or that carry a user
// name or password refused before any request is made (redirects included).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FETCH_BODY_CAP, fetchUrl } from '../../src/main/core/tools/fetch-url'
import { toolFixture } from '../core/tools/tool-fixture'

interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
}

let server: http.Server
let base: string
let seen: Seen[]
let requestArrived: Promise<void>
let signalArrival: () => void
const held: http.ServerResponse[] = []

beforeEach(async () => {
  seen = []
  requestArrived = new Promise((resolve) => {
    signalArrival = resolve
  })
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    signalArrival()
    const route = req.url ?? '/'
    if (route === '/hello') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end('<h1>Hello</h1>')
    } else if (route === '/latin1') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' })
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9])) // "café" in Latin-1
    } else if (route === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('z'.repeat(FETCH_BODY_CAP + 100_000))
    } else if (route === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' })
      res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]))
    } else if (route === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('no such page')
    } else if (route === '/redirect') {
      res.writeHead(302, { location: '/hello' })
      res.end()
    } else if (route === '/redirect-userinfo') {
      res.writeHead(302, { location: `http://admin:hunter2@127.0.0.1:${(server.address() as AddressInfo).port}/hello` })
      res.end()
    } else if (route === '/redirect-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' })
      res.end()
    } else if (route === '/stall') {
      held.push(res) // never answered: the time limit or Stop must end the call
    } else {
      res.writeHead(500)
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  for (const res of held.splice(0)) res.destroy()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('fetch_url', () => {
  it('GETs a page and returns its text, with status and type; no credentials or cookies are sent', async () => {
    const f = toolFixture()
    const result = await fetchUrl.run({ url: `${base}/hello` }, f.ctx())
    expect(result).toMatchObject({ ok: true, outcome: 'succeeded', display: { kind: 'fetch', status: 200, bytes: 14 } })
    expect(result.text).toBe('HTTP 200 OK, text/html; charset=utf-8, 14 bytes\n\n<h1>Hello</h1>')
    expect(seen).toHaveLength(1)
    expect(seen[0].method).toBe('GET')
    expect(seen[0].headers.authorization).toBeUndefined()
    expect(seen[0].headers.cookie).toBeUndefined()
  })

  it('decodes the declared charset, describes binary bodies, and reports an HTTP error as a failed result', async () => {
    const f = toolFixture()
    expect((await fetchUrl.run({ url: `${base}/latin1` }, f.ctx())).text).toMatch(/\n\ncafé$/)
    const image = await fetchUrl.run({ url: `${base}/image` }, f.ctx())
    expect(image).toMatchObject({ ok: false })
    expect(image.text).toMatch(/Binary content \(image\/png\) is not shown/)
    const missing = await fetchUrl.run({ url: `${base}/missing` }, f.ctx())
    expect(missing).toMatchObject({ ok: false, display: { status: 404 } })
    expect(missing.text).toMatch(/^HTTP 404 Not Found, .*\n\nno such page$/)
  })

  it('cuts a body at the size cap; the model gets the head and can page through what was kept', async () => {
    const f = toolFixture()
    const result = await fetchUrl.run({ url: `${base}/huge` }, f.ctx())
    expect(result).toMatchObject({ ok: true, truncated: true, display: { bytes: FETCH_BODY_CAP } })
    const full = await f.store.read(result.fullResultId!)
    expect(full).toMatch(/^HTTP 200 OK, text\/plain, over 2\.0 MiB\n\nz+\n\[Body cut at 2\.0 MiB\.\]$/)
    expect(full!.match(/z/g)).toHaveLength(FETCH_BODY_CAP)
  })

  it('refuses other schemes and URLs with a user name or password, without making a request', async () => {
    const f = toolFixture()
    const port = new URL(base).port
    const cases: Array<[string, RegExp]> = [
      ['file:///etc/passwd', /Only http and https URLs can be fetched, not file/],
      ['ftp://127.0.0.1/x', /not ftp/],
      ['javascript:alert(1)', /not javascript/],
      [`http://admin:hunter2@127.0.0.1:${port}/hello`, /user name or password are refused/],
      [`http://token@127.0.0.1:${port}/hello`, /user name or password are refused/],
      ['not a url', /not a valid absolute URL/],
    ]
    for (const [url, reason] of cases) {
      const result = await fetchUrl.run({ url }, f.ctx())
      expect(result).toMatchObject({ ok: false, outcome: 'failed' })
      expect(result.text).toMatch(reason)
      expect(result.text).not.toContain('hunter2')
    }
    expect(seen).toEqual([])
  })

  it('follows a redirect, but not one to another scheme or to a URL with credentials', async () => {
    const f = toolFixture()
    const ok = await fetchUrl.run({ url: `${base}/redirect` }, f.ctx())
    expect(ok.text).toMatch(/^HTTP 200 OK \(after redirects: .*\/hello\)/)
    expect(ok.text).toMatch(/<h1>Hello<\/h1>$/)
    const toFile = await fetchUrl.run({ url: `${base}/redirect-file` }, f.ctx())
    expect(toFile.text).toMatch(/redirects to a URL that is not fetched: Only http and https/)
    const withPassword = await fetchUrl.run({ url: `${base}/redirect-userinfo` }, f.ctx())
    expect(withPassword.text).toMatch(/user name or password are refused/)
    expect(seen.map((s) => s.url)).toEqual(['/redirect', '/hello', '/redirect-file', '/redirect-userinfo'])
  })

  it('a server that never answers ends at the time limit', async () => {
    const f = toolFixture()
    const result = await fetchUrl.run({ url: `${base}/stall` }, f.ctx({ timeoutMs: 300 }))
    expect(result).toMatchObject({ ok: false, outcome: 'timed-out' })
    expect(result.text).toBe('The fetch timed out after 300 ms.')
  })

  it('Stop ends a fetch in flight', async () => {
    const f = toolFixture()
    const stop = new AbortController()
    const running = fetchUrl.run({ url: `${base}/stall` }, f.ctx({ signal: stop.signal }))
    await requestArrived
    stop.abort()
    const result = await running
    expect(result).toMatchObject({ ok: false, outcome: 'cancelled' })
    expect(result.text).toBe('The fetch was stopped by the user.')
  })

  it('an unreachable server is a readable failure', async () => {
    const f = toolFixture()
    const port = new URL(base).port
    await new Promise((resolve) => server.close(resolve))
    server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const result = await fetchUrl.run({ url: `http://127.0.0.1:${port}/hello` }, f.ctx())
    expect(result).toMatchObject({ ok: false, outcome: 'failed' })
    expect(result.text).toMatch(/^The fetch failed \(ECONNREFUSED\)/)
  })
})
