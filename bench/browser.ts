// npm run bench (second part): the renderer at scale, in Chromium through the browser host, on the seeded files of
// bench/run.ts (scripts/seed-sessions.ts). Per size it prints
//   - page load → session list shown (median of fresh page loads),
//   - DOM nodes and JS heap (after a forced GC) with the list shown, and with the long session open,
// next to the smallest size's figure (list) or an empty session's (open session), and the ratio. The targets:
// list shown at 50k sessions ≤ 1.5× the 100-session figure; nodes and heap with the 50,000-message session open
// ≤ 1.5× an empty session. Prints figures; asserts nothing.
//
//   tsx bench/browser.ts [--sizes 100,50k]     (needs Chromium: $KEEL_CHROMIUM or /usr/bin/chromium)
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from '@playwright/test'
import { openKeelCore } from '../src/main/core/app/keel-core'
import { LONG_SESSION_ID, seededDatabase, type SeedSpec } from '../scripts/seed-sessions'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SIZES: Record<string, SeedSpec> = {
  '100': { sessions: 100, messages: 20, long: 40, seed: 1 },
  '10k': { sessions: 10_000, messages: 20, long: 10_000, seed: 1 },
  '50k': { sessions: 50_000, messages: 20, long: 50_000, seed: 1 },
}
const LOADS = 7
const OPEN_SESSION_KEY = 'keel.openSession'

interface Host {
  url: string
  stop(): Promise<void>
}

/** `npm run host`'s own start: scripts/host.sh builds when the sources changed, then runs out/main/host.js. */
async function startHost(dataDir: string, keychainService: string): Promise<Host> {
  const child: ChildProcess = spawn('bash', ['scripts/host.sh', '--data-dir', dataDir, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, KEEL_KEYCHAIN_SERVICE: keychainService },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^KEEL_HOST_URL=(.+)$/.exec(line.trim())
      if (m) resolve(m[1]!)
    })
    void exited.then(() => reject(new Error(`the host exited before serving:\n${stderr}`)))
  })
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Milliseconds from navigation to the first row of the session list on screen, in a fresh page. */
async function listShown(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  const t0 = performance.now()
  await page.goto(url)
  await page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').first().waitFor({ state: 'visible' })
  const ms = performance.now() - t0
  await context.close()
  return ms
}

/** DOM elements and used JS heap (after a forced garbage collection) of the page as it is. */
async function footprint(page: Page): Promise<{ nodes: number; heapMB: number }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
  const nodes = await page.evaluate<number>('document.getElementsByTagName("*").length')
  await cdp.detach()
  return { nodes, heapMB: usedSize / 2 ** 20 }
}

/** The page with a session open (chosen the way a reload restores it), its log shown. */
async function withSessionOpen(browser: Browser, url: string, sessionId: string): Promise<{ nodes: number; heapMB: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(url)
  await page.evaluate(`sessionStorage.setItem(${JSON.stringify(OPEN_SESSION_KEY)}, ${JSON.stringify(sessionId)})`)
  await page.reload()
  await page.getByLabel('Message').waitFor({ state: 'visible' })
  await page.getByRole('log').waitFor({ state: 'visible' })
  // The list and the log both shown and settled: every call answered (no request pending on the page).
  await page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').first().waitFor({ state: 'visible' })
  const f = await footprint(page)
  await context.close()
  return f
}

async function listFootprint(browser: Browser, url: string): Promise<{ nodes: number; heapMB: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(url)
  await page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').first().waitFor({ state: 'visible' })
  const f = await footprint(page)
  await context.close()
  return f
}

function row(size: string, name: string, value: string, anchor: string, ratio: number | null, note = ''): void {
  console.log(`${size.padEnd(4)} ${name.padEnd(52)} ${value.padStart(12)}   vs ${anchor.padStart(12)}   ${ratio === null ? '' : `${ratio.toFixed(2)}×`.padStart(7)}   ${note}`)
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--sizes')
  const chosen = arg > 0 ? process.argv[arg + 1]!.split(',') : ['100', '50k']
  const browser = await chromium.launch({
    executablePath: process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  console.log(`\nKeel browser bench — Chromium ${browser.version()} through the browser host (page load and memory)`)
  let smallest: { listMs: number; nodes: number; heapMB: number } | null = null
  try {
    for (const label of chosen) {
      const spec = SIZES[label]
      if (!spec) throw new Error(`unknown size ${label} (use ${Object.keys(SIZES).join(', ')})`)
      const file = seededDatabase(spec, (l) => console.log(`     ${l}`))
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `keel-bench-browser-${label}-`))
      fs.copyFileSync(file, path.join(dataDir, 'keel.db'))
      const keychainService = `keel-bench-${randomBytes(4).toString('hex')}`
      // The entries the seeded sessions are bound to, and one empty session for the memory anchor.
      const core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false })
      const ok = async (channel: string, input: unknown) => {
        const r = await core.dispatch(channel, input)
        if (!r.ok) throw new Error(`${channel}: ${r.error.message}`)
        return r.value as { id: string }
      }
      await ok('providers.create', { id: 'bench', name: 'Bench', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'b-1', auth: 'none' })
      await ok('providers.create', { id: 'other', name: 'Other', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/o/v1', defaultModel: 'o-1', auth: 'none' })
      const empty = await ok('sessions.create', {})
      await core.close()

      const host = await startHost(dataDir, keychainService)
      try {
        await listShown(browser, host.url) // warm-up: the first load fills the HTTP and SQLite caches
        const samples: number[] = []
        for (let i = 0; i < LOADS; i++) samples.push(await listShown(browser, host.url))
        const listMs = median(samples)
        const list = await listFootprint(browser, host.url)
        smallest ??= { listMs, ...list }
        const sessions = `${spec.sessions.toLocaleString('en')} sessions`
        row(label, `page load → list shown (${sessions})`, `${listMs.toFixed(0)} ms`, `${smallest.listMs.toFixed(0)} ms`, listMs / smallest.listMs, `median of ${LOADS}; vs the first size`)
        row(label, `DOM nodes, list shown (${sessions})`, String(list.nodes), String(smallest.nodes), list.nodes / smallest.nodes, 'vs the first size')
        row(label, `JS heap, list shown (${sessions})`, `${list.heapMB.toFixed(1)} MB`, `${smallest.heapMB.toFixed(1)} MB`, list.heapMB / smallest.heapMB, 'vs the first size')
        const anchor = await withSessionOpen(browser, host.url, empty.id)
        const long = await withSessionOpen(browser, host.url, LONG_SESSION_ID)
        const messages = `${spec.long.toLocaleString('en')}-message session open`
        row(label, `DOM nodes, ${messages}`, String(long.nodes), String(anchor.nodes), long.nodes / anchor.nodes, 'vs an empty session open')
        row(label, `JS heap, ${messages}`, `${long.heapMB.toFixed(1)} MB`, `${anchor.heapMB.toFixed(1)} MB`, long.heapMB / anchor.heapMB, 'vs an empty session open')
      } finally {
        await host.stop()
        fs.rmSync(dataDir, { recursive: true, force: true })
      }
    }
  } finally {
    await browser.close()
  }
}

await main()
