// Links Keel opens in the user's browser: plain web links only.
import { describe, expect, it } from 'vitest'
import { isSafeExternalUrl } from '../../src/main/electron/external-url'

describe('isSafeExternalUrl', () => {
  it('opens ordinary http and https links', () => {
    expect(isSafeExternalUrl('https://openrouter.ai/keys')).toBe(true)
    expect(isSafeExternalUrl('http://example.com/docs?a=1#b')).toBe(true)
    expect(isSafeExternalUrl('HTTPS://EXAMPLE.COM/')).toBe(true)
    expect(isSafeExternalUrl('http://127.0.0.1:1234/v1/models')).toBe(true)
  })

  it('refuses schemes that run code, read files or launch other apps', () => {
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'ms-msdt:/id',
      'smb://server/share',
      'ftp://example.com/',
      'mailto:a@example.com',
      'chrome://settings',
    ]) {
      expect(isSafeExternalUrl(url), url).toBe(false)
    }
  })

  it('refuses links that disguise their destination', () => {
    expect(isSafeExternalUrl('https://bank.example@evil.example/')).toBe(false)
    expect(isSafeExternalUrl('https://user:pass@example.com/')).toBe(false)
    expect(isSafeExternalUrl(' https://example.com')).toBe(false)
    expect(isSafeExternalUrl('https://example.com/\nfoo')).toBe(false)
    expect(isSafeExternalUrl('https://exa\u0000mple.com')).toBe(false)
    expect(isSafeExternalUrl('java\tscript:alert(1)')).toBe(false)
  })

  it('refuses what is not a URL at all', () => {
    expect(isSafeExternalUrl('')).toBe(false)
    expect(isSafeExternalUrl('example.com')).toBe(false)
    expect(isSafeExternalUrl('/relative/path')).toBe(false)
    expect(isSafeExternalUrl('https://')).toBe(false)
    expect(isSafeExternalUrl(`https://example.com/${'a'.repeat(5000)}`)).toBe(false)
    expect(isSafeExternalUrl(undefined as unknown as string)).toBe(false)
  })
})
