// The keychain adapter's own answers while the collection is locked, call by call (keychain-locked.test.ts checks
// what the app shows; this one checks every Keychain method, including the ones only MCP secrets and diagnostics
// use), and that D-Bus is asked about the lock only when its answer can change something. A real gnome-keyring on
// a private bus; `dbus-send` on PATH is a wrapper that counts calls and runs the real one.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Keychain } from '../../src/main/core/secrets/keychain'
import type { KeelError } from '../../src/main/core/errors'
import { tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { startPrivateKeyring, type PrivateKeyring } from '../support/private-keyring'

let keyring: PrivateKeyring
const saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, path: process.env.PATH }
const dir = tempDataDir('keel-dbus-send')
const log = path.join(dir, 'calls.log')
/** How many times Keel ran dbus-send (asked D-Bus whether the collection is locked). */
const dbusCalls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0)

beforeAll(async () => {
  const real = execFileSync('sh', ['-c', 'command -v dbus-send'], { encoding: 'utf8' }).trim()
  fs.writeFileSync(path.join(dir, 'dbus-send'), `#!/bin/sh\necho call >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 })
  process.env.PATH = `${dir}${path.delimiter}${process.env.PATH}`
  keyring = await startPrivateKeyring()
})
afterAll(async () => {
  await keyring?.stop()
  process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus
  process.env.PATH = saved.path
  fs.rmSync(dir, { recursive: true, force: true })
})

const kc = new Keychain(testKeychainService())
const key = testKey('calls')

async function refused(p: Promise<unknown>): Promise<KeelError['data']> {
  const err = await p.then(
    () => null,
    (e: KeelError) => e,
  )
  expect(err, 'the call should have been refused').not.toBeNull()
  return err!.data
}

describe('keychain calls', () => {
  it('unlocked: a key that was read is answered without asking D-Bus; D-Bus is asked only when no key could be read', async () => {
    await kc.storeKey('work', key)
    let before = dbusCalls()
    expect(await kc.readKey('work')).toBe(key)
    const lookup = await kc.keyInfo(['work', 'other'])
    expect(lookup('work').state).toBe('present')
    expect(lookup('other')).toEqual({ state: 'absent', fingerprint: null })
    expect(await kc.probe(['work'])).toBeNull()
    // A read key proves the collection unlocked: no dbus-send for any of these.
    expect(dbusCalls() - before).toBe(0)

    // The probe reads at most three entries' keys, then asks D-Bus (the fourth, which has a key, is not read).
    before = dbusCalls()
    expect(await kc.probe(['x1', 'x2', 'x3', 'work'])).toBeNull()
    expect(dbusCalls() - before).toBe(1)
    // No entries: reachable and unlocked is "no problem", after asking.
    before = dbusCalls()
    expect(await kc.probe()).toBeNull()
    expect(await kc.readKey('nothing-stored')).toBeNull()
    expect(dbusCalls() - before).toBe(2)
  })

  it('locked: every read, store and delete says locked and names what it could not do; nothing is reported missing, and nothing is lost', async () => {
    await kc.storeSecret('mcp:srv:TOKEN', 'tok-value-123456')
    await keyring.lock()

    const read = await refused(kc.readKey('work'))
    expect(read.kind).toBe('keychain-locked')
    expect(read.message).toBe('The OS keychain is locked, so Keel cannot read the API key. Keys stored there are kept; they cannot be read until it is unlocked.')
    expect((await refused(kc.readKey('nothing-stored'))).kind).toBe('keychain-locked')
    // The generic methods (MCP secrets, doctor) name a secret, not an API key, when the caller names no action.
    expect(await refused(kc.readSecret('mcp:srv:TOKEN'))).toMatchObject({ kind: 'keychain-locked', message: expect.stringContaining('cannot read the secret.') })
    expect(await refused(kc.storeSecret('mcp:srv:OTHER', 'v-123456'))).toMatchObject({ kind: 'keychain-locked', message: expect.stringContaining('cannot store the secret.') })
    expect(await refused(kc.deleteSecret('mcp:srv:TOKEN'))).toMatchObject({ kind: 'keychain-locked', message: expect.stringContaining('cannot remove the secret.') })
    expect(await kc.probe()).toMatchObject({ data: { kind: 'keychain-locked', message: expect.stringContaining('cannot read or store API keys.') } })

    // keyInfo's default: every entry needs a key, so "absent" is "cannot be read now" — also for an entry not asked about.
    const lookup = await kc.keyInfo(['work', 'local'])
    expect(lookup('work')).toEqual({ state: 'unavailable', fingerprint: null, locked: true })
    expect(lookup('local')).toEqual({ state: 'unavailable', fingerprint: null, locked: true })
    expect(lookup('never-asked')).toEqual({ state: 'unavailable', fingerprint: null, locked: true })

    // An entry that needs no key (a local server) is fine without one: not reported locked, and D-Bus is not asked.
    const before = dbusCalls()
    const keyless = await kc.keyInfo(['local'], () => false)
    expect(keyless('local')).toEqual({ state: 'absent', fingerprint: null })
    expect(dbusCalls() - before).toBe(0)

    await keyring.unlock()
    // The refused delete kept the secret, and the key is still there.
    expect(await kc.readSecret('mcp:srv:TOKEN')).toBe('tok-value-123456')
    expect(await kc.readKey('work')).toBe(key)
    expect(await kc.readSecret('mcp:srv:OTHER')).toBeNull()
  })
})
