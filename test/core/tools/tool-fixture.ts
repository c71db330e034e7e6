// A real temporary tree for the tool tests: a workspace folder, a folder outside it holding a "secret" file, and a
// data dir whose result store keeps oversized results. Removed after each test.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { dataPaths } from '../../../src/main/core/paths'
import { ResultStore } from '../../../src/main/core/tools/result-store'
import type { ToolContext } from '../../../src/main/core/tools/tool-definition'

export interface ToolFixture {
  base: string
  /** Real path of the workspace folder. */
  workspace: string
  /** A folder next to the workspace, with `secret.txt` in it. */
  outside: string
  dataDir: string
  store: ResultStore
  ctx(overrides?: Partial<ToolContext>): ToolContext
  write(relative: string, content: string | Buffer): string
}

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

export const SECRET_TEXT = 'outside-the-workspace-3f9a'

export function toolFixture(): ToolFixture {
  // realpath: on some systems the temp dir itself is reached through a symlink (/tmp -> /private/tmp).
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'keel-tools-')))
  made.push(base)
  const workspace = path.join(base, 'workspace')
  const outside = path.join(base, 'outside')
  const dataDir = path.join(base, 'data')
  for (const dir of [workspace, outside, dataDir]) fs.mkdirSync(dir)
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET_TEXT)
  const store = new ResultStore(dataPaths(dataDir).toolResults)
  return {
    base,
    workspace,
    outside,
    dataDir,
    store,
    ctx: (overrides = {}) => ({ workspace, signal: new AbortController().signal, timeoutMs: 10_000, resultStore: store, ...overrides }),
    write(relative, content) {
      const file = path.join(workspace, relative)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
      return file
    },
  }
}
