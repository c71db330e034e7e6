// Which frames may call Keel's IPC: only the top frame of Keel's own renderer.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isTrustedSender } from '../../src/main/electron/trusted-sender'

const rendererDir = path.resolve('/opt/Keel app/out/renderer')
const indexUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href

describe('isTrustedSender', () => {
  it("trusts the top frame of Keel's built renderer", () => {
    expect(isTrustedSender({ url: indexUrl, isTopFrame: true }, { rendererDir })).toBe(true)
    expect(isTrustedSender({ url: `${indexUrl}#/sessions/1`, isTopFrame: true }, { rendererDir })).toBe(true)
  })

  it('refuses iframes, even of Keel pages', () => {
    expect(isTrustedSender({ url: indexUrl, isTopFrame: false }, { rendererDir })).toBe(false)
  })

  it('refuses other files and other places', () => {
    const refuse = (url: string) => expect(isTrustedSender({ url, isTopFrame: true }, { rendererDir }), url).toBe(false)
    refuse(pathToFileURL('/etc/passwd').href)
    refuse(pathToFileURL(path.join(rendererDir, '..', 'renderer-evil', 'index.html')).href)
    refuse(pathToFileURL(path.join(rendererDir, '..', 'preload', 'index.cjs')).href)
    refuse(`${pathToFileURL(rendererDir).href}/../../secret.html`)
    refuse(pathToFileURL(rendererDir).href)
    refuse('file://server/share/out/renderer/index.html')
    refuse('https://evil.example/index.html')
    refuse('about:blank')
    refuse('data:text/html,hi')
    refuse('not a url')
  })

  it('trusts the dev server origin only when one is configured', () => {
    const devServerUrl = 'http://localhost:5173/'
    const sender = { url: 'http://localhost:5173/index.html', isTopFrame: true }
    expect(isTrustedSender(sender, { rendererDir, devServerUrl })).toBe(true)
    expect(isTrustedSender(sender, { rendererDir })).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5174/', isTopFrame: true }, { rendererDir, devServerUrl })).toBe(false)
    expect(isTrustedSender({ url: 'http://127.0.0.1:5173/', isTopFrame: true }, { rendererDir, devServerUrl })).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5173/', isTopFrame: false }, { rendererDir, devServerUrl })).toBe(false)
  })
})
