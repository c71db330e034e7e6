// The file tools on a real temp workspace, as the model sees their results: listings, numbered lines and ranges,
// binary files named not dumped, searches that skip .git/node_modules and cannot hang on a hostile regex, writes
// and exact-string edits with the diff the approval card shows, and refusals that change nothing.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { listFiles, READ_CHAR_CAP, readFileTool } from '../../../src/main/core/tools/read-tools'
import { SEARCH_FILE_CAP, searchFiles } from '../../../src/main/core/tools/search-files'
import { editFile, writeFile } from '../../../src/main/core/tools/write-tools'
import { toolFixture } from './tool-fixture'

describe('list_files', () => {
  it('lists a folder, marks folders, and recursion skips .git and node_modules', async () => {
    const f = toolFixture()
    f.write('b.txt', 'b')
    f.write('src/a.ts', 'a')
    f.write('.git/HEAD', 'ref')
    f.write('node_modules/dep/index.js', 'x')
    const flat = await listFiles.run({}, f.ctx())
    expect(flat.text.split('\n')).toEqual(['.git/', 'b.txt', 'node_modules/', 'src/'])
    const deep = await listFiles.run({ recursive: true }, f.ctx())
    expect(deep.text.split('\n')).toEqual(['.git/', 'b.txt', 'node_modules/', 'src/', 'src/a.ts'])
    expect((await listFiles.run({ path: 'src' }, f.ctx())).text).toBe('src/a.ts')
  })

  it('stops at max_entries with a note; a file or a missing folder is refused', async () => {
    const f = toolFixture()
    for (let i = 0; i < 12; i++) f.write(`f${String(i).padStart(2, '0')}.txt`, '')
    const capped = await listFiles.run({ max_entries: 5 }, f.ctx())
    expect(capped.text.split('\n').slice(0, 5)).toEqual(['f00.txt', 'f01.txt', 'f02.txt', 'f03.txt', 'f04.txt'])
    expect(capped.text).toMatch(/Stopped at 5 entries/)
    expect((await listFiles.run({ path: 'f00.txt' }, f.ctx())).text).toMatch(/is a file/)
    expect((await listFiles.run({ path: 'nope' }, f.ctx())).text).toMatch(/does not exist/)
  })
})

describe('read_file', () => {
  it('shows numbered lines, a range, and says where the file continues', async () => {
    const f = toolFixture()
    f.write('a.txt', 'one\ntwo\r\nthree\nfour')
    const all = await readFileTool.run({ path: 'a.txt' }, f.ctx())
    expect(all.text).toBe('     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour')
    const range = await readFileTool.run({ path: 'a.txt', start_line: 2, end_line: 3 }, f.ctx())
    expect(range.text).toBe('     2\ttwo\n     3\tthree\n[The file continues after line 3. Read on with start_line 4.]')
    const tail = await readFileTool.run({ path: 'a.txt', start_line: 4, end_line: 4 }, f.ctx())
    expect(tail.text).toBe('     4\tfour')
    const past = await readFileTool.run({ path: 'a.txt', start_line: 9 }, f.ctx())
    expect(past).toMatchObject({ ok: false })
    expect(past.text).toMatch(/has 4 lines; start_line 9 is past its end/)
  })

  it('a range ending on the last line does not claim the file continues', async () => {
    const f = toolFixture()
    f.write('a.txt', 'one\ntwo\n')
    expect((await readFileTool.run({ path: 'a.txt', start_line: 1, end_line: 2 }, f.ctx())).text).toBe('     1\tone\n     2\ttwo')
  })

  it('names a binary file instead of dumping it, and refuses folders', async () => {
    const f = toolFixture()
    f.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]))
    const binary = await readFileTool.run({ path: 'logo.png' }, f.ctx())
    expect(binary).toMatchObject({ ok: false })
    expect(binary.text).toBe('"logo.png" is a binary file (12 bytes); read_file shows text files only.')
    f.write('dir/x.txt', 'x')
    expect((await readFileTool.run({ path: 'dir' }, f.ctx())).text).toMatch(/is a folder; use list_files/)
  })

  it('cuts very long lines and stops at the size limit with a way to read on', async () => {
    const f = toolFixture()
    f.write('min.js', `${'x'.repeat(5000)}\nshort\n`)
    const cut = await readFileTool.run({ path: 'min.js' }, f.ctx())
    expect(cut.text).toContain(`${'x'.repeat(2000)} [line cut]\n     2\tshort`)
    expect(cut.text).not.toContain('x'.repeat(2001))

    const lines = Math.ceil(READ_CHAR_CAP / 1000) + 100
    f.write('big.txt', `${'y'.repeat(990)}\n`.repeat(lines))
    const big = await readFileTool.run({ path: 'big.txt', start_line: 1, end_line: lines }, f.ctx())
    expect(big).toMatchObject({ ok: true, truncated: true })
    const full = await f.store.read(big.fullResultId!)
    const stop = /\[Stopped after line (\d+): the size limit of one read\. Read on with start_line (\d+)\.\]$/.exec(full!)
    expect(stop).not.toBeNull()
    expect(Number(stop![1])).toBeLessThan(lines)
    expect(Number(stop![2])).toBe(Number(stop![1]) + 1)
  })

  it('reports an empty file and bad arguments as readable results', async () => {
    const f = toolFixture()
    f.write('empty.txt', '')
    expect((await readFileTool.run({ path: 'empty.txt' }, f.ctx())).text).toBe('"empty.txt" is empty.')
    const missing = await readFileTool.run({}, f.ctx())
    expect(missing).toMatchObject({ ok: false, outcome: 'failed' })
    expect(missing.text).toMatch(/^Invalid arguments for read_file: path: /)
    const extra = await readFileTool.run({ path: 'empty.txt', mode: 'rw' }, f.ctx())
    expect(extra.text).toMatch(/Invalid arguments for read_file: .*mode/)
    const backwards = await readFileTool.run({ path: 'empty.txt', start_line: 5, end_line: 2 }, f.ctx())
    expect(backwards.text).toMatch(/end_line \(2\) is before start_line \(5\)/)
  })

  it('a call stopped before it starts does not run', async () => {
    const f = toolFixture()
    f.write('a.txt', 'a')
    const stop = new AbortController()
    stop.abort()
    const result = await readFileTool.run({ path: 'a.txt' }, f.ctx({ signal: stop.signal }))
    expect(result).toMatchObject({ ok: false, outcome: 'cancelled' })
  })
})

describe('search_files', () => {
  it('finds substrings and regular expressions with file and line, skipping .git, node_modules and binaries', async () => {
    const f = toolFixture()
    f.write('src/app.ts', 'const answer = 42\nfunction helper() {}\n')
    f.write('README.md', 'The Answer is here\n')
    f.write('.git/config', 'answer in git\n')
    f.write('node_modules/x/index.js', 'answer in deps\n')
    f.write('image.bin', Buffer.concat([Buffer.from('answer'), Buffer.from([0, 1, 2])]))

    const plain = await searchFiles.run({ pattern: 'answer' }, f.ctx())
    expect(plain.text).toBe('src/app.ts:1: const answer = 42')
    const folded = await searchFiles.run({ pattern: 'answer', ignore_case: true }, f.ctx())
    expect(folded.text.split('\n')).toEqual(['README.md:1: The Answer is here', 'src/app.ts:1: const answer = 42'])
    const regex = await searchFiles.run({ pattern: 'function \\w+\\(', regex: true }, f.ctx())
    expect(regex.text).toBe('src/app.ts:2: function helper() {}')
    // Without regex the pattern is literal text.
    expect((await searchFiles.run({ pattern: 'helper()' }, f.ctx())).text).toBe('src/app.ts:2: function helper() {}')
    expect((await searchFiles.run({ pattern: 'answer', path: 'README.md', ignore_case: true }, f.ctx())).text).toBe('README.md:1: The Answer is here')
    expect((await searchFiles.run({ pattern: 'zzz' }, f.ctx())).text).toMatch(/^No matches for "zzz" in 2 file\(s\)\.$/)
  })

  it('stops at max_results, skips files over the cap, and refuses an invalid regex', async () => {
    const f = toolFixture()
    f.write('many.txt', 'hit\n'.repeat(50))
    f.write('huge.log', 'hit\n'.repeat(SEARCH_FILE_CAP / 4 + 10))
    const capped = await searchFiles.run({ pattern: 'hit', max_results: 7 }, f.ctx())
    const lines = capped.text.split('\n')
    expect(lines.filter((l) => l.startsWith('many.txt:'))).toHaveLength(7)
    expect(capped.text).toMatch(/Stopped at 7 matching lines/)
    const all = await searchFiles.run({ pattern: 'hit', max_results: 1000 }, f.ctx())
    expect(all.text).toMatch(/Skipped, larger than 4\.0 MiB: huge\.log/)
    const bad = await searchFiles.run({ pattern: '(unclosed', regex: true }, f.ctx())
    expect(bad).toMatchObject({ ok: false })
    expect(bad.text).toMatch(/not a valid regular expression/)
  })

  it('a catastrophically backtracking regex ends at the time limit instead of hanging the process', async () => {
    const f = toolFixture()
    f.write('a.txt', `${'a'.repeat(40)}b\n`)
    const started = Date.now()
    const result = await searchFiles.run({ pattern: '(a+)+$', regex: true }, f.ctx({ timeoutMs: 300 }))
    expect(result).toMatchObject({ ok: false, outcome: 'timed-out' })
    expect(result.text).toMatch(/timed out after 300 ms/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('write_file', () => {
  it('creates a file with its folders, and replaces one; the diff is for the approval card', async () => {
    const f = toolFixture()
    const created = await writeFile.run({ path: 'src/new/hello.txt', content: 'hello\n' }, f.ctx())
    expect(created).toMatchObject({ ok: true, display: { kind: 'diff', path: 'src/new/hello.txt', created: true } })
    expect(created.text).toBe('Created "src/new/hello.txt" (6 bytes).')
    expect(fs.readFileSync(path.join(f.workspace, 'src/new/hello.txt'), 'utf8')).toBe('hello\n')

    const preview = await writeFile.preview!({ path: 'src/new/hello.txt', content: 'goodbye\n' }, f.ctx())
    expect(preview.display).toMatchObject({ kind: 'diff', created: false })
    expect(preview.text).toContain('-hello\n+goodbye')
    expect(fs.readFileSync(path.join(f.workspace, 'src/new/hello.txt'), 'utf8')).toBe('hello\n')

    const replaced = await writeFile.run({ path: 'src/new/hello.txt', content: 'goodbye\n' }, f.ctx())
    expect(replaced.text).toBe('Replaced "src/new/hello.txt" (8 bytes).')
    expect(fs.readFileSync(path.join(f.workspace, 'src/new/hello.txt'), 'utf8')).toBe('goodbye\n')
  })

  it('refuses to overwrite a folder or a binary file', async () => {
    const f = toolFixture()
    f.write('dir/x.txt', 'x')
    f.write('blob.bin', Buffer.from([1, 0, 2]))
    expect((await writeFile.run({ path: 'dir', content: 'x' }, f.ctx())).text).toMatch(/is a folder/)
    expect((await writeFile.run({ path: 'blob.bin', content: 'x' }, f.ctx())).text).toMatch(/binary file/)
    expect(fs.readFileSync(path.join(f.workspace, 'blob.bin'))).toEqual(Buffer.from([1, 0, 2]))
  })
})

describe('edit_file', () => {
  it('replaces one exact occurrence and returns the unified diff', async () => {
    const f = toolFixture()
    const file = f.write('src/app.ts', 'const a = 1\nconst b = 2\nconst c = 3\n')
    const preview = await editFile.preview!({ path: 'src/app.ts', old_string: 'const b = 2', new_string: 'const b = 20' }, f.ctx())
    expect(preview.display).toMatchObject({ kind: 'diff', path: 'src/app.ts', created: false })
    expect(fs.readFileSync(file, 'utf8')).toBe('const a = 1\nconst b = 2\nconst c = 3\n')

    const result = await editFile.run({ path: 'src/app.ts', old_string: 'const b = 2', new_string: 'const b = 20' }, f.ctx())
    expect(result.ok).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe('const a = 1\nconst b = 20\nconst c = 3\n')
    const diff = (result.display as { diff: string }).diff
    expect(diff).toContain('--- a/src/app.ts')
    expect(diff).toContain('+++ b/src/app.ts')
    expect(diff).toContain('@@ -1,3 +1,3 @@')
    expect(diff).toContain('-const b = 2\n+const b = 20')
    expect(diff).toBe((preview.display as { diff: string }).diff)
  })

  it('refuses zero and several matches with a clear result, changing nothing', async () => {
    const f = toolFixture()
    const original = 'x = 1\ny = 2\nx = 1\n'
    const file = f.write('a.py', original)
    const none = await editFile.run({ path: 'a.py', old_string: 'z = 3', new_string: 'z = 4' }, f.ctx())
    expect(none).toMatchObject({ ok: false, outcome: 'failed' })
    expect(none.text).toMatch(/^old_string was not found in "a.py"\. Nothing was changed\./)
    const several = await editFile.run({ path: 'a.py', old_string: 'x = 1', new_string: 'x = 5' }, f.ctx())
    expect(several).toMatchObject({ ok: false })
    expect(several.text).toMatch(/^old_string occurs 2 times in "a.py" \(at lines 1, 3\)\. Nothing was changed\. .*replace_all/)
    const same = await editFile.run({ path: 'a.py', old_string: 'y = 2', new_string: 'y = 2' }, f.ctx())
    expect(same.text).toMatch(/nothing to change/)
    const missing = await editFile.run({ path: 'b.py', old_string: 'x', new_string: 'y' }, f.ctx())
    expect(missing.text).toMatch(/does not exist; use write_file/)
    expect(fs.readFileSync(file, 'utf8')).toBe(original)
  })

  it('replace_all changes every occurrence; replacement text is literal ($& stays $&)', async () => {
    const f = toolFixture()
    const file = f.write('a.py', 'x = 1\ny = 2\nx = 1\n')
    const result = await editFile.run({ path: 'a.py', old_string: 'x = 1', new_string: 'x = "$&"', replace_all: true }, f.ctx())
    expect(result.ok).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe('x = "$&"\ny = 2\nx = "$&"\n')
  })

  it('matches text copied from a CRLF file (read_file shows it without \\r) and keeps the CRLF endings', async () => {
    const f = toolFixture()
    const file = f.write('win.txt', 'first\r\nsecond\r\nthird\r\n')
    const result = await editFile.run({ path: 'win.txt', old_string: 'first\nsecond', new_string: 'first\nmiddle' }, f.ctx())
    expect(result.ok).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe('first\r\nmiddle\r\nthird\r\n')
  })
})
