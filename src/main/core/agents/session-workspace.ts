// A session's own workspace folder (issue #9), chosen in the session header: it overrides the profile's default, so
// a session on the built-in "Workspace agent" (no workspace, not editable) can work without duplicating the profile.
// The choice is checked when it is made (absolute, exists, a folder) and stored as its real path, so a symlink later
// pointed elsewhere does not move the session's tools; it is checked again at each turn (profile-tool-set.ts).
import fs from 'node:fs'
import path from 'node:path'
import { KeelError } from '../errors'

const FIX = 'Type the absolute path of an existing folder, e.g. /home/you/project.'

/** The real path of a folder the user typed for a session; throws invalid-input naming `path` otherwise. */
export function resolveSessionWorkspace(typed: string): string {
  const trimmed = typed.trim()
  if (trimmed === '') throw KeelError.of('invalid-input', 'Type a folder for the workspace (or clear it to use the profile’s).', { field: 'path', fix: FIX })
  if (!path.isAbsolute(trimmed)) throw KeelError.of('invalid-input', `The workspace "${trimmed}" is not an absolute path.`, { field: 'path', fix: FIX })
  let real: string
  try {
    real = fs.realpathSync(trimmed)
  } catch {
    throw KeelError.of('invalid-input', `The workspace folder "${trimmed}" does not exist (or cannot be read).`, { field: 'path', fix: FIX })
  }
  if (!fs.statSync(real).isDirectory()) throw KeelError.of('invalid-input', `The workspace "${trimmed}" is not a folder.`, { field: 'path', fix: FIX })
  return real
}
