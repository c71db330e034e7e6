// Whether the Secret Service's default collection is locked (Linux). keytar cannot tell: while the collection is
// locked libsecret cannot show an unlock prompt (none can be shown headless, and keytar never asks), so getPassword
// returns null exactly as if no key were stored, and deletePassword returns false without deleting. Keel asks the
// collection itself, over D-Bus, before it ever tells the user that a key is missing.
//
// Why `dbus-send` and not a D-Bus client library: one property read is all Keel needs, and dbus-send ships in
// Debian's `dbus-bin`, which the `dbus` package (a dependency of every desktop session, and installed by
// scripts/install.sh) pulls in. It needs no native build and no extra npm dependency (dbus-next, the maintained-ish
// JS client, has had no release in years). If it is missing or times out, the state is 'unknown' and Keel behaves
// as before.
import { execFile } from 'node:child_process'
import { KeelError } from '../errors'

export type KeychainLockState = 'locked' | 'unlocked' | 'unknown'

/** libsecret stores new items in the collection behind the `default` alias; gnome-keyring and KWallet serve it. */
const DEFAULT_COLLECTION = '/org/freedesktop/secrets/aliases/default'
const TIMEOUT_MS = 2000

/** Reads the `Locked` property of the default Secret Service collection. Never throws. */
export function secretServiceLockState(): Promise<KeychainLockState> {
  if (process.platform !== 'linux') return Promise.resolve('unknown')
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        `--reply-timeout=${TIMEOUT_MS}`,
        '--dest=org.freedesktop.secrets',
        DEFAULT_COLLECTION,
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      ],
      { timeout: TIMEOUT_MS + 500, env: process.env },
      (err, stdout) => {
        if (err) return resolve('unknown')
        const m = /boolean (true|false)/.exec(stdout)
        resolve(m ? (m[1] === 'true' ? 'locked' : 'unlocked') : 'unknown')
      },
    )
  })
}

/** The error for a locked keychain: the keys are still there; say so, and how to unlock. */
export function keychainLockedError(doing = 'read or store API keys'): KeelError {
  return KeelError.of('keychain-locked', `The OS keychain is locked, so Keel cannot ${doing}. Keys stored there are kept; they cannot be read until it is unlocked.`, {
    // Not `gnome-keyring-daemon --replace --unlock`: it starts a new daemon, and the running Keel's keychain
    // connection (bound to the old one) would fail until Keel restarts.
    fix: 'Unlock the "Login" keyring: open Passwords and Keys (Seahorse), select Login and choose Unlock (or log out and in again: logging in unlocks it). Then try again; Keel needs no restart.',
  })
}
