// The one path guard of the built-in file tools (invariant 19). Every path a model names is resolved against the
// workspace and then through the file system (realpath), and the tool acts only on that real path, and only if it
// lies inside the workspace's real path. So `..`, an absolute path elsewhere, a symlink (file or directory) leading
// out, or a new file under such a symlink are refused, while a workspace opened through a symlink works: its root is
// resolved the same way. A path that does not exist yet (write_file) is judged by its deepest existing ancestor;
// a dangling symlink on the way is refused, because writing through it would create its target wherever it points.
// A refusal is a value with a sentence the model can read, never an exception.
//
// Not covered (documented limits): hard links to files outside the workspace look like ordinary files, and a
// directory swapped for a symlink between this check and the tool's own operation (a race the model cannot run).
import { lstat, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

export type WorkspacePath =
  | {
      ok: true
      /** The workspace's real path. */
      root: string
      /** The real path the tool acts on (for a path that does not exist yet: its real parent + the rest). */
      real: string
      /** `real` relative to the root, '.' for the root itself: how results name the path. */
      relative: string
      exists: boolean
    }
  | { ok: false; reason: string }

const refuse = (reason: string): WorkspacePath => ({ ok: false, reason })

export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true
  const prefix = root.endsWith(path.sep) ? root : root + path.sep
  return candidate.startsWith(prefix)
}

/** The workspace folder's real path, or why it cannot be used. */
export async function workspaceRoot(workspace: string): Promise<{ ok: true; root: string } | { ok: false; reason: string }> {
  try {
    const root = await realpath(workspace)
    if (!(await stat(root)).isDirectory()) return { ok: false, reason: 'The workspace is not a folder.' }
    return { ok: true, root }
  } catch {
    return { ok: false, reason: 'The workspace folder is not available (it was moved, deleted or cannot be read).' }
  }
}

/** Where `requested` (relative to the workspace, or absolute) really is, if that is inside the workspace. */
export async function resolveInWorkspace(workspace: string, requested: string): Promise<WorkspacePath> {
  if (requested.includes('\0')) return refuse('The path contains a NUL character; no file can have that name.')
  const ws = await workspaceRoot(workspace)
  if (!ws.ok) return refuse(ws.reason)
  const { root } = ws
  const shown = JSON.stringify(requested)
  const outside = refuse(`${shown} is outside the workspace; tools can only use files inside it.`)

  const target = path.resolve(root, requested === '' ? '.' : requested)
  let existing = target
  const rest: string[] = []
  let realExisting: string
  for (;;) {
    try {
      realExisting = await realpath(existing)
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') {
        const isLink = await lstat(existing).then(
          (s) => s.isSymbolicLink(),
          () => false,
        )
        if (isLink) return refuse(`${shown} goes through a symbolic link whose target does not exist; tools do not follow it.`)
        const parent = path.dirname(existing)
        if (parent === existing) return outside
        rest.unshift(path.basename(existing))
        existing = parent
        continue
      }
      if (code === 'ENOTDIR') return refuse(`${shown}: a part of the path is a file, not a folder.`)
      if (code === 'ELOOP') return refuse(`${shown}: too many symbolic links (a loop?).`)
      if (code === 'EACCES') return refuse(`${shown}: permission denied.`)
      throw err
    }
  }
  const real = path.join(realExisting, ...rest)
  if (!isInside(root, real)) return outside
  return { ok: true, root, real, relative: path.relative(root, real) || '.', exists: rest.length === 0 }
}
