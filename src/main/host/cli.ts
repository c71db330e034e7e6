// `npm run host -- [--data-dir DIR] [--port N] [--open] [--renderer-dir DIR]`
// Runs Keel's core in plain Node and serves the built renderer to a browser on 127.0.0.1.
// stdout carries exactly one line, `KEEL_HOST_URL=<url>`, once the server is ready (tests parse it); everything
// meant for people goes to stderr.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openKeelCore } from '../core/app/keel-core'
import type { KeelCore } from '../core/app/keel-core.types'
import { defaultDataDir } from '../core/data-dir'
import { DataDirInUseError } from '../core/data-dir-lock'
import { KeelError } from '../core/errors'
import { startHostServer, type HostServer } from './server'

const USAGE = `Usage: npm run host -- [options]

  --data-dir DIR      where config.json and keel.db live (default: $KEEL_DATA_DIR, else Keel's desktop data folder)
  --port N            port on 127.0.0.1 (default: 0, a free port)
  --open              open the URL in the default browser
  --renderer-dir DIR  the built renderer (default: out/renderer; \`npm run host\` builds it when sources changed)
  -h, --help          show this help

Environment: KEEL_DATA_DIR, KEEL_KEYCHAIN_SERVICE (keychain service name; tests use their own).`

interface HostArgs {
  dataDir: string
  port: number
  open: boolean
  rendererDir: string
}

/** The longest a shutdown may take before the process exits without the core's consent. */
const SHUTDOWN_LIMIT_MS = 10_000

const say = (line: string): void => void process.stderr.write(`[keel-host] ${line}\n`)

function parseHostArgs(argv: string[]): HostArgs | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      open: { type: 'boolean', default: false },
      'renderer-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return null
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, not "${values.port}"`)
  const repoRoot = keelRoot()
  return {
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(),
    port,
    open: values.open,
    rendererDir: path.resolve(values['renderer-dir'] ?? path.join(repoRoot, 'out', 'renderer')),
  }
}

/** The checkout this file runs from: src/main/host/cli.ts under tsx, out/main/host.js when built. */
function keelRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let up = 0; up < 6 && !existsSync(path.join(dir, 'package.json')); up++) dir = path.dirname(dir)
  return dir
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]]
  const child = spawn(command, args, { detached: true, stdio: 'ignore' })
  child.on('error', (error) => say(`could not open a browser (${error.message}); open the URL yourself`))
  child.unref()
}

async function main(): Promise<void> {
  let args: HostArgs | null
  try {
    args = parseHostArgs(process.argv.slice(2))
  } catch (error) {
    say(error instanceof Error ? error.message : String(error))
    process.stderr.write(`${USAGE}\n`)
    process.exitCode = 2
    return
  }
  if (args === null) {
    process.stderr.write(`${USAGE}\n`)
    return
  }

  if (!existsSync(path.join(args.rendererDir, 'index.html'))) {
    say(`no built renderer in ${args.rendererDir}: run \`npm run build\` (or use \`npm run host\`, which builds first)`)
  }

  let core: KeelCore
  try {
    core = await openKeelCore({ dataDir: args.dataDir, runtime: 'host', keychainService: process.env.KEEL_KEYCHAIN_SERVICE })
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      // Another Keel writes this directory: say which one and what to do, and leave it alone.
      say(`refusing to start: ${error.message}`)
      say(error.data.fix ?? '')
    } else {
      say(`could not open Keel's data in ${args.dataDir}: ${error instanceof Error ? error.message : String(error)}`)
      if (error instanceof KeelError && error.data.fix) say(error.data.fix)
    }
    process.exitCode = 1
    return
  }

  let server: HostServer
  try {
    server = await startHostServer({ core, rendererDir: args.rendererDir, port: args.port, host: '127.0.0.1' })
  } catch (error) {
    say(`could not start the server on 127.0.0.1:${args.port}: ${error instanceof Error ? error.message : String(error)}`)
    await core.close().catch(() => undefined)
    process.exitCode = 1
    return
  }

  // Repeated signals are ignored rather than treated as "force quit": conf's when-exit re-raises every SIGINT and
  // SIGTERM it sees, and dying then would cut the core's checkpoint short. A core that never closes is cut off
  // after SHUTDOWN_LIMIT_MS instead.
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    setTimeout(() => {
      say(`the core did not close within ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway`)
      process.exit(1)
    }, SHUTDOWN_LIMIT_MS).unref()
    say(`${signal}: closing pages and the core`)
    void (async () => {
      try {
        await server.close()
        await core.close()
        process.exit(0)
      } catch (error) {
        say(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`)
        process.exit(1)
      }
    })()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  say(`data: ${args.dataDir}`)
  say(`renderer: ${args.rendererDir}`)
  say(`open ${server.url} (the token in it is required; it changes at every launch)`)
  process.stdout.write(`KEEL_HOST_URL=${server.url}\n`)
  if (args.open) openInBrowser(server.url)
}

void main()
