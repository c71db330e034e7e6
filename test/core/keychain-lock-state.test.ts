// How Keel reads the Secret Service's lock state through `dbus-send`, and what it does when dbus-send misbehaves: a
// failed or hung call is "unknown" (Keel then behaves as before), never a guess. `dbus-send` on PATH is a script
// that plays each behaviour (the real one, on a real keyring, is in keychain-locked.test.ts).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keychainLockedError, secretServiceLockState } from '../../src/main/core/secrets/keychain-lock'
import { tempDataDir } from '../support/core-harness'

const dir = tempDataDir('keel-fake-dbus-send')
const log = path.join(dir, 'calls.log')
const savedPath = process.env.PATH

/** What the fake dbus-send does, read from the environment Keel passes it. */
const SCRIPT = `#!/bin/sh
echo "$*" >> '${log}'
case "$KEEL_FAKE_DBUS_SEND" in
  locked) printf 'method return time=1 sender=:1.1 -> destination=:1.2 serial=3 reply_serial=2\\n   variant       boolean true\\n' ;;
  unlocked) printf 'method return time=1 sender=:1.1 -> destination=:1.2 serial=3 reply_serial=2\\n   variant       boolean false\\n' ;;
  garbled) printf 'method return\\n   variant       string "yes"\\n' ;;
  failed) printf '   variant       boolean true\\n'; echo 'Error org.freedesktop.DBus.Error.NoReply' >&2; exit 1 ;;
  hang) exec sleep 60 ;;
esac
`

beforeAll(() => {
  fs.writeFileSync(path.join(dir, 'dbus-send'), SCRIPT, { mode: 0o755 })
  process.env.PATH = `${dir}${path.delimiter}${savedPath}`
})
afterAll(() => {
  process.env.PATH = savedPath
  delete process.env.KEEL_FAKE_DBUS_SEND
  fs.rmSync(dir, { recursive: true, force: true })
})

async function stateWhen(behaviour: string) {
  process.env.KEEL_FAKE_DBUS_SEND = behaviour
  return secretServiceLockState()
}

describe('secretServiceLockState', () => {
  it("reads the default collection's Locked property", async () => {
    expect(await stateWhen('locked')).toBe('locked')
    expect(await stateWhen('unlocked')).toBe('unlocked')
    expect(await stateWhen('garbled')).toBe('unknown')
    const last = fs.readFileSync(log, 'utf8').trim().split('\n').at(-1)
    expect(last).toBe('--session --print-reply --reply-timeout=2000 --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked')
  })

  it('a dbus-send that failed is not believed, even if it printed something that looks like an answer', async () => {
    expect(await stateWhen('failed')).toBe('unknown')
  })

  it("a dbus-send that never answers is given up on, but not before its own reply timeout (2 s) had its chance", async () => {
    const started = Date.now()
    expect(await stateWhen('hang')).toBe('unknown')
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
  })

  it('off Linux there is no Secret Service to ask: unknown, and dbus-send is not run', async () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!
    const calls = fs.readFileSync(log, 'utf8')
    Object.defineProperty(process, 'platform', { ...platform, value: 'darwin' })
    try {
      expect(await stateWhen('locked')).toBe('unknown')
    } finally {
      Object.defineProperty(process, 'platform', platform)
    }
    expect(fs.readFileSync(log, 'utf8')).toBe(calls)
  })
})

describe('keychainLockedError', () => {
  it('says the keys are kept and how to unlock; by default, that Keel cannot read or store API keys', () => {
    const e = keychainLockedError()
    expect(e.data.kind).toBe('keychain-locked')
    expect(e.data.message).toBe('The OS keychain is locked, so Keel cannot read or store API keys. Keys stored there are kept; they cannot be read until it is unlocked.')
    expect(e.data.fix).toMatch(/^Unlock the "Login" keyring/)
    expect(keychainLockedError('store the MCP secret').data.message).toMatch(/^The OS keychain is locked, so Keel cannot store the MCP secret\./)
  })
})
