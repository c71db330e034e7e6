// A private D-Bus session with its own gnome-keyring, for one test file: a test can lock and unlock the keyring's
// collection without disturbing the shared keyring other test files use at the same time (scripts/with-keyring.sh).
// Point the worker at it (DBUS_SESSION_BUS_ADDRESS) before the first keychain call: libsecret connects lazily, once.
import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { secretServiceLockState } from '../../src/main/core/secrets/keychain-lock'
import { CoreHarness, tempDataDir, testKeychainService } from './core-harness'

const PASSWORD = 'keel-test'
const DEFAULT_COLLECTION = '/org/freedesktop/secrets/aliases/default'

export interface PrivateKeyring {
  readonly address: string
  /** Locks the default collection (Secret Service `Lock`), as a screen lock or a timeout would. */
  lock(): Promise<void>
  /** Unlocks it with the keyring password, as logging in does (same daemon: open connections keep working). */
  unlock(): Promise<void>
  stop(): Promise<void>
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)))
  })
}

/** Waits until the collection reports the wanted state (an event the daemon exposes as a property, read on demand). */
async function waitForLockState(want: 'locked' | 'unlocked'): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if ((await secretServiceLockState()) === want) return
    if (Date.now() > deadline) throw new Error(`the private keyring did not become ${want}`)
    await new Promise((r) => setImmediate(r))
  }
}

/**
 * gnome-keyring's control protocol (gkd-control-codes.h, as pam_gnome_keyring speaks it): one credentials byte,
 * then a big-endian packet [length][op][arg length][arg]; the answer is [length = 8][result]. Result 0 is OK.
 */
function controlUnlock(socketPath: string, password: string): Promise<number> {
  const OP_UNLOCK = 1
  const arg = Buffer.from(password, 'utf8')
  const packet = Buffer.alloc(12 + arg.length)
  packet.writeUInt32BE(packet.length, 0)
  packet.writeUInt32BE(OP_UNLOCK, 4)
  packet.writeUInt32BE(arg.length, 8)
  arg.copy(packet, 12)
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath, () => socket.write(Buffer.concat([Buffer.from([0]), packet])))
    let reply = Buffer.alloc(0)
    socket.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d])
      if (reply.length >= 8) {
        socket.end()
        resolve(reply.readUInt32BE(4))
      }
    })
    socket.on('error', reject)
  })
}

/** Starts the bus and the keyring, and points this process at them. */
export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-keyring-'))
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    bus.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) resolve(line.trim())
    })
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)))
  })
  // The daemon's control socket lives here: unlock() speaks to it.
  const control = fs.mkdtempSync(path.join(home, 'control-'))
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: home, HOME: home }
  process.env.DBUS_SESSION_BUS_ADDRESS = address
  const daemon = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets', `--control-directory=${control}`], { env, stdio: ['pipe', 'ignore', 'ignore'] })
  daemon.stdin!.end(PASSWORD)
  const stop = async () => {
    daemon.kill()
    bus.kill()
    await Promise.all([daemon, bus].map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((r) => p.once('exit', r)))))
    fs.rmSync(home, { recursive: true, force: true })
  }
  try {
    await run('gdbus', ['wait', '--session', '--timeout', '10', 'org.freedesktop.secrets'], env)
    await waitForLockState('unlocked')
  } catch (err) {
    // The caller gets no handle to stop: leave no bus or daemon running behind the failure.
    await stop()
    throw err
  }
  return {
    address,
    async lock() {
      await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${DEFAULT_COLLECTION}`], env)
      await waitForLockState('locked')
    },
    async unlock() {
      // What the PAM module does at login: the password to the running daemon's control socket. The daemon stays
      // the same (libsecret in Keel keeps talking to it); `--replace` would start another one that Keel's open
      // connection does not know.
      const result = await controlUnlock(path.join(control, 'control'), PASSWORD)
      if (result !== 0) throw new Error(`the keyring daemon refused to unlock (control result ${result})`)
      await waitForLockState('unlocked')
    },
    stop,
  }
}

/**
 * A private keyring (lockable) and a core on it, for a test file; `close` stops both and gives the process its
 * D-Bus session address back (the keyring points DBUS_SESSION_BUS_ADDRESS at its own bus).
 */
export async function openCoreOnPrivateKeyring(): Promise<{ keyring: PrivateKeyring; h: CoreHarness; close(): Promise<void> }> {
  const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS
  const keyring = await startPrivateKeyring()
  const h = await CoreHarness.open(tempDataDir(), testKeychainService())
  return {
    keyring,
    h,
    async close() {
      await h.close()
      await keyring.stop()
      process.env.DBUS_SESSION_BUS_ADDRESS = savedBus
    },
  }
}
