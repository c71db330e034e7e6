// The real browser host (src/main/host/cli.ts) as a child process, for tests that need to know whether it started
// or refused: `started` settles with its URL once it serves, or with its exit code and stderr if it quits first.
// Node itself is spawned, not the tsx wrapper: a SIGKILL of the wrapper would leave the real host running.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const ROOT = path.resolve(import.meta.dirname, '../..')

export type HostStart = { serving: true; url: string } | { serving: false; code: number | null; stderr: string }

export interface HostChild {
  readonly child: ChildProcess
  readonly pid: number
  /** Serving (the KEEL_HOST_URL line) or exited before that. */
  readonly started: Promise<HostStart>
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>
  stderr(): string
  /** SIGTERM (a clean shutdown) and wait for the exit. */
  stop(): Promise<number | null>
  /** SIGKILL (a crash) and wait for the exit. */
  crash(): Promise<number | null>
}

/** Every host a test file started, so it can check none is left running. */
export const startedHosts: HostChild[] = []

export function launchHost(dataDir: string, keychainService: string): HostChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/host/cli.ts', '--data-dir', dataDir, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, KEEL_KEYCHAIN_SERVICE: keychainService },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const started = new Promise<HostStart>((resolve) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^KEEL_HOST_URL=(.+)$/.exec(line.trim())
      if (match) resolve({ serving: true, url: match[1]! })
    })
    void exited.then((code) => resolve({ serving: false, code, stderr }))
  })
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig)
    return exited
  }
  const host: HostChild = {
    child,
    pid: child.pid!,
    started,
    exited,
    stderr: () => stderr,
    stop: () => signal('SIGTERM'),
    crash: () => signal('SIGKILL'),
  }
  startedHosts.push(host)
  return host
}

/** True while the process exists (signal 0 probes without delivering anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
