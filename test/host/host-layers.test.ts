// The browser host runs where no Electron binary exists: nothing it loads may resolve electron or electron-store
// (importing either starts a binary download). It shares Electron-free helpers with src/main/electron; this keeps
// them Electron-free.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('browser host layers', () => {
  it('loading the host server and the Electron-free helpers never resolves electron', () => {
    const hook = `
      import { registerHooks } from 'node:module'
      registerHooks({ resolve(specifier, context, next) {
        if (/^electron(-store)?(\\/|$)/.test(specifier)) { console.error('ELECTRON_IMPORTED by ' + context.parentURL); process.exit(42) }
        return next(specifier, context)
      } })`
    const entries = [
      'src/main/host/server.ts',
      'src/main/core/data-dir.ts',
      'src/main/electron/renderer-csp.ts',
      'src/main/electron/external-url.ts',
      'src/main/electron/trusted-sender.ts',
      'src/main/electron/app-protocol.ts',
      'src/main/electron/renderer-files.ts',
      'src/main/electron/navigation-guard.ts',
      'src/main/electron/web-preferences.ts',
    ].map((file) => path.join(ROOT, file))
    const script = entries.map((file) => `await import(${JSON.stringify(file)})`).join('\n')
    const out = execFileSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, '--import', 'tsx', '--input-type=module', '-e', `${script}\nconsole.log('loaded ' + ${entries.length})`],
      { cwd: ROOT, encoding: 'utf8' },
    )
    expect(out.trim()).toBe(`loaded ${entries.length}`)
  })
})
