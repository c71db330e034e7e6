// The environment MCP stdio servers are started in. A GUI app launched from the dock or a desktop file does not get
// the PATH the user's shell profile sets up (nvm, Homebrew, ~/.local/bin, …), so `npx`/`uvx` servers fail with
// `spawn ENOENT` — the most reported MCP problem. As VS Code does, Keel runs the user's login shell once, as an
// interactive login shell, has it print its environment between markers, and uses that; when the shell fails or
// takes too long, the process's own environment is used, and every report says which one it was.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export interface LoginEnvironment {
  env: Record<string, string>
  /** Where `env` came from: the login shell, or this process (no shell, it failed, or it timed out). */
  source: 'login-shell' | 'process'
}

const TIMEOUT_MS = 5_000

/** This process's environment without unset values. */
export function processEnvironment(): LoginEnvironment {
  return { env: definedOnly(process.env), source: 'process' }
}

/**
 * Runs `$SHELL -l -i -c '<this node> -p <env between markers>'` and parses what it prints. Never rejects: any
 * failure (no $SHELL, a profile that errors or waits for input, the timeout) gives the process environment.
 */
export async function resolveLoginEnvironment(options: { shell?: string; timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<LoginEnvironment> {
  const base = options.env ?? process.env
  const shell = options.shell ?? base.SHELL
  if (process.platform === 'win32' || !shell) return processEnvironment()
  const fallback = (): LoginEnvironment => ({ env: definedOnly(base), source: 'process' })
  const mark = randomBytes(8).toString('hex')
  // This very executable prints the env as JSON (under Electron it runs as Node because of ELECTRON_RUN_AS_NODE),
  // so the result does not depend on what `env`/`printenv` look like on this system.
  const printer = `'${process.execPath.replace(/'/g, `'\\''`)}' -p '"${mark}" + JSON.stringify(process.env) + "${mark}"'`
  return new Promise((resolve) => {
    let out = ''
    let settled = false
    const child = spawn(shell, ['-l', '-i', '-c', printer], {
      // stdin closed: a profile that asks for input reads EOF instead of waiting. Detached: the timeout kills the
      // shell's whole process group, not only the shell.
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
      env: { ...definedOnly(base), ELECTRON_RUN_AS_NODE: '1' },
    })
    const done = (result: LoginEnvironment) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
      // Answer once the shell is really gone (or shortly after, should it somehow linger).
      const answer = () => done(fallback())
      child.once('exit', answer)
      setTimeout(answer, 1_000).unref()
    }, options.timeoutMs ?? TIMEOUT_MS)
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      out += chunk
    })
    child.on('error', () => done(fallback()))
    child.on('close', () => {
      const start = out.indexOf(mark)
      const end = out.lastIndexOf(mark)
      if (start < 0 || end <= start) return done(fallback())
      try {
        const env = definedOnly(JSON.parse(out.slice(start + mark.length, end)) as Record<string, string | undefined>)
        // Set only so that the printer ran as Node; never part of the user's environment.
        delete env.ELECTRON_RUN_AS_NODE
        done({ env, source: 'login-shell' })
      } catch {
        done(fallback())
      }
    })
  })
}

let cached: Promise<LoginEnvironment> | null = null

/** The login environment, resolved once per process (the shell is slow to start; its profile rarely changes). */
export function loginEnvironment(): Promise<LoginEnvironment> {
  cached ??= resolveLoginEnvironment()
  return cached
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v
  return out
}
