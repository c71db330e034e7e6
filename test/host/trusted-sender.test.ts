// Which frames may call Keel's IPC: only the top frame of Keel's own renderer, served from app://keel.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isTrustedSender } from '../../src/main/electron/trusted-sender'

const indexUrl = 'app://keel/index.html'

describe('isTrustedSender', () => {
  it("trusts the top frame of Keel's renderer on app://keel", () => {
    expect(isTrustedSender({ url: indexUrl, isTopFrame: true }, {})).toBe(true)
    expect(isTrustedSender({ url: `${indexUrl}#/sessions/1`, isTopFrame: true }, {})).toBe(true)
  })

  it('refuses iframes, even of Keel pages', () => {
    expect(isTrustedSender({ url: indexUrl, isTopFrame: false }, {})).toBe(false)
  })

  it('refuses other hosts of the scheme, file:// pages (the built renderer included) and other places', () => {
    const refuse = (url: string) => expect(isTrustedSender({ url, isTopFrame: true }, {}), url).toBe(false)
    const rendererDir = path.resolve('/opt/Keel app/out/renderer')
    refuse(pathToFileURL(path.join(rendererDir, 'index.html')).href)
    refuse(pathToFileURL('/etc/passwd').href)
    refuse('app://evil/index.html')
    refuse('app://keel.evil.example/index.html')
    refuse('app://user@keel/index.html')
    refuse('app://keel:8080/index.html')
    refuse('keel://session/abc')
    refuse('file://server/share/out/renderer/index.html')
    refuse('https://evil.example/index.html')
    refuse('about:blank')
    refuse('data:text/html,hi')
    refuse('not a url')
  })

  it('trusts the dev server origin only when one is configured', () => {
    const devServerUrl = 'http://localhost:5173/'
    const sender = { url: 'http://localhost:5173/index.html', isTopFrame: true }
    expect(isTrustedSender(sender, { devServerUrl })).toBe(true)
    expect(isTrustedSender(sender, {})).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5174/', isTopFrame: true }, { devServerUrl })).toBe(false)
    expect(isTrustedSender({ url: 'http://127.0.0.1:5173/', isTopFrame: true }, { devServerUrl })).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5173/', isTopFrame: false }, { devServerUrl })).toBe(false)
  })
})
