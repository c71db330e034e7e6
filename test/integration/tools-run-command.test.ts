// run_command with real processes (invariants 18 and 19): it runs in the workspace, no secret from Keel's environment
// reaches the command (checked with `env`), a timeout or Stop kills the whole process group — grandchildren too —
// and output is capped with the rest kept for read_tool_result. Process ends are awaited by polling their state.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { COMMAND_OUTPUT_CAP, commandEnvironment, isSecretName, runCommand } from '../../src/main/core/tools/run-command'
import { RESULT_TEXT_CAP } from '../../src/main/core/tools/tool-definition'
import { toolFixture } from '../core/tools/tool-fixture'

/** Gone, or a zombie nobody has reaped yet (it runs nothing any more). */
function processGone(pid: number): boolean {
  if (fs.existsSync('/proc')) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      return state === 'Z' || state === 'X'
    } catch {
      return true
    }
  }
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

/** Polls a condition until it holds (a state, not a fixed delay); fails after `ms`. */
async function waitFor(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const pidFrom = (text: string, label: string): number => {
  const match = new RegExp(`${label}=(\\d+)`).exec(text)
  if (!match) throw new Error(`no ${label} pid in: ${text}`)
  return Number(match[1])
}

const started: number[] = []
afterEach(() => {
  // A failed assertion must not leave sleeps behind on the shared machine.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

describe('run_command', () => {
  it('runs in the workspace and reports output (stdout and stderr) and the exit code', async () => {
    const f = toolFixture()
    f.write('marker.txt', 'here')
    const ok = await runCommand.run({ command: 'pwd; ls; echo to-stderr >&2' }, f.ctx())
    expect(ok).toMatchObject({ ok: true, outcome: 'succeeded', display: { kind: 'command', exitCode: 0, outcome: 'succeeded' } })
    expect(ok.text).toBe(`${f.workspace}\nmarker.txt\nto-stderr\n[Exit code 0]`)
    const failing = await runCommand.run({ command: 'echo nope; exit 3' }, f.ctx())
    expect(failing).toMatchObject({ ok: false, outcome: 'failed', display: { exitCode: 3 } })
    expect(failing.text).toBe('nope\n[Exit code 3]')
    // stdin is empty: a command that reads it ends instead of waiting forever.
    expect((await runCommand.run({ command: 'cat' }, f.ctx())).text).toBe('(no output)\n[Exit code 0]')
  })

  it('no secret and nothing of Keel\'s reaches the command\'s environment', async () => {
    const f = toolFixture()
    const planted: Record<string, string> = {
      OPENAI_API_KEY: 'sk-planted-openai-7d1e',
      ANTHROPIC_API_KEY: 'sk-ant-planted-2c4b',
      GITHUB_TOKEN: 'ghp_planted_91aa',
      AWS_SECRET_ACCESS_KEY: 'planted-aws-5f0c',
      AWS_ACCESS_KEY_ID: 'AKIAPLANTED0001',
      MY_SERVICE_PASSWORD: 'planted-password-3e3e',
      DATABASE_URL: 'postgres://user:planted-db-8b8b@db.example/app',
      KEEL_DATA_DIR: '/planted/keel-data',
      KEEL_KEYCHAIN_SERVICE: 'planted-keel-service',
      LC_SECRET_TOKEN: 'planted-lc-token-0a0a',
    }
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]))
    Object.assign(process.env, planted)
    try {
      const result = await runCommand.run({ command: 'env' }, f.ctx())
      expect(result.ok).toBe(true)
      const names = result.text.split('\n').map((line) => line.split('=')[0])
      for (const [name, value] of Object.entries(planted)) {
        expect(names).not.toContain(name)
        expect(result.text).not.toContain(value)
      }
      expect(names.filter((n) => n.startsWith('KEEL_'))).toEqual([])
      // What commands need is still there.
      expect(names).toContain('PATH')
      expect(result.text).toContain(`PWD=${f.workspace}`)
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })

  it('the environment is an allow-list, and secret-looking names are refused even on it', () => {
    const env = commandEnvironment({ PATH: '/bin', HOME: '/home/u', LANG: 'C', LC_ALL: 'C', EDITOR: 'vi', NODE_OPTIONS: '--require x', LC_API_KEY: 'k' }, '/ws')
    expect(env).toEqual({ PATH: '/bin', HOME: '/home/u', LANG: 'C', LC_ALL: 'C', PWD: '/ws' })
    for (const name of ['OPENAI_API_KEY', 'HF_TOKEN', 'KEEL_DATA_DIR', 'AWS_PROFILE', 'DB_PASSWORD', 'SESSION_COOKIE', 'npm_config__authToken']) {
      expect(isSecretName(name)).toBe(true)
    }
    expect(isSecretName('PATH')).toBe(false)
  })

  it('a timeout kills the command and a background grandchild with it', async () => {
    const f = toolFixture()
    // A limit with room for a loaded machine to start the shell and print the pids before it strikes.
    const result = await runCommand.run({ command: 'sleep 300 & echo "grandchild=$!"; echo "shell=$$"; sleep 300' }, f.ctx({ timeoutMs: 2500 }))
    const grandchild = pidFrom(result.text, 'grandchild')
    const shell = pidFrom(result.text, 'shell')
    started.push(grandchild, shell)
    expect(result).toMatchObject({ ok: false, outcome: 'timed-out', display: { kind: 'command', outcome: 'timed-out' } })
    expect(result.text).toMatch(/\[Timed out after 2500 ms; the command and everything it started were killed\.\]$/)
    await waitFor('the shell to end', () => processGone(shell))
    await waitFor('the background sleep to end', () => processGone(grandchild))
  })

  it('background processes the command leaves behind end when it exits', async () => {
    const f = toolFixture()
    const result = await runCommand.run({ command: 'sleep 300 & echo "grandchild=$!"' }, f.ctx())
    const grandchild = pidFrom(result.text, 'grandchild')
    started.push(grandchild)
    expect(result).toMatchObject({ ok: true, outcome: 'succeeded' })
    await waitFor('the background sleep to end', () => processGone(grandchild))
  })

  it('Stop (the abort signal) kills a running command and its children', async () => {
    const f = toolFixture()
    const stop = new AbortController()
    const pidFile = path.join(f.workspace, 'pids.txt')
    const running = runCommand.run({ command: 'sleep 300 & echo "grandchild=$! shell=$$" > pids.txt; wait' }, f.ctx({ signal: stop.signal }))
    await waitFor('the command to start', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').includes('shell='))
    const pids = fs.readFileSync(pidFile, 'utf8')
    const grandchild = pidFrom(pids, 'grandchild')
    const shell = pidFrom(pids, 'shell')
    started.push(grandchild, shell)
    stop.abort()
    const result = await running
    expect(result).toMatchObject({ ok: false, outcome: 'cancelled' })
    expect(result.text).toMatch(/Stopped by the user/)
    await waitFor('the shell to end', () => processGone(shell))
    await waitFor('the background sleep to end', () => processGone(grandchild))
  })

  it('caps the output it keeps; the model gets the head and the id of the kept result', async () => {
    const f = toolFixture()
    const result = await runCommand.run({ command: `head -c ${COMMAND_OUTPUT_CAP + 5000} /dev/zero | tr '\\0' 'a'` }, f.ctx())
    expect(result).toMatchObject({ ok: true, truncated: true })
    expect(result.text.length).toBeLessThan(RESULT_TEXT_CAP + 400)
    expect(result.text).toMatch(/read_tool_result \{"id": "tr-[0-9a-f-]+", "offset": 32000\}/)
    const full = await f.store.read(result.fullResultId!)
    expect(full).toContain(`${'a'.repeat(COMMAND_OUTPUT_CAP)}\n[Output cut: 4.9 KiB more were not kept (limit 1.0 MiB).]\n[Exit code 0]`)
  })

  it('a workspace that is gone is a result, not a crash', async () => {
    const f = toolFixture()
    const result = await runCommand.run({ command: 'echo hi' }, f.ctx({ workspace: path.join(f.base, 'gone') }))
    expect(result).toMatchObject({ ok: false, outcome: 'failed' })
    expect(result.text).toMatch(/workspace folder is not available/)
  })
})
