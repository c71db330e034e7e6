// The packaging configuration: the installers the issue asks for, asar, and the fuses that lock the binary down.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')
const value = (key: string) => new RegExp(`^\\s*${key}:\\s*(.+)$`, 'm').exec(yml)?.[1]?.trim()

describe('electron-builder configuration', () => {
  it('builds AppImage + deb, dmg and nsis from resources/ icons, inside an asar', () => {
    expect(value('appId')).toBe('dev.keel.app')
    expect(value('productName')).toBe('Keel')
    expect(yml).toMatch(/linux:\n\s+target: \[AppImage, deb\]/)
    expect(yml).toMatch(/mac:\n\s+target: \[dmg\]/)
    expect(yml).toMatch(/win:\n\s+target: \[nsis\]/)
    expect(value('asar')).toBe('true')
    expect(fs.existsSync(path.join(ROOT, 'resources/icon.png'))).toBe(true)
  })
  it('flips the fuses: no RunAsNode, cookie encryption on, NODE_OPTIONS off, app only from asar', () => {
    expect(value('runAsNode')).toBe('false')
    expect(value('enableCookieEncryption')).toBe('true')
    expect(value('enableNodeOptionsEnvironmentVariable')).toBe('false')
    expect(value('onlyLoadAppFromAsar')).toBe('true')
  })
  it('is reachable as npm run dist', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.scripts.dist).toContain('electron-builder')
  })
})
