// run_command: one shell command, run in the workspace folder (invariant 19). The command gets a small environment
// built from an allow-list, so none of Keel's variables (KEEL_*) and none of the user's secrets (API keys, tokens,
// cloud credentials) that happen to be in Keel's own environment reach it. It runs in its own process group, so a
// timeout or Stop kills everything it started, grandchildren included; when the shell exits, whatever it left
// running in the background is ended too, since it would otherwise hold the output open and outlive the call.
// Output (stdout and stderr, interleaved as they arrive) is kept up to a cap; the exit code is always reported.
import { spawn } from 'node:child_process'
import { z } from 'zod'
import { formatBytes } from './file-text'
import { defineTool, type RawToolResult, type ToolOutcome } from './tool-definition'
import { workspaceRoot } from './workspace-paths'

/** The most output one command keeps; the rest is counted, not kept. */
export const COMMAND_OUTPUT_CAP = 1024 * 1024
/** After the shell exits, how long output may still drain from processes that left their group (setsid). */
const DRAIN_AFTER_EXIT_MS = 1000

/** Variables a command may inherit: what shells and common tools need to behave normally. */
const ALLOWED_NAMES = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TERM', 'COLORTERM', 'TMPDIR', 'TMP', 'TEMP', 'TZ',
  // Windows needs these to start anything at all.
  'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'PROGRAMDATA',
])
const ALLOWED_PREFIXES = ['LC_']

/** Names that are, or may hold, a secret: refused even if a later change puts them on the allow-list. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|^KEEL_|^AWS_|^AZURE_|^GCP_|^GOOGLE_|^OPENAI_|^ANTHROPIC_|^GITHUB_|^GH_|^NPM_/i

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** The environment a command runs with: the allowed part of Keel's own, and PWD = the workspace. */
export function commandEnvironment(parent: NodeJS.ProcessEnv, workspace: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || isSecretName(name)) continue
    if (ALLOWED_NAMES.has(name.toUpperCase()) || ALLOWED_PREFIXES.some((p) => name.startsWith(p))) env[name] = value
  }
  env.PWD = workspace
  return env
}

/** Ends the command and everything in its process group. */
function killTree(pid: number): void {
  try {
    if (process.platform === 'win32') {
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true })
    } else {
      process.kill(-pid, 'SIGKILL')
    }
  } catch {
    // ESRCH: the group is already gone.
  }
}

export interface CommandRun {
  outcome: ToolOutcome
  exitCode: number | null
  signal: string | null
  output: string
  /** Bytes of output past COMMAND_OUTPUT_CAP that were dropped. */
  dropped: number
  /** Set when the command could not be started at all. */
  startError?: string
}

/** Runs `command` through the shell in `cwd`; resolves when it has ended and been cleaned up. Never rejects. */
export function runShell(command: string, cwd: string, opts: { timeoutMs: number; signal: AbortSignal; env: Record<string, string> }): Promise<CommandRun> {
  return new Promise((resolve) => {
    const child =
      process.platform === 'win32'
        ? spawn(command, { cwd, env: opts.env, shell: true, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('/bin/sh', ['-c', command], { cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let kept = 0
    let dropped = 0
    let ended: 'timed-out' | 'cancelled' | null = null
    let exit: { code: number | null; signal: string | null } | null = null
    let settled = false
    let drainTimer: NodeJS.Timeout | undefined

    const collect = (chunk: Buffer) => {
      const room = COMMAND_OUTPUT_CAP - kept
      if (room > 0) {
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk
        chunks.push(part)
        kept += part.length
      }
      dropped += Math.max(0, chunk.length - Math.max(0, room))
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)

    const stop = (why: 'timed-out' | 'cancelled') => {
      if (ended === null && exit === null) ended = why
      if (child.pid !== undefined) killTree(child.pid)
    }
    const timer = setTimeout(() => stop('timed-out'), opts.timeoutMs)
    const onAbort = () => stop('cancelled')
    opts.signal.addEventListener('abort', onAbort, { once: true })

    const finish = (startError?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      opts.signal.removeEventListener('abort', onAbort)
      const outcome: ToolOutcome = startError ? 'failed' : (ended ?? (exit?.code === 0 ? 'succeeded' : 'failed'))
      resolve({
        outcome,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        output: Buffer.concat(chunks).toString('utf8'),
        dropped,
        ...(startError ? { startError } : {}),
      })
    }

    child.on('error', (err) => {
      // spawn failed (no shell, cwd gone): there is no process to wait for.
      if (child.pid === undefined) finish((err as NodeJS.ErrnoException).code ?? 'the command could not be started')
    })
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      // Background processes left by the shell would keep the output open and outlive the call.
      if (child.pid !== undefined) killTree(child.pid)
      drainTimer = setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        finish()
      }, DRAIN_AFTER_EXIT_MS)
    })
    child.on('close', () => finish())
    if (opts.signal.aborted) onAbort()
  })
}

export const runCommand = defineTool({
  name: 'run_command',
  description:
    'Run a shell command (/bin/sh -c) with the workspace folder as working directory. Output (stdout and stderr together) ' +
    'and the exit code are returned. The command has a time limit, no input (stdin is empty), and a minimal environment ' +
    'without secrets; background processes it starts are ended when it exits.',
  effect: 'execute',
  input: z.strictObject({
    command: z.string().min(1).describe('The shell command line to run.'),
  }),
  async run(args, ctx): Promise<RawToolResult> {
    const ws = await workspaceRoot(ctx.workspace)
    if (!ws.ok) return { ok: false, text: ws.reason }
    if (args.command.includes('\0')) return { ok: false, text: 'The command contains a NUL character.' }
    const run = await runShell(args.command, ws.root, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, env: commandEnvironment(process.env, ws.root) })
    const display = { kind: 'command' as const, command: args.command, exitCode: run.exitCode, signal: run.signal, outcome: run.outcome }
    if (run.startError) return { ok: false, text: `The command could not be started (${run.startError}).`, display }

    const parts: string[] = [run.output.length > 0 ? run.output.replace(/\n$/, '') : '(no output)']
    if (run.dropped > 0) parts.push(`[Output cut: ${formatBytes(run.dropped)} more were not kept (limit ${formatBytes(COMMAND_OUTPUT_CAP)}).]`)
    if (run.outcome === 'timed-out') parts.push(`[Timed out after ${ctx.timeoutMs} ms; the command and everything it started were killed.]`)
    else if (run.outcome === 'cancelled') parts.push('[Stopped by the user; the command and everything it started were killed.]')
    else if (run.exitCode !== null) parts.push(`[Exit code ${run.exitCode}]`)
    else parts.push(`[Ended by signal ${run.signal}]`)
    return { ok: run.outcome === 'succeeded', outcome: run.outcome, text: parts.join('\n'), display }
  },
})
