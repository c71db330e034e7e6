// Resolution: binding + current config + keychain → runtime identity, or an explicit unresolved state that names
// what is missing. There is no fallback to another entry, key or host (invariant 4).
import { createHash } from 'node:crypto'
import type { Binding, IdentityState, ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { entryRevision } from '../config/config-service'
import type { KeelConfig } from '../config/config-schema'
import { isLocalEntry, keyRequired } from '../providers/kinds'
import { keychainAccount, type KeyLookup } from '../secrets/keychain'
import { canonicalizeBinding, isResolvedClass, NO_KNOWN_MODELS, type KnownModels } from './canonicalize'
import { keychainLockedError } from '../secrets/keychain-lock'


export interface Resolution {
  /** The request that was resolved: for follow-default sessions, the current app default. */
  binding: Binding | null
  state: IdentityState
  identity: RuntimeIdentity | null
}

/**
 * Hash of (entry id, api, base URL, model, credential reference). The credential reference is the keychain account
 * plus the key's fingerprint, so a rotated key is a different identity (crash recovery asks before continuing).
 */
export function identityKeyOf(parts: { entryId: string; api: string; baseUrl: string; model: string; account: string; fingerprint: string | null }): string {
  const text = JSON.stringify([parts.entryId, parts.api, parts.baseUrl, parts.model, parts.account, parts.fingerprint])
  let key = identityKeys.get(text)
  if (key === undefined) {
    key = createHash('sha256').update(text).digest('hex').slice(0, 16)
    // Sessions share a handful of (entry, model, key) combinations: a page of them hashes each once.
    if (identityKeys.size >= 1000) identityKeys.clear()
    identityKeys.set(text, key)
  }
  return key
}
const identityKeys = new Map<string, string>()

/**
 * The catalog namespace: entry id + base URL + credential reference (invariant 7). The credential reference is the
 * keychain account plus the key's fingerprint, as in the identity key: a key rotated anywhere (in Keel or directly
 * in the keychain) gets its own catalog, so a list fetched with the old key is never served for the new one.
 */
export function catalogNamespaceOf(entry: Pick<ProviderEntry, 'id' | 'baseUrl'>, fingerprint: string | null): string {
  return `${entry.id}|${entry.baseUrl}|${credentialRefOf(entry.id, fingerprint)}`
}

/** The credential reference: keychain account, and the key's fingerprint when a key is used. */
export function credentialRefOf(entryId: string, fingerprint: string | null): string {
  return fingerprint ? `${keychainAccount(entryId)}#${fingerprint}` : keychainAccount(entryId)
}

/**
 * The binding a session asks for now: pinned sessions their own, follow-default sessions the app default. A row
 * bound to a resolved class ("custom", left by older versions) names no entry, whatever its mode: it stays as it is
 * (and resolves as unresolved) until the user picks an entry — it is never handed to the app default.
 */
export function effectiveBinding(stored: { entryId: string | null; model: string | null; mode: Binding['mode'] }, config: KeelConfig, known: KnownModels = NO_KNOWN_MODELS): Binding | null {
  if (stored.entryId && isResolvedClass(stored.entryId, config.providers)) return { entryId: stored.entryId, model: stored.model || '(no model)', mode: stored.mode }
  const def = canonicalDefault(config, known)
  if (stored.mode === 'follow-default' && def) return { ...def, mode: 'follow-default' }
  if (stored.entryId && stored.model) return { entryId: stored.entryId, model: stored.model, mode: stored.mode }
  return null
}

/**
 * The app default as a session following it asks for it: canonicalized like every binding (config.json may say
 * `openai/gpt-5.5`), so the wire, the row and the comparison at each turn boundary all see the same id. A default
 * that cannot be canonicalized (it names a resolved class) is returned as written and resolves as unresolved.
 */
export function canonicalDefault(config: KeelConfig, known: KnownModels = NO_KNOWN_MODELS): { entryId: string; model: string } | null {
  if (!config.default) return null
  try {
    const c = canonicalizeBinding(config.default, config.providers, known)
    return { entryId: c.entryId, model: c.model }
  } catch {
    return config.default
  }
}

function unresolved(binding: Binding | null, reason: Extract<IdentityState, { kind: 'unresolved' }>['reason'], message: string, fix: string): Resolution {
  return { binding, state: { kind: 'unresolved', reason, message, fix }, identity: null }
}

export function resolveBinding(binding: Binding | null, config: KeelConfig, keys: KeyLookup, configError: boolean): Resolution {
  if (!binding) {
    // With an app default in force, only a session bound to nothing on purpose (an imported one) gets here.
    if (config.default) return unresolved(null, 'no-binding', 'This session is not bound to any provider entry yet (imported sessions start so). Nothing will be sent.', 'Pick a provider and model for it in the model picker.')
    return unresolved(null, 'no-binding', 'This session has no provider yet and there is no app default.', 'Add a provider in Settings and set it as the default, or pick a model for this session.')
  }
  if (isResolvedClass(binding.entryId, config.providers)) {
    return unresolved(
      binding,
      'not-an-entry',
      `This session was saved bound to "${binding.entryId}", a resolved provider class rather than a provider entry, so Keel does not know which entry, key and URL it meant. Nothing will be sent.`,
      'Pick the provider entry and model for this session in the model picker.',
    )
  }
  const entry = config.providers.find((p) => p.id === binding.entryId)
  if (!entry) {
    return unresolved(
      binding,
      'entry-missing',
      `Provider entry "${binding.entryId}" no longer exists${configError ? ' in the configuration in force (config.json is currently invalid)' : ''}. Nothing will be sent.`,
      'Pick another provider and model for this session in the model picker.',
    )
  }
  const account = keychainAccount(entry.id)
  const key = keys(entry.id)
  const presence = key.state
  if (presence === 'unavailable' && keyRequired(entry) && key.locked) {
    // The key may well be stored: never say it is missing while the keychain is merely locked.
    return unresolved(binding, 'keychain-locked', `The OS keychain is locked, so the key of "${entry.name}" cannot be read. Nothing will be sent.`, keychainLockedError().data.fix!)
  }
  if (presence === 'unavailable' && keyRequired(entry)) {
    return unresolved(binding, 'keychain-unavailable', `The OS keychain is unavailable, so the key of "${entry.name}" cannot be read. Nothing will be sent.`, 'Unlock or start your keyring, then re-open the session.')
  }
  if (presence === 'absent' && keyRequired(entry)) {
    return unresolved(binding, 'key-missing', `No API key for "${entry.name}" is stored in the keychain (account ${account}). Nothing will be sent.`, `Add the key for "${entry.name}" in Settings.`)
  }
  return { binding, state: { kind: 'resolved' }, identity: identityFor(entry, binding.model, key.state === 'present' ? key.fingerprint : null) }
}

/** The runtime identity of an entry + model with the given key (by fingerprint; null = no key is used). */
export function identityFor(entry: ProviderEntry, model: string, fingerprint: string | null): RuntimeIdentity {
  const account = keychainAccount(entry.id)
  const present = fingerprint !== null
  return {
    entryId: entry.id,
    entryName: entry.name,
    kind: entry.kind,
    api: entry.api,
    baseUrl: entry.baseUrl,
    model,
    credential: { account, source: present ? 'keychain' : 'none', present, fingerprint },
    catalogNamespace: catalogNamespaceOf(entry, fingerprint),
    configRevision: entryRevision(entry),
    local: isLocalEntry(entry),
    resolvedAt: Date.now(),
    identityKey: identityKeyOf({ entryId: entry.id, api: entry.api, baseUrl: entry.baseUrl, model, account, fingerprint }),
  }
}
