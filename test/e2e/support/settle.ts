// "Nothing was sent" is only worth checking once Keel has settled: a send is asynchronous (page → host → core →
// provider), so a count taken right after pressing Enter passes even when a request arrives a moment later.
// Settled means: every contract call the page made has been answered (a refused send is answered with its error;
// an accepted one with its turn id), and no turn is running in the database (an accepted turn has ended, so every
// request it made has reached the fake provider). Both are states, read directly; nothing waits on a clock.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { expect, type Page } from '@playwright/test'

export interface ContractLog {
  /** Channels the page invoked, in order (every page load and reconnection included). */
  channels(): string[]
  /** Invocations sent and not answered yet. */
  unanswered(): number
}

/** Records the page's contract calls over the host's WebSocket. Attach before the page is opened. */
export function recordContract(page: Page): ContractLog {
  const sent: string[] = []
  const waiting = new Map<string, string>()
  page.on('websocket', (ws) => {
    // Ids restart at 1 on every page load, so each socket keeps its own namespace; a closed socket answers nothing.
    const socket = ws.url() + Math.random().toString(36).slice(2)
    ws.on('framesent', (frame) => {
      const message = parse(frame.payload)
      if (message?.t !== 'invoke' || typeof message.id !== 'number') return
      sent.push(String(message.channel))
      waiting.set(`${socket}#${message.id}`, String(message.channel))
    })
    ws.on('framereceived', (frame) => {
      const message = parse(frame.payload)
      if (message?.t === 'result' && typeof message.id === 'number') waiting.delete(`${socket}#${message.id}`)
    })
    ws.on('close', () => {
      for (const key of [...waiting.keys()]) if (key.startsWith(`${socket}#`)) waiting.delete(key)
    })
  })
  return { channels: () => [...sent], unanswered: () => waiting.size }
}

function parse(payload: string | Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(String(payload))
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Turns the core has started and not ended. */
export function runningTurns(dataDir: string): number {
  const file = path.join(dataDir, 'keel.db')
  if (!fs.existsSync(file)) return 0
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare("SELECT count(*) AS n FROM turns WHERE status = 'running'").get() as { n: number }).n
  } finally {
    db.close()
  }
}

/** Waits until the page's calls are all answered and no turn is running. */
export async function settled(contract: ContractLog, dataDir: string): Promise<void> {
  await expect.poll(() => contract.unanswered(), { message: 'contract calls still unanswered' }).toBe(0)
  await expect.poll(() => runningTurns(dataDir), { message: 'a turn is still running' }).toBe(0)
}
