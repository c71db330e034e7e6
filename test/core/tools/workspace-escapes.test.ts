// Invariant 19: the built-in file tools stay in the workspace. Every escape a model could try — `..`, an absolute
// path, a symlink (file or folder) leading out, a new file under such a link, a dangling link — is refused as a
// result the model can read, nothing outside is read or written, while a workspace opened through a symlink and
// links that stay inside keep working. Real files on a real temp tree.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { editFile, writeFile } from '../../../src/main/core/tools/write-tools'
import { listFiles, readFileTool } from '../../../src/main/core/tools/read-tools'
import { searchFiles } from '../../../src/main/core/tools/search-files'
import { resolveInWorkspace } from '../../../src/main/core/tools/workspace-paths'
import { SECRET_TEXT, toolFixture } from './tool-fixture'

describe('the workspace guard', () => {
  it('reads, lists and searches inside; `..` that stays inside is fine', async () => {
    const f = toolFixture()
    f.write('src/a.txt', 'alpha\n')
    const read = await readFileTool.run({ path: 'src/../src/a.txt' }, f.ctx())
    expect(read).toMatchObject({ ok: true, outcome: 'succeeded' })
    expect(read.text).toContain('alpha')
    const absolute = await readFileTool.run({ path: path.join(f.workspace, 'src/a.txt') }, f.ctx())
    expect(absolute.ok).toBe(true)
    expect(await resolveInWorkspace(f.workspace, '.')).toMatchObject({ ok: true, relative: '.', real: f.workspace })
  })

  it('refuses `../` out of the workspace for every file tool, and nothing outside is read or written', async () => {
    const f = toolFixture()
    const target = '../outside/secret.txt'
    const results = [
      await readFileTool.run({ path: target }, f.ctx()),
      await listFiles.run({ path: '../outside' }, f.ctx()),
      await searchFiles.run({ pattern: 'outside', path: '../outside' }, f.ctx()),
      await writeFile.run({ path: target, content: 'overwritten' }, f.ctx()),
      await editFile.run({ path: target, old_string: 'outside', new_string: 'inside' }, f.ctx()),
      await writeFile.run({ path: '../outside/new.txt', content: 'x' }, f.ctx()),
    ]
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, outcome: 'failed', truncated: false })
      expect(result.text).toMatch(/outside the workspace/)
      expect(result.text).not.toContain(SECRET_TEXT)
    }
    expect(fs.readFileSync(path.join(f.outside, 'secret.txt'), 'utf8')).toBe(SECRET_TEXT)
    expect(fs.existsSync(path.join(f.outside, 'new.txt'))).toBe(false)
  })

  it('refuses an absolute path outside, including a sibling whose name starts with the workspace\'s', async () => {
    const f = toolFixture()
    const sibling = `${f.workspace}-evil`
    fs.mkdirSync(sibling)
    fs.writeFileSync(path.join(sibling, 'x.txt'), SECRET_TEXT)
    for (const target of [path.join(f.outside, 'secret.txt'), path.join(sibling, 'x.txt'), '/etc/passwd']) {
      const result = await readFileTool.run({ path: target }, f.ctx())
      expect(result.ok).toBe(false)
      expect(result.text).toMatch(/outside the workspace/)
      expect(result.text).not.toContain(SECRET_TEXT)
    }
    const write = await writeFile.run({ path: path.join(sibling, 'y.txt'), content: 'x' }, f.ctx())
    expect(write.ok).toBe(false)
    expect(fs.existsSync(path.join(sibling, 'y.txt'))).toBe(false)
  })

  it('refuses a symlinked file that points outside: no read, no write, no edit through it', async () => {
    const f = toolFixture()
    fs.symlinkSync(path.join(f.outside, 'secret.txt'), path.join(f.workspace, 'link.txt'))
    const read = await readFileTool.run({ path: 'link.txt' }, f.ctx())
    const write = await writeFile.run({ path: 'link.txt', content: 'overwritten' }, f.ctx())
    const edit = await editFile.run({ path: 'link.txt', old_string: 'outside', new_string: 'x' }, f.ctx())
    const preview = await editFile.preview!({ path: 'link.txt', old_string: 'outside', new_string: 'x' }, f.ctx())
    for (const result of [read, write, edit, preview]) {
      expect(result.ok).toBe(false)
      expect(result.text).toMatch(/"link.txt" is outside the workspace/)
      expect(result.text).not.toContain(SECRET_TEXT)
    }
    expect(fs.readFileSync(path.join(f.outside, 'secret.txt'), 'utf8')).toBe(SECRET_TEXT)
  })

  it('refuses a symlinked folder that points outside, and new files under it (nested too)', async () => {
    const f = toolFixture()
    fs.symlinkSync(f.outside, path.join(f.workspace, 'linkdir'))
    expect((await readFileTool.run({ path: 'linkdir/secret.txt' }, f.ctx())).ok).toBe(false)
    expect((await listFiles.run({ path: 'linkdir' }, f.ctx())).ok).toBe(false)
    for (const target of ['linkdir/new.txt', 'linkdir/sub/deeper/new.txt']) {
      const write = await writeFile.run({ path: target, content: 'planted' }, f.ctx())
      expect(write.ok).toBe(false)
      expect(write.text).toMatch(/outside the workspace/)
    }
    expect(fs.readdirSync(f.outside)).toEqual(['secret.txt'])
  })

  it('refuses a path that goes through a symlinked folder inside the workspace pointing outside', async () => {
    const f = toolFixture()
    fs.mkdirSync(path.join(f.workspace, 'docs'))
    fs.symlinkSync(f.outside, path.join(f.workspace, 'docs', 'escape'))
    const read = await readFileTool.run({ path: 'docs/escape/secret.txt' }, f.ctx())
    expect(read.ok).toBe(false)
    expect(read.text).not.toContain(SECRET_TEXT)
    // `..` after the link is applied to the path as written (docs/outside/secret.txt, inside and missing), and the
    // tool acts on that path, never on what the OS would make of the link followed by `..`.
    const dotdot = await readFileTool.run({ path: 'docs/escape/../../outside/secret.txt' }, f.ctx())
    expect(dotdot.ok).toBe(false)
    expect(dotdot.text).not.toContain(SECRET_TEXT)
  })

  it('refuses to write through a dangling symlink, which would create its target outside', async () => {
    const f = toolFixture()
    fs.symlinkSync(path.join(f.outside, 'planted.txt'), path.join(f.workspace, 'dangling.txt'))
    const write = await writeFile.run({ path: 'dangling.txt', content: 'planted' }, f.ctx())
    expect(write.ok).toBe(false)
    expect(write.text).toMatch(/symbolic link whose target does not exist/)
    expect(fs.existsSync(path.join(f.outside, 'planted.txt'))).toBe(false)
  })

  it('search and listing do not follow links out of the workspace', async () => {
    const f = toolFixture()
    f.write('notes.txt', 'nothing here\n')
    fs.symlinkSync(f.outside, path.join(f.workspace, 'linkdir'))
    fs.symlinkSync(path.join(f.outside, 'secret.txt'), path.join(f.workspace, 'link.txt'))
    const search = await searchFiles.run({ pattern: SECRET_TEXT }, f.ctx())
    expect(search.ok).toBe(true)
    expect(search.text).toMatch(/^No matches/)
    const list = await listFiles.run({ recursive: true }, f.ctx())
    expect(list.text.split('\n')).toEqual(['link.txt@', 'linkdir@', 'notes.txt'])
  })

  it('a workspace opened through a symlink works: its root is resolved, links inside it stay usable', async () => {
    const f = toolFixture()
    const linkedRoot = path.join(f.base, 'ws-link')
    fs.symlinkSync(f.workspace, linkedRoot)
    f.write('src/a.txt', 'alpha\n')
    fs.symlinkSync(path.join(f.workspace, 'src'), path.join(f.workspace, 'src-alias'))
    const ctx = f.ctx({ workspace: linkedRoot })

    expect((await readFileTool.run({ path: 'src/a.txt' }, ctx)).text).toContain('alpha')
    expect((await readFileTool.run({ path: path.join(linkedRoot, 'src/a.txt') }, ctx)).ok).toBe(true)
    expect((await readFileTool.run({ path: 'src-alias/a.txt' }, ctx)).ok).toBe(true)
    const write = await writeFile.run({ path: 'src-alias/b.txt', content: 'beta\n' }, ctx)
    expect(write.ok).toBe(true)
    expect(fs.readFileSync(path.join(f.workspace, 'src/b.txt'), 'utf8')).toBe('beta\n')
    // `..` from the linked root is judged against the real root: still outside.
    const escape = await readFileTool.run({ path: '../outside/secret.txt' }, ctx)
    expect(escape.ok).toBe(false)
    expect(escape.text).not.toContain(SECRET_TEXT)
  })

  it('refuses a NUL byte in a path and a missing workspace, as results', async () => {
    const f = toolFixture()
    const nul = await readFileTool.run({ path: 'a.txt\0../../outside/secret.txt' }, f.ctx())
    expect(nul).toMatchObject({ ok: false })
    expect(nul.text).toMatch(/NUL/)
    const gone = await readFileTool.run({ path: 'a.txt' }, f.ctx({ workspace: path.join(f.base, 'no-such-folder') }))
    expect(gone).toMatchObject({ ok: false })
    expect(gone.text).toMatch(/workspace folder is not available/)
  })
})
