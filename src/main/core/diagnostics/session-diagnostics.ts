// The four views of a session side by side — active (the live agent), persisted (the session row), config (what the
// config resolves the binding to now), cached (the model catalog cache) — with every disagreement explained in
// words. Used by the diagnostics panel and by the doctor (which has no live agent, so its active column is empty).
import type { DiagnosticRow, IdentitySnapshot, ProviderEntry, RuntimeIdentity, SessionDiagnostics } from '../../../shared/domain'
import type { KeelConfig } from '../config/config-schema'
import { entryRevision } from '../config/config-service'
import { canonicalizeBinding, type KnownModels } from '../identity/canonicalize'
import type { StoredBinding } from '../identity/binding-store'
import { catalogNamespaceOf, effectiveBinding } from '../identity/resolve'
import { keychainAccount, type KeyLookup } from '../secrets/keychain'
import { keyRequired } from '../providers/kinds'
import type { CachedCatalog } from '../catalog/catalog-service'

export interface SessionDiagnosticsInput {
  sessionId: string
  title: string
  stored: StoredBinding
  snapshot: IdentitySnapshot
  /** The live agent's identity; null in the doctor or when the session is unresolved. */
  active: RuntimeIdentity | null
  config: KeelConfig
  keys: KeyLookup
  cached: (namespace: string) => CachedCatalog | null
  /** The models each entry is known to offer (cached catalogs), for the canonicalize step. */
  known?: KnownModels
}

const when = (t: number) => new Date(t).toISOString()

/** One wording for every column, so a keyless entry reads "none" in each and only real differences show. */
function credentialText(account: string, state: 'stored' | 'missing' | 'none' | 'keychain unavailable', fingerprint: string | null): string {
  return `${account} · ${state}${fingerprint ? ` · fp ${fingerprint}` : ''}`
}

export function buildSessionDiagnostics(input: SessionDiagnosticsInput): SessionDiagnostics {
  const { stored, active, config, snapshot } = input
  let canonicalization: string[] = []
  // The config view resolves what the stored binding canonicalizes to (what the startup repair writes), so a
  // repairable legacy row reads as non-canonical, not as bound to a missing entry.
  let canonical: StoredBinding = stored
  if (stored.entryId && stored.model) {
    try {
      const c = canonicalizeBinding({ entryId: stored.entryId, model: stored.model }, config.providers, input.known)
      canonicalization = c.changes
      canonical = { ...stored, entryId: c.entryId, model: c.model }
    } catch (err) {
      canonicalization = [err instanceof Error ? err.message : 'not a valid binding']
    }
  }
  const repairable = canonical !== stored && canonicalization.length > 0
  const wanted = effectiveBinding(canonical, config, input.known)
  const entry: ProviderEntry | undefined = wanted ? config.providers.find((p) => p.id === wanted.entryId) : undefined
  const key = entry ? input.keys(entry.id) : null
  const configNamespace = entry && key ? catalogNamespaceOf(entry, key.fingerprint) : null
  const namespace = active?.catalogNamespace ?? configNamespace
  const catalog = namespace ? input.cached(namespace) : null
  const model = active?.model ?? wanted?.model ?? null
  const listed = catalog && model ? catalog.models.includes(model) : null
  const pinned = stored.mode === 'pinned'

  const rows: DiagnosticRow[] = []
  const row = (field: string, label: string, cells: { active: string | null; persisted: string | null; config: string | null; cached: string | null }, explain: Partial<Record<'persisted' | 'config' | 'cached', string>>) => {
    const reference = cells.active ?? cells.persisted
    const columns = (['persisted', 'config', 'cached'] as const).filter((c) => {
      if (explain[c] === undefined || cells[c] === null || reference === null) return false
      return c === 'persisted' && cells.active === null ? false : cells[c] !== reference
    })
    // Without a live agent (doctor, unresolved) the persisted row is the reference for config and cached.
    const drift = columns.length > 0 ? { columns: [...columns], explanation: columns.map((c) => explain[c]!).join(' ') } : null
    rows.push({ field, label, ...cells, drift })
  }

  const live = active ? 'the live agent' : 'the session row'
  const repairHint = `The stored binding is not canonical (${canonicalization.join('; ')}); Keel repairs it at its next start, and \`doctor --fix\` does now.`
  const switchHint = repairable
    ? repairHint
    : pinned
    ? 'The session is pinned: Apply config (here, or Apply in the panel above the message box) switches it.'
    : 'The session follows the app default and switches at its next turn.'
  const consequence = 'A consequence of the entry change above.'

  row('entryId', 'Entry id', { active: active?.entryId ?? null, persisted: stored.entryId, config: wanted ? (entry ? wanted.entryId : `${wanted.entryId} (missing)`) : null, cached: null }, {
    persisted: `The session row names entry "${stored.entryId}" but ${live} runs on "${active?.entryId}" (the row was changed outside Keel).`,
    config: `The config now resolves this session to "${wanted?.entryId}"${entry ? '' : ', which does not exist'}. ${switchHint}`,
  })
  row('entryName', 'Entry name', { active: active?.entryName ?? null, persisted: null, config: entry?.name ?? null, cached: null }, {
    config: `The entry was renamed to "${entry?.name}" in config.`,
  })
  row('kindApi', 'Kind / API', { active: active ? `${active.kind} / ${active.api}` : null, persisted: null, config: entry ? `${entry.kind} / ${entry.api}` : null, cached: null }, {
    config: `The config now says ${entry?.kind} / ${entry?.api}. ${switchHint}`,
  })
  row('baseUrl', 'Base URL', { active: active?.baseUrl ?? null, persisted: null, config: entry?.baseUrl ?? null, cached: catalog ? namespaceBaseUrl(catalog.namespace) : null }, {
    config: `The config now points this entry at ${entry?.baseUrl}. ${switchHint}`,
    cached: `The cached model list was fetched from ${catalog ? namespaceBaseUrl(catalog.namespace) : ''}.`,
  })
  row('model', 'Model', { active: active?.model ?? null, persisted: stored.model, config: wanted?.model ?? null, cached: listed === null ? null : listed ? model : `${model} (not listed)` }, {
    persisted: `The session row says "${stored.model}" but ${live} runs on "${active?.model}" (the row was changed outside Keel).`,
    config: `The app default is now "${wanted?.model}". ${switchHint}`,
    cached: `The cached model list of this namespace${catalog ? ` (fetched ${when(catalog.fetchedAt)})` : ''} does not list "${model}"; the provider may still accept it, or the id may be mistyped.`,
  })
  const cfgCredential =
    entry && key
      ? credentialText(keychainAccount(entry.id), key.state === 'present' ? 'stored' : key.state === 'unavailable' ? 'keychain unavailable' : keyRequired(entry) ? 'missing' : 'none', key.fingerprint)
      : null
  row('credential', 'Credential', {
    active: active ? credentialText(active.credential.account, active.credential.present ? 'stored' : 'none', active.credential.fingerprint) : null,
    persisted: null,
    config: cfgCredential,
    cached: catalog ? namespaceCredential(catalog.namespace) : null,
  }, {
    config: 'The keychain now holds a different key for this entry (or none); the next turn reads it.',
  })
  const entryChanged = () => rows.some((r) => ['kindApi', 'baseUrl'].includes(r.field) && r.drift !== null)
  row('configRevision', 'Config revision', { active: active?.configRevision ?? null, persisted: null, config: entry ? entryRevision(entry) : null, cached: null }, {
    config: entryChanged() ? consequence : `The entry's settings (headers or flags) changed in config since the live agent resolved it. ${switchHint}`,
  })
  row('catalog', 'Catalog', {
    active: namespace,
    persisted: null,
    config: configNamespace,
    cached: catalog ? `${catalog.namespace} · fetched ${when(catalog.fetchedAt)} · ${catalog.models.length} models` : null,
  }, {
    config: entryChanged() ? `${consequence} Model lists are kept per namespace, so the new one has its own.` : `The config's namespace for this entry is ${configNamespace ?? ''}; model lists are kept per namespace (a different key has its own).`,
  })


  const drifted = rows.some((r) => r.drift !== null)
  const status: SessionDiagnostics['status'] =
    snapshot.state.kind === 'unresolved' ? 'unresolved' : snapshot.state.kind === 'config-changed' ? 'config-changed' : canonicalization.length > 0 ? 'non-canonical' : drifted ? 'drifted' : 'ok'
  const summary =
    snapshot.state.kind === 'unresolved'
      ? `${snapshot.state.message} ${snapshot.state.fix}`
      : snapshot.state.kind === 'config-changed'
        ? snapshot.state.message
        : canonicalization.length > 0
          ? `The stored binding is not canonical: ${canonicalization.join('; ')}.`
          : drifted
            ? 'Some views disagree; see the highlighted cells.'
            : 'All views agree.'
  return { sessionId: input.sessionId, title: input.title, status, summary, snapshot, rows, appDefault: config.default, canonicalization }
}

function namespaceBaseUrl(ns: string): string {
  return ns.split('|')[1] ?? ns
}
function namespaceCredential(ns: string): string {
  return ns.split('|')[2] ?? ns
}
