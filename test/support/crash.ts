import { spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** Runs crash-child until its turn is checkpointed mid-stream, then kills it with SIGKILL. Returns the turn id. */
export function crashMidTurn(dataDir: string, keychainService: string, sessionId: string, text: string): Promise<string> {
  return crashChild('crash-child.ts', [dataDir, keychainService, sessionId, text], 'CHECKPOINTED ', async () => undefined)
}

/**
 * Runs crash-child until its turn has started and `requestSent` resolves (the provider has the request; script it to
 * send no text, e.g. `stall: 'after-headers'`), then kills it with SIGKILL: a crash before any text, so nothing was
 * checkpointed. Returns the turn id.
 */
export function crashBeforeText(dataDir: string, keychainService: string, sessionId: string, text: string, requestSent: () => Promise<unknown>): Promise<string> {
  return crashChild('crash-child.ts', [dataDir, keychainService, sessionId, text, 'before-text'], 'STARTED ', requestSent)
}

/**
 * Runs agent-crash-child until its tool's effect has started, then kills it with SIGKILL: a crash while a tool call
 * runs. Returns what the tool saw in the ledger then (its call's state).
 */
export function crashDuringTool(dataDir: string, keychainService: string, sessionId: string, workspace: string): Promise<string> {
  return crashChild('agent-crash-child.ts', [dataDir, keychainService, sessionId, workspace], 'EFFECT ', async () => undefined)
}

/**
 * Starts Keel again (in continuation-crash-child) after `crashMidTurn`: its startup continues the interrupted reply
 * by itself; while that continuation streams, `text` is sent in `otherSessionId`; both replies are checkpointed
 * mid-stream, then the child is killed with SIGKILL (script the provider to hang for both). Returns both turn ids:
 * the continuation's (a continuation a crash cut short) and the other session's (an ordinary interrupted reply, the
 * later of the two in the turns table).
 */
export async function crashWhileContinuing(dataDir: string, keychainService: string, otherSessionId: string, text: string): Promise<{ continuation: string; other: string }> {
  const ids = await crashChild('continuation-crash-child.ts', [dataDir, keychainService, otherSessionId, text], 'CHECKPOINTED ', async () => undefined)
  const [continuation, other] = ids.split(' ') as [string, string]
  return { continuation, other }
}

async function crashChild(script: string, args: string[], reported: string, beforeKill: () => Promise<unknown>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support', script), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    const turnId = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith(reported)) resolve(line.slice(reported.length))
        else if (line.startsWith('ERROR')) reject(new Error(line))
      })
      child.once('exit', (code) => reject(new Error(`crash child exited early (${code})`)))
    })
    await beforeKill()
    return turnId
  } finally {
    child.kill('SIGKILL')
    await exited
  }
}

/**
 * The time limit of a test that starts Keel in a child process (tsx compiles the core at start: seconds of CPU, many
 * more on a loaded 2-core machine). An upper bound only: the tests wait on states, never on this.
 */
export const CHILD_PROCESS_TIMEOUT_MS = 60_000
