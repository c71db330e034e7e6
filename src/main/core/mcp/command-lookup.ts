// Finds the program an MCP stdio server entry names before it is spawned, on the PATH of the environment it will
// run in (the login shell's), so that a missing program is reported as such — which command, which PATH, where
// that PATH came from, and how to fix it — instead of as `spawn ENOENT` or "Connection closed".
import fs from 'node:fs'
import path from 'node:path'
import { KeelError } from '../errors'
import type { LoginEnvironment } from './login-environment'

export interface ResolvedCommand {
  /** The absolute path to run. */
  file: string
  /** Extra environment the program needs (ELECTRON_RUN_AS_NODE when Electron's own Node stands in for `node`). */
  env: Record<string, string>
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** The PATH of an environment (Windows spells it Path). */
export function pathOf(env: Record<string, string>): string {
  return env.PATH ?? env.Path ?? ''
}

/**
 * Resolves `command` to an executable file: a path (absolute, or relative to `cwd`) must be an executable file; a
 * bare name is looked up on `login.env`'s PATH. Under Electron (`electronNode`), `node` that is not on the PATH runs
 * as Electron's own Node. Throws a KeelError (kind not-found) that names the command, the PATH searched and the fix.
 */
export function resolveCommand(command: string, cwd: string | null, login: LoginEnvironment, electronNode = false): ResolvedCommand {
  const source = login.source === 'login-shell' ? 'your login shell' : "Keel's own environment (the login shell could not be read)"
  if (command.includes('/') || command.includes(path.sep)) {
    const file = path.resolve(cwd ?? process.cwd(), command)
    if (isExecutable(file)) return { file, env: {} }
    throw KeelError.of('not-found', `The MCP server command "${command}" is not an executable file (looked at ${file}).`, {
      field: 'command',
      fix: 'Check the path, and that the file exists and is executable (chmod +x).',
    })
  }
  const searched = pathOf(login.env)
  const dirs = searched.split(path.delimiter).filter((d) => d.length > 0)
  const exts = process.platform === 'win32' ? (login.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of dirs) {
    for (const ext of exts) {
      const file = path.join(path.resolve(cwd ?? process.cwd(), dir), command + ext)
      if (isExecutable(file)) return { file, env: {} }
    }
  }
  if (electronNode && command === 'node') return { file: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } }
  throw KeelError.of(
    'not-found',
    `The MCP server command "${command}" was not found on the PATH from ${source}: ${searched || '(empty)'}.`,
    {
      field: 'command',
      fix: `Use the absolute path of "${command}" as the command (run \`command -v ${command}\` in a terminal to find it), or add its folder to PATH in your login shell profile (~/.profile, ~/.zprofile or ~/.bash_profile) and restart Keel.`,
    },
  )
}
