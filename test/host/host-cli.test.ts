// `npm run host` as the e2e tests and a user run it: one KEEL_HOST_URL line on stdout, a working WebSocket, and a
// clean exit (code 0, core closed) on SIGTERM. Runs the real core on a temp data folder, with a keychain service
// name of its own so it can never touch a user's keys.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'

const ROOT = path.resolve(import.meta.dirname, '../..')

describe('host CLI', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'keel-host-cli-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('prints exactly one KEEL_HOST_URL line, serves the contract, and exits 0 on SIGTERM', async () => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main/host/cli.ts', '--data-dir', dataDir, '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, KEEL_KEYCHAIN_SERVICE: 'keel-test-host-cli' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const stdoutLines: string[] = []
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        stdoutLines.push(line)
        const match = /^KEEL_HOST_URL=(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/.exec(line)
        if (match) resolve(match[1]!)
      })
      void exited.then((code) => reject(new Error(`host exited with ${code}:\n${stderr}`)))
    })

    const { host, searchParams } = new URL(url)
    const ws = new WebSocket(`ws://${host}/keel-ws?token=${searchParams.get('token')}`, { origin: `http://${host}` })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const answer = new Promise<unknown>((resolve) => ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { t: string; id?: number }
      if (message.t === 'result' && message.id === 1) resolve(message)
    }))
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'app.state', input: {} }))
    expect(await answer).toMatchObject({ t: 'result', id: 1, result: { ok: true, value: { runtime: 'host', dataDir } } })

    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await closed).toBe(1001)
    expect(await exited).toBe(0)
    expect(stdoutLines).toEqual([`KEEL_HOST_URL=${url}`])
  })
})
