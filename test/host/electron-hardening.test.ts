// The Electron adapter's hardening, in its Electron-free parts (no binary here): the app:// protocol's mapping of
// requests to renderer files (no way out of out/renderer), the CSP it sends, the navigation guard behind
// will-navigate / will-frame-navigate / will-redirect, and the window's webPreferences (no DevTools when packaged).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_INDEX_URL, APP_SCHEME_PRIVILEGES, resolveAppRequest } from '../../src/main/electron/app-protocol'
import { judgeNavigation } from '../../src/main/electron/navigation-guard'
import { RENDERER_CSP } from '../../src/main/electron/renderer-csp'
import { keelWebPreferences } from '../../src/main/electron/web-preferences'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('app:// protocol handler', () => {
  let base: string
  let rendererDir: string

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-app-scheme-'))
    rendererDir = path.join(base, 'renderer')
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true })
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Keel</title>')
    fs.writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)')
    fs.writeFileSync(path.join(base, 'secret.txt'), 'outside the renderer')
    fs.mkdirSync(path.join(base, 'renderer-evil'))
    fs.writeFileSync(path.join(base, 'renderer-evil', 'index.html'), 'a sibling directory with a common prefix')
    fs.symlinkSync(path.join(base, 'secret.txt'), path.join(rendererDir, 'assets', 'link-out.txt'))
  })
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

  const get = (url: string, method = 'GET') => resolveAppRequest(rendererDir, { url, method })

  it("serves the renderer's files with their type, the CSP header and nosniff", async () => {
    const index = await get(APP_INDEX_URL)
    expect(index).toMatchObject({ status: 200, file: path.join(fs.realpathSync(rendererDir), 'index.html') })
    expect(index.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff' })
    expect(await get('app://keel/')).toMatchObject({ status: 200, file: path.join(fs.realpathSync(rendererDir), 'index.html') })
    const script = await get('app://keel/assets/index-abc.js?v=1#x')
    expect(script).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/javascript; charset=utf-8' } })
    expect(await get(APP_INDEX_URL, 'HEAD')).toMatchObject({ status: 200 })
  })

  it('answers 404 for every way out of the renderer directory', async () => {
    for (const url of [
      'app://keel/../secret.txt',
      'app://keel/%2e%2e/secret.txt',
      'app://keel/%2E%2E%2Fsecret.txt',
      'app://keel/assets/..%2F..%2Fsecret.txt',
      'app://keel/..%5csecret.txt',
      'app://keel/assets/../../renderer-evil/index.html',
      'app://keel/%2e%2e/renderer-evil/index.html',
      'app://keel/assets/link-out.txt',
      'app://keel/index.html%00.js',
      'app://keel/%ZZ',
      'app://keel/assets',
      'app://keel/missing.js',
      `app://keel/${encodeURIComponent(path.join(base, 'secret.txt'))}`,
    ]) {
      const answer = await get(url)
      expect(answer.status, url).toBe(404)
      expect('file' in answer, url).toBe(false)
    }
  })

  it('answers only for app://keel, and only to GET and HEAD', async () => {
    expect((await get('app://other/index.html')).status).toBe(404)
    expect((await get('app://keel.example/index.html')).status).toBe(404)
    expect((await get('file:///etc/passwd')).status).toBe(404)
    expect((await get('not a url')).status).toBe(400)
    const post = await get(APP_INDEX_URL, 'POST')
    expect(post.status).toBe(405)
    expect(post.headers.Allow).toBe('GET, HEAD')
  })

  it('registers the scheme as standard and secure, but not readable cross-origin and not exempt from CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true })
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('corsEnabled')
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP')
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('allowServiceWorkers')
  })
})

describe('renderer Content-Security-Policy', () => {
  const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]))

  it('locks down plugins, <base>, forms and framing, and lists no ws: source', () => {
    const csp = directives(RENDERER_CSP)
    expect(csp.get('object-src')).toBe("'none'")
    expect(csp.get('base-uri')).toBe("'none'")
    expect(csp.get('form-action')).toBe("'none'")
    expect(csp.get('frame-ancestors')).toBe("'none'")
    expect(csp.get('script-src')).toBe("'self'")
    expect(csp.get('connect-src')).toBe("'self'")
    expect(RENDERER_CSP).not.toMatch(/ws:|wss:|\*|unsafe-eval/)
  })

  it('is repeated in the built page’s <meta> (minus frame-ancestors, which a <meta> cannot set)', () => {
    const html = fs.readFileSync(path.join(ROOT, 'src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBeDefined()
    const expected = directives(RENDERER_CSP)
    expected.delete('frame-ancestors')
    expect(directives(meta!)).toEqual(expected)
  })
})

describe('navigation guard', () => {
  const trusted = {}
  const dev = { devServerUrl: 'http://localhost:5173/' }
  const judge = (url: string, isMainFrame: boolean, cause: 'navigate' | 'redirect', t: { devServerUrl?: string } = trusted) =>
    judgeNavigation({ url, isMainFrame, cause }, t)

  it("lets the main frame (re)load Keel's own renderer", () => {
    expect(judge(APP_INDEX_URL, true, 'navigate')).toBe('allow')
    expect(judge('http://localhost:5173/index.html', true, 'navigate', dev)).toBe('allow')
    expect(judge('http://localhost:5173/index.html', true, 'redirect', dev)).toBe('allow')
  })

  it('hands a followed web link to the browser, and stops everything else', () => {
    expect(judge('https://openrouter.ai/keys', true, 'navigate')).toBe('open-externally')
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'app://evil/index.html', 'keel://session/x', 'smb://host/share', 'https://user:pw@example.com/']) {
      expect(judge(url, true, 'navigate'), url).toBe('block')
    }
    expect(judge('http://localhost:5173/', true, 'navigate')).toBe('open-externally')
  })

  it('never follows a redirect out of Keel, and never opens a browser for one', () => {
    expect(judge('https://evil.example/', true, 'redirect')).toBe('block')
    expect(judge('file:///etc/passwd', true, 'redirect')).toBe('block')
    expect(judge('http://localhost:5174/', true, 'redirect', dev)).toBe('block')
  })

  it('stops every subframe navigation, even to Keel pages', () => {
    for (const cause of ['navigate', 'redirect'] as const) {
      expect(judge('https://example.com/', false, cause)).toBe('block')
      expect(judge(APP_INDEX_URL, false, cause)).toBe('block')
    }
  })
})

describe('window webPreferences', () => {
  it('are sandboxed and context-isolated, with DevTools only in an unpackaged build', () => {
    const dev = keelWebPreferences({ preloadPath: '/x/preload.cjs', packaged: false })
    const packaged = keelWebPreferences({ preloadPath: '/x/preload.cjs', packaged: true })
    for (const prefs of [dev, packaged]) {
      expect(prefs).toMatchObject({ preload: '/x/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, webviewTag: false })
    }
    expect(dev.devTools).toBe(true)
    expect(packaged.devTools).toBe(false)
  })
})
