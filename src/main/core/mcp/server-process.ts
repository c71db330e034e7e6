// The process of an MCP stdio server, as an SDK Transport. The SDK's own StdioClientTransport cannot be used as is:
// it spawns the server in Keel's process group and kills only that one process on close, so what an `npx`/`uvx`
// wrapper started (the real server) would outlive Keel. Here the server is spawned detached, as the leader of its
// own process group, and stopping it signals the whole group. Framing is the SDK's own (ReadBuffer,
// serializeMessage): this is plumbing between a pipe and the SDK's Client, not protocol code.
import { spawn, type ChildProcess } from 'node:child_process'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

export interface ServerProcessParams {
  file: string
  args: readonly string[]
  env: Record<string, string>
  cwd: string | null
  /** Each line the server writes to stderr. */
  onStderr(line: string): void
}

export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** How long a server gets to exit on SIGTERM before its process group is killed. */
const TERM_GRACE_MS = 2_000
/** How long after the process exited its pipes may stay open (held by something it left running) before Keel drops them. */
const PIPE_GRACE_MS = 1_000

export class ServerProcess implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void

  private child: ChildProcess | null = null
  private readonly readBuffer = new ReadBuffer()
  private exitInfo: ProcessExit | null = null
  private readonly exitWaiters: Array<(exit: ProcessExit) => void> = []
  private stderrRest = ''
  private closing = false

  constructor(private readonly params: ServerProcessParams) {}

  get pid(): number | null {
    return this.child?.pid ?? null
  }

  /** Set once the process has exited (and its pipes closed). */
  get exit(): ProcessExit | null {
    return this.exitInfo
  }

  /** Resolves when the process has exited and its pipes are closed. */
  exited(): Promise<ProcessExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo)
    return new Promise((resolve) => this.exitWaiters.push(resolve))
  }

  /** Spawns the process (the "spawn" phase): resolves once it runs, rejects with the spawn error (ENOENT, EACCES, …). */
  spawnProcess(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.params.file, [...this.params.args], {
        env: this.params.env,
        cwd: this.params.cwd ?? undefined,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
      })
      this.child = child
      child.once('spawn', () => resolve())
      // `on`, not `once`: an unhandled second 'error' (a failed kill) would take Keel down.
      child.on('error', (err) => {
        if (child.pid === undefined) reject(err)
        else this.onerror?.(err)
      })
      // 'close' waits for every holder of the pipes: when what Keel started has exited but something it left behind
      // (outside its process group) keeps them open, the pipes are let go of so the exit is still seen.
      child.once('exit', () => {
        setTimeout(() => {
          if (this.exitInfo) return
          child.stdin?.destroy()
          child.stdout?.destroy()
          child.stderr?.destroy()
        }, PIPE_GRACE_MS).unref()
      })
      child.once('close', (code, signal) => {
        this.flushStderr()
        this.exitInfo = { code, signal }
        for (const w of this.exitWaiters.splice(0)) w(this.exitInfo)
        this.onclose?.()
      })
      child.stdin!.on('error', (err) => this.onerror?.(err))
      child.stdout!.on('error', (err) => this.onerror?.(err))
      child.stderr!.on('error', () => {
        // stderr is only read for the status's last lines; losing it loses nothing else.
      })
      child.stdout!.on('data', (chunk: Buffer) => {
        this.readBuffer.append(chunk)
        for (;;) {
          let message: JSONRPCMessage | null
          try {
            message = this.readBuffer.readMessage()
          } catch (err) {
            // A line that is not JSON-RPC (a server printing logs to stdout): reported, the stream goes on.
            this.onerror?.(err as Error)
            continue
          }
          if (message === null) break
          this.onmessage?.(message)
        }
      })
      child.stderr!.setEncoding('utf8')
      child.stderr!.on('data', (chunk: string) => {
        const lines = (this.stderrRest + chunk).split(/\r?\n/)
        this.stderrRest = lines.pop() ?? ''
        for (const line of lines) this.params.onStderr(line)
      })
    })
  }

  /** The SDK's Client calls this on connect; the process was spawned before (its own phase). */
  async start(): Promise<void> {
    if (!this.child) await this.spawnProcess()
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin
      if (!stdin || this.exitInfo || stdin.destroyed) {
        reject(new Error('server process is not running'))
        return
      }
      if (stdin.write(serializeMessage(message))) resolve()
      else stdin.once('drain', resolve)
    })
  }

  /** Stops the server: SIGTERM to its process group, SIGKILL to whatever of the group is left after a grace period. */
  async close(): Promise<void> {
    const child = this.child
    if (!child || child.pid === undefined) return
    // Closed once: a second close only waits (signalling the group again could reach a reused process group id).
    if (this.closing) return void (await this.exited())
    this.closing = true
    const pid = child.pid
    try {
      child.stdin?.end()
    } catch {
      // already closed
    }
    signalGroup(pid, 'SIGTERM')
    if (!this.exitInfo) {
      await Promise.race([this.exited(), new Promise((resolve) => setTimeout(resolve, TERM_GRACE_MS).unref())])
    }
    // The leader may be gone while what it started (the real server behind a wrapper) is still in the group.
    signalGroup(pid, 'SIGKILL')
    if (!this.exitInfo) await this.exited()
  }

  private flushStderr(): void {
    if (this.stderrRest) this.params.onStderr(this.stderrRest)
    this.stderrRest = ''
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal)
  } catch {
    // the group is already empty
  }
}
