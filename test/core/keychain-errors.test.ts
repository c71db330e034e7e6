// What the user is told when the OS keychain fails: the cause in words and the fix, for each way libsecret/keytar
// reports it — never the raw error text (which could carry a secret). Also the fingerprint and account rules.
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { keyFingerprint, keychainAccount, keychainError } from '../../src/main/core/secrets/keychain'

const said = (text: unknown) => {
  const e = keychainError(text instanceof Error || typeof text !== 'string' ? text : new Error(text))
  return { kind: e.data.kind, message: e.data.message, fix: e.data.fix ?? '' }
}

describe('keychainError', () => {
  const noBus = [
    'Cannot autolaunch D-Bus without X11 $DISPLAY',
    'Could not connect: No such file or directory',
    'DBUS_SESSION_BUS_ADDRESS is not set',
    'dbus-launch failed',
    'org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided',
    'org.freedesktop.DBus.Error.NoServer: Failed to connect',
    'org.freedesktop.DBus.Error.Spawn.ExecFailed: no secret service',
    'CANNOT AUTOLAUNCH D-BUS',
  ]
  for (const text of noBus) {
    it(`no session bus: "${text}"`, () => {
      const e = said(text)
      expect(e.kind).toBe('keychain-unavailable')
      expect(e.message).toBe('No OS keychain is reachable: there is no D-Bus session with a Secret Service (gnome-keyring or KWallet).')
      expect(e.fix).toContain('gnome-keyring-daemon --unlock --components=secrets')
      expect(e.fix).toContain('Keel never stores keys in plain text.')
    })
  }

  const locked = ['Object does not exist at path “/org/freedesktop/secrets/collection/login”', 'No such secret collection at path: /', 'The collection is locked', 'IsLocked: true', 'cannot open collection/login']
  for (const text of locked) {
    it(`locked or missing collection: "${text}"`, () => {
      const e = said(text)
      expect(e.kind).toBe('keychain-unavailable')
      expect(e.message).toBe('The OS keychain is locked or has no login collection.')
      expect(e.fix).toMatch(/^Unlock your login keyring/)
    })
  }

  for (const text of ['Prompt was dismissed', 'User canceled the operation', 'Access denied']) {
    it(`refused by the user: "${text}"`, () => {
      const e = said(text)
      expect(e.message).toBe('Access to the OS keychain was refused.')
      expect(e.fix).toBe('Allow Keel to use the keychain when asked, then try again.')
    })
  }

  it('anything else: a general message, never the raw text', () => {
    const e = said('sk-secret-in-a-weird-error 0x1234')
    expect(e.kind).toBe('keychain-unavailable')
    expect(e.message).toBe('The OS keychain could not be used.')
    expect(e.fix).toMatch(/gnome-keyring, KWallet, macOS Keychain or Windows Credential Manager/)
    expect(JSON.stringify(e)).not.toContain('sk-secret')
    expect(said(42).message).toBe('The OS keychain could not be used.')
    // A thrown non-Error is read through String(): still classified, still not shown.
    expect(said({ toString: () => 'Could not connect: no bus' }).message).toMatch(/No OS keychain is reachable/)
  })
})

describe('key fingerprints and accounts', () => {
  it('a fingerprint is 12 hex characters, stable for a key and different for another', () => {
    const fp = keyFingerprint('sk-one')
    expect(fp).toMatch(/^[0-9a-f]{12}$/)
    expect(keyFingerprint('sk-one')).toBe(fp)
    expect(keyFingerprint('sk-two')).not.toBe(fp)
    // Recorded turns carry identity keys built from fingerprints: the salt may never change, or every interrupted
    // turn would look like it ran on another key. And salted, it is not the key's plain SHA-256 prefix.
    expect(fp).toBe(createHash('sha256').update('keel-credential-fingerprint:sk-one').digest('hex').slice(0, 12))
    expect(fp).not.toBe(createHash('sha256').update('sk-one').digest('hex').slice(0, 12))
  })
  it('the keychain account is provider:<entry id>', () => {
    expect(keychainAccount('acme-2')).toBe('provider:acme-2')
  })
})
