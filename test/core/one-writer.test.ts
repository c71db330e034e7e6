// Invariant 1: only the identity module's BindingStore writes the binding columns.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const files = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []))

describe('one writer of bindings', () => {
  it('no module but identity/binding-store.ts writes binding_entry_id, binding_model or binding_mode', () => {
    const writers = files(path.join(ROOT, 'src'))
      .filter((f) => !f.includes(`${path.sep}migrations${path.sep}`))
      .filter((f) => {
        const text = fs.readFileSync(f, 'utf8')
        // UPDATE … SET binding_x, or INSERT INTO sessions (… binding_x …)
        return /UPDATE\s+sessions\s+SET[^;`'"]*binding_(entry_id|model|mode)/i.test(text) || /INSERT\s+INTO\s+sessions\s*\([^)]*binding_/i.test(text)
      })
      .map((f) => path.relative(ROOT, f))
    expect(writers).toEqual(['src/main/core/identity/binding-store.ts'])
  })
})
