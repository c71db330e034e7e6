// npm run bench: how fast the parts a user waits on are, on real SQLite files, the real keychain and the recording
// fake provider. Prints figures; asserts nothing (speed is measured here, not in timed tests).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { openKeelCore } from '../src/main/core/app/keel-core'
import type { KeelCore } from '../src/main/core/app/keel-core.types'
import { canonicalizeBinding } from '../src/main/core/identity/canonicalize'
import { startFakeProvider } from '../test/fake-provider/server'

const rows: Array<[string, string]> = []
const report = (name: string, value: string) => {
  rows.push([name, value])
  console.log(`${name.padEnd(58)} ${value}`)
}
const ms = (t: number) => `${t.toFixed(2)} ms`

async function call(core: KeelCore, channel: string, input: unknown): Promise<any> {
  const r = await core.dispatch(channel, input)
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`)
  return r.value
}

async function timeIt(n: number, fn: () => Promise<unknown> | unknown): Promise<{ median: number; p95: number }> {
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  samples.sort((a, b) => a - b)
  return { median: samples[Math.floor(n / 2)]!, p95: samples[Math.floor(n * 0.95)]! }
}

async function main() {
  const fake = await startFakeProvider()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-'))
  const keychainService = `keel-bench-${randomBytes(4).toString('hex')}`
  let core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false })
  await call(core, 'providers.create', { id: 'bench', name: 'Bench', kind: 'openai-compatible', baseUrl: `${fake.url}/v1`, defaultModel: 'b-1', key: `sk-bench-${randomBytes(8).toString('hex')}` })
  await call(core, 'providers.create', { id: 'other', name: 'Other', kind: 'openai-compatible', baseUrl: `${fake.url}/o/v1`, defaultModel: 'o-1', auth: 'none' })

  // A long-lived install: 1,000 sessions with 40 messages each, written the way turns write them.
  const SESSIONS = 1000
  const MESSAGES = 40
  const ids: string[] = []
  for (let i = 0; i < SESSIONS; i++) ids.push((await call(core, 'sessions.create', {})).id)
  await core.close()
  const db = new Database(path.join(dataDir, 'keel.db'))
  const insert = db.prepare("INSERT INTO messages (id, session_id, turn_id, seq, role, content, status, created_at) VALUES (?, ?, NULL, ?, ?, ?, 'complete', ?)")
  let t = performance.now()
  db.transaction(() => {
    for (const id of ids) for (let m = 1; m <= MESSAGES; m++) insert.run(randomBytes(8).toString('hex'), id, m, m % 2 ? 'user' : 'assistant', `message ${m} `.repeat(30), Date.now())
  })()
  report(`seed ${SESSIONS * MESSAGES} messages (one transaction)`, ms(performance.now() - t))
  db.close()

  t = performance.now()
  core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: false })
  report('open core on that database (migrations, repair, recovery scan)', ms(performance.now() - t))

  let r = await timeIt(20, () => call(core, 'sessions.list', {}))
  report(`sessions.list, ${SESSIONS} sessions with identity snapshots`, `median ${ms(r.median)}, p95 ${ms(r.p95)}`)
  r = await timeIt(20, () => call(core, 'sessions.list', { query: 'message 7' }))
  report('sessions.list with a full-text query', `median ${ms(r.median)}, p95 ${ms(r.p95)}`)
  r = await timeIt(50, () => call(core, 'sessions.open', { id: ids[500] }))
  report(`sessions.open, ${MESSAGES} messages`, `median ${ms(r.median)}, p95 ${ms(r.p95)}`)
  r = await timeIt(50, () => call(core, 'diagnostics.session', { id: ids[500] }))
  report('diagnostics.session (four views)', `median ${ms(r.median)}, p95 ${ms(r.p95)}`)
  r = await timeIt(200, () => call(core, 'sessions.saveDraft', { id: ids[1], text: 'draft '.repeat(50) }))
  report('sessions.saveDraft', `median ${ms(r.median)}, p95 ${ms(r.p95)}`)

  // Streaming: a 2,000-chunk reply through the real SDK and the real checkpointing.
  const CHUNKS = 2000
  fake.script({ slow: { chunks: CHUNKS, intervalMs: 0 }, reply: 'word '.repeat(CHUNKS), times: 5 })
  const sid = ids[0]!
  const turnTimes: number[] = []
  for (let i = 0; i < 5; i++) {
    const done = new Promise<void>((resolve) => {
      const off = core.subscribe((event, payload: any) => {
        if (event === 'chat' && payload.type === 'turn-ended') {
          off()
          resolve()
        }
      })
    })
    t = performance.now()
    await call(core, 'chat.send', { sessionId: sid, text: `go ${i}` })
    await done
    turnTimes.push(performance.now() - t)
  }
  turnTimes.sort((a, b) => a - b)
  report(`turn streaming ${CHUNKS} chunks (send → stored reply)`, `median ${ms(turnTimes[2]!)} (${Math.round(CHUNKS / (turnTimes[2]! / 1000))} chunks/s)`)

  const providers = [{ id: 'openai', name: 'OpenAI', kind: 'openai' as const, api: 'openai-chat' as const, baseUrl: 'https://api.openai.com/v1' }]
  const N = 100_000
  t = performance.now()
  for (let i = 0; i < N; i++) canonicalizeBinding({ entryId: 'openai-codex', model: 'openai-codex/gpt-5.5' }, providers)
  report('canonicalizeBinding (legacy row)', `${Math.round(N / ((performance.now() - t) / 1000)).toLocaleString('en')} ops/s`)

  await core.close()
  await fake.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

await main()
