import { spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** Runs crash-child until its turn is checkpointed mid-stream, then kills it with SIGKILL. Returns the turn id. */
export async function crashMidTurn(dataDir: string, keychainService: string, sessionId: string, text: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/crash-child.ts'), dataDir, keychainService, sessionId, text], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const turnId = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('CHECKPOINTED ')) resolve(line.slice('CHECKPOINTED '.length))
      else if (line.startsWith('ERROR')) reject(new Error(line))
    })
    child.once('exit', (code) => reject(new Error(`crash child exited early (${code})`)))
  })
  child.kill('SIGKILL')
  await exited
  return turnId
}

/**
 * The time limit of a test that starts Keel in a child process (tsx compiles the core at start: seconds of CPU, many
 * more on a loaded 2-core machine). An upper bound only: the tests wait on states, never on this.
 */
export const CHILD_PROCESS_TIMEOUT_MS = 60_000
