// The keychain adapter: the only module that touches secrets. A key leaves it only as the return value of
// `readKey`, which the provider client puts straight into the outgoing request's auth header (invariant 3).
import { createHash } from 'node:crypto'
import keytar from 'keytar'
import { KeelError } from '../errors'
import { keychainLockedError, secretServiceLockState } from './keychain-lock'

export const DEFAULT_KEYCHAIN_SERVICE = 'Keel'

export interface KeyInfo {
  state: 'present' | 'absent' | 'unavailable'
  /** Unavailable because the keychain is locked: a key may be stored, it just cannot be read now. */
  locked?: boolean
  /** A short one-way fingerprint of the key: tells keys apart (rotation) without revealing them. */
  fingerprint: string | null
}
export type KeyLookup = (entryId: string) => KeyInfo

/** 48 bits of a salted SHA-256: enough to notice a changed key, useless for recovering it. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(`keel-credential-fingerprint:${key}`).digest('hex').slice(0, 12)
}

/** The keychain account that holds an entry's key. The entry id is stable, so the account is too. */
export function keychainAccount(entryId: string): string {
  return `provider:${entryId}`
}

/** Turns keytar/libsecret failures into a message naming the cause and the fix. Never includes the secret. */
export function keychainError(err: unknown): KeelError {
  const text = err instanceof Error ? err.message : String(err)
  if (/autolaunch D-Bus|Could not connect|DBUS_SESSION_BUS_ADDRESS|dbus-launch|org\.freedesktop\.DBus\.Error\.(ServiceUnknown|NoServer|Spawn)/i.test(text)) {
    return KeelError.of('keychain-unavailable', 'No OS keychain is reachable: there is no D-Bus session with a Secret Service (gnome-keyring or KWallet).', {
      fix: 'Start Keel inside your desktop session, or start a keyring daemon (e.g. gnome-keyring-daemon --unlock --components=secrets) and try again. Keel never stores keys in plain text.',
    })
  }
  if (/Object does not exist at path|collection\/login|locked|IsLocked|No such secret collection/i.test(text)) {
    return KeelError.of('keychain-unavailable', 'The OS keychain is locked or has no login collection.', {
      fix: 'Unlock your login keyring (e.g. in Passwords and Keys / Seahorse, or by logging in again) and try again.',
    })
  }
  if (/cancel|dismiss|denied/i.test(text)) {
    return KeelError.of('keychain-unavailable', 'Access to the OS keychain was refused.', { fix: 'Allow Keel to use the keychain when asked, then try again.' })
  }
  return KeelError.of('keychain-unavailable', 'The OS keychain could not be used.', {
    fix: 'Check that your keyring service (gnome-keyring, KWallet, macOS Keychain or Windows Credential Manager) is running and unlocked.',
  })
}

// keytar runs each call on a libuv worker thread through libsecret's synchronous API, and concurrent calls were
// seen to crash the process (SIGSEGV). Every keychain call in the process goes through this one queue.
let queue: Promise<unknown> = Promise.resolve()
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn)
  queue = run.catch(() => undefined)
  return run
}

export class Keychain {
  constructor(readonly service: string = DEFAULT_KEYCHAIN_SERVICE) {}

  /** The key for an entry, or null when none is stored. Throws keychain-unavailable, or keychain-locked. */
  async readKey(entryId: string): Promise<string | null> {
    return this.readSecret(keychainAccount(entryId), 'read the API key')
  }

  async storeKey(entryId: string, key: string): Promise<void> {
    return this.storeSecret(keychainAccount(entryId), key, 'store the API key')
  }

  async deleteKey(entryId: string): Promise<void> {
    return this.deleteSecret(keychainAccount(entryId), 'remove the API key')
  }

  /**
   * Any secret by its keychain account (provider keys are `provider:<entry id>`, MCP secrets `mcp:<server id>:<NAME>`).
   * Null when none is stored; throws keychain-unavailable, or keychain-locked (`action` names what could not be done).
   */
  async readSecret(account: string, action = 'read the secret'): Promise<string | null> {
    let value: string | null
    try {
      value = await serialized(() => keytar.getPassword(this.service, account))
    } catch (err) {
      throw keychainError(err)
    }
    // A locked collection answers null too: never report a stored secret as missing.
    if (value === null && (await secretServiceLockState()) === 'locked') throw keychainLockedError(action)
    return value
  }

  async storeSecret(account: string, value: string, action = 'store the secret'): Promise<void> {
    try {
      await serialized(() => keytar.setPassword(this.service, account, value))
    } catch (err) {
      if ((await secretServiceLockState()) === 'locked') throw keychainLockedError(action)
      throw keychainError(err)
    }
  }

  async deleteSecret(account: string, action = 'remove the secret'): Promise<void> {
    // A locked collection makes keytar report "nothing deleted" while the secret stays: refuse instead. The check
    // runs inside the queue, so the delete keeps the place in line it was given when called.
    let locked = false
    try {
      await serialized(async () => {
        locked = (await secretServiceLockState()) === 'locked'
        if (!locked) await keytar.deletePassword(this.service, account)
      })
    } catch (err) {
      throw keychainError(err)
    }
    if (locked) throw keychainLockedError(action)
  }


  /**
   * Which of these entries have a key, and a fingerprint of each (so a rotated key shows as a different
   * credential). One lookup per entry: keytar's findCredentials crashes the process (a NULL secret in libsecret)
   * when another program changes the keyring during the search, so Keel never uses it. `expectsKey` names the
   * entries that need a key (the others, e.g. a local server without auth, are expected to have none).
   */
  async keyInfo(entryIds: readonly string[], expectsKey: (entryId: string) => boolean = () => true): Promise<KeyLookup> {
    const found = new Map<string, KeyInfo>()
    try {
      for (const id of new Set(entryIds)) {
        const key = await serialized(() => keytar.getPassword(this.service, keychainAccount(id)))
        found.set(id, key === null ? { state: 'absent', fingerprint: null } : { state: 'present', fingerprint: keyFingerprint(key) })
      }
    } catch {
      return () => ({ state: 'unavailable', fingerprint: null })
    }
    // "Absent" from a locked collection means "cannot be read now", not "not stored". Asking D-Bus costs a process
    // (tens to hundreds of ms), so it is asked only when the answer could change something: an entry that needs a
    // key has none, and no key was read (a locked collection yields none, so one read key shows it is unlocked).
    const absent = [...found].some(([id, k]) => k.state === 'absent' && expectsKey(id))
    const unlocked = [...found.values()].some((k) => k.state === 'present')
    if (absent && !unlocked && (await secretServiceLockState()) === 'locked') {
      for (const [id, k] of found) if (k.state === 'absent') found.set(id, { state: 'unavailable', fingerprint: null, locked: true })
      return (entryId) => found.get(entryId) ?? { state: 'unavailable', fingerprint: null, locked: true }
    }
    return (entryId) => found.get(entryId) ?? { state: 'absent', fingerprint: null }
  }

  /**
   * A cheap probe for diagnostics and the settings page. `entryIds` (entries that need a key, a few at most): a key
   * read from one of them shows the keychain reachable and unlocked, with no D-Bus process to ask about the lock.
   */
  async probe(entryIds: readonly string[] = []): Promise<KeelError | null> {
    try {
      for (const id of entryIds.slice(0, 3)) {
        if ((await serialized(() => keytar.getPassword(this.service, keychainAccount(id)))) !== null) return null
      }
      await serialized(() => keytar.getPassword(this.service, 'keel:probe'))
    } catch (err) {
      return keychainError(err)
    }
    // Reachable is not enough: a locked collection answers every lookup with "no key".
    return (await secretServiceLockState()) === 'locked' ? keychainLockedError() : null
  }
}
