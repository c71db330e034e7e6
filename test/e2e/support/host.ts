// Starts and stops the real browser host (tsx src/main/host/cli.ts) as a child process, like a user would with
// `npm run host`; restart = stop + start on the same data dir.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const ROOT = path.resolve(import.meta.dirname, '../../..')

export interface HostProcess {
  url: string
  origin: string
  dataDir: string
  stop(): Promise<void>
  /** Kills the host with SIGKILL, as a crash or a forced quit would. */
  crash(): Promise<void>
  /** stderr lines, for diagnosing failures and for the leak scan. */
  log(): string
}

export async function startHost(dataDir: string, env: Record<string, string> = {}, port = 0): Promise<HostProcess> {
  // Node itself, not the tsx wrapper: tsx would run the host in a child process that a SIGKILL of the wrapper
  // leaves running, and crash() must kill the process that holds the database.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main/host/cli.ts', '--data-dir', dataDir, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${stderr}`)), 30_000)
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^KEEL_HOST_URL=(.+)$/.exec(line.trim())
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`host exited with ${code}:\n${stderr}`))
    })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
    async crash() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}
