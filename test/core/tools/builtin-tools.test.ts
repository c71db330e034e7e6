// The registry and what every tool shares through defineTool: effect classes as the issue names them, JSON Schemas and
// stable schema hashes (grants are tied to them), failures as results (never a throw, never a stray message), and
// the result cap: an oversized result reaches the model cut, with a note, and read_tool_result pages through the
// whole of it, kept in the data directory.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { BUILTIN_TOOLS, builtinTool, builtinToolReference, effectOf } from '../../../src/main/core/tools/builtin-tools'
import { PAGE_CAP, readToolResult } from '../../../src/main/core/tools/read-tool-result'
import { ResultStore } from '../../../src/main/core/tools/result-store'
import { canonicalJson, defineTool, RESULT_TEXT_CAP, schemaHash, success } from '../../../src/main/core/tools/tool-definition'
import { SECRET_TEXT, toolFixture } from './tool-fixture'

describe('the built-in tool registry', () => {
  it('lists every tool with its effect class', () => {
    expect(Object.fromEntries(BUILTIN_TOOLS.map((t) => [t.name, t.effect]))).toEqual({
      list_files: 'read',
      read_file: 'read',
      search_files: 'read',
      read_tool_result: 'read',
      write_file: 'write',
      edit_file: 'write',
      run_command: 'execute',
      fetch_url: 'network',
    })
    expect(effectOf('run_command')).toBe('execute')
    expect(builtinTool('rm_rf')).toBeUndefined()
    // The write tools can show their diff before approval.
    expect(BUILTIN_TOOLS.filter((t) => t.preview).map((t) => t.name)).toEqual(['write_file', 'edit_file'])
  })

  it('gives each tool an object JSON Schema and a stable hash of it', () => {
    for (const tool of BUILTIN_TOOLS) {
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.inputSchema).not.toHaveProperty('$schema')
      expect(tool.schemaHash).toMatch(/^[0-9a-f]{64}$/)
      expect(tool.schemaHash).toBe(schemaHash(JSON.parse(JSON.stringify(tool.inputSchema))))
      expect(tool.description.length).toBeGreaterThan(20)
    }
    expect(new Set(BUILTIN_TOOLS.map((t) => t.schemaHash)).size).toBe(BUILTIN_TOOLS.length)
    // Fields with a default are optional for the model; the others are required.
    expect(builtinTool('read_file')!.inputSchema.required).toEqual(['path'])
    expect(builtinTool('list_files')!.inputSchema.required ?? []).toEqual([])
    expect(builtinToolReference(builtinTool('edit_file')!)).toEqual({ source: 'builtin', name: 'edit_file', schemaHash: builtinTool('edit_file')!.schemaHash })
  })

  it('the hash ignores key order and changes with the schema', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}')
    expect(schemaHash({ type: 'object', properties: {} })).toBe(schemaHash({ properties: {}, type: 'object' }))
    const v1 = defineTool({ name: 't', description: 'd', effect: 'read', input: z.strictObject({ a: z.string() }), run: async () => success('') })
    const v2 = defineTool({ name: 't', description: 'd', effect: 'read', input: z.strictObject({ a: z.string(), b: z.number() }), run: async () => success('') })
    expect(v1.schemaHash).not.toBe(v2.schemaHash)
  })

  it('a tool that throws gives a result; an unknown error\'s own text never reaches the model', async () => {
    const f = toolFixture()
    const leaky = defineTool({
      name: 'leaky',
      description: 'throws',
      effect: 'read',
      input: z.strictObject({ kind: z.string() }),
      run: async ({ kind }) => {
        if (kind === 'system') throw Object.assign(new Error(`EACCES: open '${SECRET_TEXT}'`), { code: 'EACCES' })
        throw new Error(`boom ${SECRET_TEXT}`)
      },
    })
    const system = await leaky.run({ kind: 'system' }, f.ctx())
    expect(system).toEqual({ ok: false, outcome: 'failed', truncated: false, text: 'leaky failed: EACCES: permission denied.', display: undefined })
    const unknown = await leaky.run({ kind: 'other' }, f.ctx())
    expect(unknown.text).toBe('leaky failed: the tool failed unexpectedly.')
  })
})

describe('oversized results', () => {
  const bigFile = (lines: number) => Array.from({ length: lines }, (_, i) => `line ${i + 1} ${'-'.repeat(60)}`).join('\n') + '\n'

  it('reach the model cut with a note; the whole result is kept and read_tool_result pages through all of it', async () => {
    const f = toolFixture()
    f.write('big.txt', bigFile(1500))
    const result = await builtinTool('read_file')!.run({ path: 'big.txt' }, f.ctx())
    expect(result).toMatchObject({ ok: true, truncated: true })
    expect(result.fullResultId).toMatch(/^tr-/)
    expect(result.text.length).toBeLessThan(RESULT_TEXT_CAP + 300)
    expect(result.text.slice(0, 40)).toBe(`     1\tline 1 ${'-'.repeat(26)}`)
    expect(result.text).toMatch(/\[Truncated: showing the first 32,000 of [\d,]+ characters\. The full result is kept; read on with read_tool_result \{"id": "tr-[0-9a-f-]+", "offset": 32000\}\.\]$/)
    // Kept in the data directory, as the UI will show it.
    const kept = path.join(f.dataDir, 'tool-results', `${result.fullResultId}.txt`)
    const full = fs.readFileSync(kept, 'utf8')
    expect(full.split('\n')).toHaveLength(1500)
    expect(full.startsWith(result.text.slice(0, RESULT_TEXT_CAP))).toBe(true)

    let offset = 0
    let rebuilt = ''
    for (let pages = 0; pages < 20; pages++) {
      const page = await readToolResult.run({ id: result.fullResultId, offset }, f.ctx())
      expect(page).toMatchObject({ ok: true, truncated: false })
      expect(page.fullResultId).toBeUndefined()
      const note = /\n\[Characters (\d+)–(\d+) of (\d+)(?:\. Read on with offset (\d+)\.|: the end of the result\.)\]$/.exec(page.text)
      expect(note).not.toBeNull()
      rebuilt += page.text.slice(0, note!.index)
      if (note![4] === undefined) break
      offset = Number(note![4])
    }
    expect(rebuilt).toBe(full)
  })

  it('read_tool_result refuses unknown and malformed ids (no path tricks) and offsets past the end', async () => {
    const f = toolFixture()
    const id = await f.store.save('0123456789')
    expect((await readToolResult.run({ id, offset: 4, length: 3 }, f.ctx())).text).toBe('456\n[Characters 4–7 of 10. Read on with offset 7.]')
    const past = await readToolResult.run({ id, offset: 11 }, f.ctx())
    expect(past).toMatchObject({ ok: false })
    expect(past.text).toMatch(/past the end of the result \(10 characters\)/)
    fs.copyFileSync(path.join(f.outside, 'secret.txt'), path.join(f.dataDir, 'stolen.txt'))
    for (const bad of ['tr-00000000-0000-0000-0000-000000000000', '../stolen', '../../outside/secret', `${id}/../../stolen`]) {
      const result = await readToolResult.run({ id: bad }, f.ctx())
      expect(result).toMatchObject({ ok: false })
      expect(result.text).toMatch(/No kept tool result has the id/)
      expect(result.text).not.toContain(SECRET_TEXT)
    }
    const tooLong = await readToolResult.run({ id, length: PAGE_CAP + 1 }, f.ctx())
    expect(tooLong.text).toMatch(/Invalid arguments for read_tool_result: length/)
  })

  it('when the full result cannot be kept, the model still gets the head, marked as cut', async () => {
    const f = toolFixture()
    const blocker = path.join(f.dataDir, 'not-a-folder')
    fs.writeFileSync(blocker, '')
    f.write('big.txt', bigFile(1500))
    const result = await builtinTool('read_file')!.run({ path: 'big.txt' }, f.ctx({ resultStore: new ResultStore(path.join(blocker, 'tool-results')) }))
    expect(result).toMatchObject({ ok: true, truncated: true })
    expect(result.fullResultId).toBeUndefined()
    expect(result.text).toMatch(/\[Truncated at 32000 characters; the full result could not be kept \(ENOTDIR: .*\)\.\]$/)
  })
})
