// `npm start` on a machine where Electron's binary cannot be fetched: one clear hint, no stack trace.
// The fetch is pointed at a closed local port (ELECTRON_MIRROR) and an empty cache, so it fails at once, offline.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const electronPresent = (() => {
  try {
    const exe = fs.readFileSync(path.join(ROOT, 'node_modules/electron/path.txt'), 'utf8')
    return fs.existsSync(path.join(ROOT, 'node_modules/electron/dist', exe))
  } catch {
    return false
  }
})()

describe('npm start without an Electron binary', () => {
  it.skipIf(electronPresent)('prints only the hint (browser host or ELECTRON_OVERRIDE_DIST_PATH) and exits 1', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-electron-cache-'))
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: cache, TMPDIR: cache }
    delete env.ELECTRON_OVERRIDE_DIST_PATH
    const run = spawnSync('bash', ['scripts/electron-binary.sh'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 })
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trim().split('\n')
    for (const line of lines) expect(line).toMatch(/^keel: /)
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expect(run.stderr).not.toMatch(/Error:/)
    expect(run.stderr).toContain('npm run host')
    expect(run.stderr).toContain('ELECTRON_OVERRIDE_DIST_PATH')
    // What the fetch said is kept for whoever wants it, not thrown at the terminal.
    const log = /its output is in (\S+)\)/.exec(run.stderr)?.[1]
    expect(log && fs.existsSync(log)).toBe(true)
    fs.rmSync(cache, { recursive: true, force: true })
  })

  it('npm start checks for the binary before it builds or launches anything', () => {
    const start = fs.readFileSync(path.join(ROOT, 'scripts/start.sh'), 'utf8')
    const check = start.indexOf('scripts/electron-binary.sh')
    expect(check).toBeGreaterThan(0)
    expect(check).toBeLessThan(start.indexOf('electron-vite build'))
    expect(check).toBeLessThan(start.indexOf('electron-vite preview'))
  })
})
