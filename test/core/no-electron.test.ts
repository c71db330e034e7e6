// The core is plain Node (DESIGN.md): nothing under src/main/core, nor anything it imports, may load electron.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORE = path.join(ROOT, 'src/main/core')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? sourceFiles(p) : /\.(ts|tsx|js|mjs|cjs)$/.test(d.name) ? [p] : []
  })
}

describe('layers', () => {
  it('no file under src/main/core names electron or electron-store', () => {
    const offenders = sourceFiles(CORE).filter((f) => /(from\s+['"]electron(-store)?['"]|require\(\s*['"]electron(-store)?['"]\s*\)|import\(\s*['"]electron)/.test(fs.readFileSync(f, 'utf8')))
    expect(offenders).toEqual([])
  })

  it('loading every core module, with all it imports, never resolves electron', () => {
    // A resolve hook that fails the process if anything in the import graph (node_modules included) asks for
    // electron or electron-store, at import or require time.
    const hook = `
      import { registerHooks } from 'node:module'
      registerHooks({ resolve(specifier, context, next) {
        if (/^electron(-store)?(\\/|$)/.test(specifier)) { console.error('ELECTRON_IMPORTED by ' + context.parentURL); process.exit(42) }
        return next(specifier, context)
      } })`
    const entries = sourceFiles(CORE).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('-cli.ts'))
    const script = entries.map((f) => `await import(${JSON.stringify(f)})`).join('\n')
    const out = execFileSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, '--import', 'tsx', '--input-type=module', '-e', `${script}\nconsole.log('loaded ' + ${entries.length})`], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(out.trim()).toBe(`loaded ${entries.length}`)
    expect(entries.length).toBeGreaterThan(10)
  })

  it('the renderer imports nothing from main or Node', () => {
    const dir = path.join(ROOT, 'src/renderer')
    if (!fs.existsSync(dir)) return
    const offenders = sourceFiles(dir).filter((f) => /from\s+['"](electron|better-sqlite3|keytar|node:[a-z]+|fs|path|conf)['"]|from\s+['"][./]*main\//.test(fs.readFileSync(f, 'utf8')))
    expect(offenders).toEqual([])
  })
})
