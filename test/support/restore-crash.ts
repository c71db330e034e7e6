import { spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const ROOT = path.resolve(import.meta.dirname, '../..')

/**
 * Runs restore-crash-child until it reports reaching `stopAt`, then kills it with SIGKILL and waits for it to exit
 * (nothing is left running). With `backupName` the child stages that backup (data.restore); without, it only opens
 * Keel (which applies a staged restore at start).
 */
export async function killRestoreAt(dataDir: string, keychainService: string, stopAt: string, backupName?: string): Promise<{ signal: NodeJS.Signals | null; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/restore-crash-child.ts'), dataDir, keychainService, stopAt, ...(backupName ? [backupName] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === `AT ${stopAt}`) resolve()
      else if (line.startsWith('ERROR') || line === 'STAGED' || line === 'OPENED') reject(new Error(`the child did not stop at "${stopAt}": ${line}`))
    })
    child.once('exit', (code) => reject(new Error(`restore child exited early (${code})`)))
  })
  child.kill('SIGKILL')
  return { signal: await exited, pid: child.pid! }
}
