// The identity authority. It keeps the *active* runtime of each session (what the live agent in main runs on),
// writes bindings (through BindingStore), reconciles config changes at turn boundaries, and issues snapshots with
// a monotonic revision and their authority. Every surface (header, picker, list, tray, diagnostics) renders these.
import type { Binding, IdentityDifference, IdentitySnapshot, IdentityState, ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import type { KeelConfig } from '../config/config-schema'
import { entryRevision, type ConfigService } from '../config/config-service'
import { KeelError } from '../errors'
import type { KeyLookup, Keychain } from '../secrets/keychain'
import { keyRequired } from '../providers/kinds'
import type { SessionStore } from '../sessions/session-store'
import { BindingStore, type StoredBinding } from './binding-store'
import { isResolvedClass } from './canonicalize'
import { KeptRuntimeStore, type KeptRuntime } from './kept-runtime-store'
import { canonicalDefault, effectiveBinding, identityFor, resolveBinding, type Resolution } from './resolve'
import { canonicalChain, effectiveChain, fallbackProblems, FallbackStore, resolveFallbackBinding, type FallbackResolution } from './fallback'
import type { FallbackBinding, FallbackChain } from '../../../shared/agent-profiles'
import type { SessionFallbacks } from '../../../shared/fallback'

/** What a session's live agent runs on: the identity and a frozen copy of the entry it was resolved from. */
interface ActiveRuntime {
  identity: RuntimeIdentity
  entry: ProviderEntry
  /** The entry revision the user chose to Keep the previous runtime against. */
  keptRevision: string | null
}

export interface Evaluation extends Resolution {
  /** The runtime requests would use now (for config-changed sessions, the previous one). */
  runtime: ActiveRuntime | null
}

export interface TurnRuntime {
  identity: RuntimeIdentity
  entry: ProviderEntry
  notice: string | null
}

/**
 * The fields of an entry whose change means a different runtime, as words for the user. Both are the same entry
 * id: a session whose entry is gone is unresolved (evaluate), never asked what differs.
 */
export function runtimeDifferences(from: ProviderEntry, to: ProviderEntry): IdentityDifference[] {
  const diffs: IdentityDifference[] = []
  const cmp = (field: string, a: unknown, b: unknown) => {
    const sa = a === undefined ? null : typeof a === 'string' ? a : JSON.stringify(a)
    const sb = b === undefined ? null : typeof b === 'string' ? b : JSON.stringify(b)
    if (sa !== sb) diffs.push({ field, active: sa, config: sb })
  }
  cmp('kind', from.kind, to.kind)
  cmp('api', from.api, to.api)
  cmp('baseUrl', from.baseUrl, to.baseUrl)
  // Header values may be credentials: differences name the headers, never their values.
  const before = from.headers ?? {}
  const after = to.headers ?? {}
  // Own properties only: a header named `constructor` must not find Object.prototype's members.
  const value = (map: Record<string, string>, n: string) => (Object.hasOwn(map, n) ? map[n] : undefined)
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((n) => value(before, n) !== value(after, n)).sort()
  if (names.length > 0) diffs.push({ field: 'headers', active: names.map((n) => (Object.hasOwn(before, n) ? `${n}: (previous value)` : `${n}: (absent)`)).join(', '), config: names.map((n) => (Object.hasOwn(after, n) ? `${n}: (new value)` : `${n}: (removed)`)).join(', ') })
  cmp('local', from.local, to.local)
  return diffs
}

/** How long a keychain read may serve lists of sessions (see displayKeys). */
export const DISPLAY_KEYS_MS = 1500

export class IdentityService {
  private revision = 0
  private readonly active = new Map<string, ActiveRuntime>()
  readonly bindings: BindingStore
  private readonly kept: KeptRuntimeStore
  /** Session fallback overrides and the per-step record of fallbacks (identity/fallback.ts; issue #11). */
  readonly fallbacks: FallbackStore
  /** What a session's running turn uses (the agent service owns running turns); null when none runs. */
  private runningTurn: (sessionId: string) => RuntimeIdentity | null = () => null

  constructor(
    private readonly config: ConfigService,
    private readonly keychain: Keychain,
    sessions: SessionStore,
    private readonly publish: (snapshot: IdentitySnapshot) => void,
  ) {
    this.bindings = new BindingStore(sessions.db)
    this.kept = new KeptRuntimeStore(sessions.db)
    this.fallbacks = new FallbackStore(sessions.db)
  }

  /** One fallback binding resolved now: its own entry, URL and key (read fresh from the keychain by its entry id). */
  async resolveFallback(b: FallbackBinding): Promise<FallbackResolution> {
    const keys = await this.keychain.keyInfo([b.entryId], this.expectsKey)
    return resolveFallbackBinding(b, this.config.current(), keys, this.bindings.known, this.config.lastError !== null)
  }

  /** The fallback list a session uses (its override, else its profile's) and the bindings of it that cannot resolve. */
  async sessionFallbacks(sessionId: string, profileChain: FallbackChain | null): Promise<SessionFallbacks> {
    const { source, chain } = effectiveChain(this.fallbacks.readOverride(sessionId), profileChain)
    return { source, chain, problems: chain ? await this.chainProblems(chain) : [], latest: this.fallbacks.latest(sessionId) }
  }

  /** The bindings of a list that cannot resolve now (Settings shows them where the list is configured). */
  async chainProblems(chain: FallbackChain): Promise<SessionFallbacks['problems']> {
    const keys = await this.keychain.keyInfo([...new Set(chain.bindings.map((b) => b.entryId))], this.expectsKey)
    return fallbackProblems(chain, this.config.current(), keys, this.bindings.known)
  }

  /** A list as config.json or a session row will hold it: each binding canonicalized (invariant 5). */
  canonicalChain(chain: FallbackChain): FallbackChain {
    return canonicalChain(chain, this.config.current().providers, this.bindings.known)
  }

  /** A session's own fallback list (null: its profile's again). Never touches the binding columns. */
  setSessionFallbacks(sessionId: string, chain: FallbackChain | null): void {
    this.stored(sessionId)
    this.fallbacks.writeOverride(sessionId, chain ? this.canonicalChain(chain) : null)
  }

  /** Tells the authority where running turns are, so a live snapshot shows what the running turn uses. */
  setRunningTurns(lookup: (sessionId: string) => RuntimeIdentity | null): void {
    this.runningTurn = lookup
  }

  /** Key presence and fingerprints for every configured entry (one keychain read each). */
  keys(): Promise<KeyLookup> {
    return this.keychain.keyInfo(this.config.current().providers.map((p) => p.id), this.expectsKey)
  }

  /**
   * Key presence for the entries one session may run on now (its binding's, the app default's, its active
   * runtime's): a read of those keys only, fresh from the keychain, for opening or changing that session.
   */
  keysForSession(sessionId: string): Promise<KeyLookup> {
    const ids = new Set<string>()
    const stored = this.bindings.read(sessionId)
    if (stored?.entryId) ids.add(stored.entryId)
    const def = this.config.current().default
    if (def) ids.add(def.entryId)
    const active = this.active.get(sessionId)
    if (active) ids.add(active.identity.entryId)
    return this.keychain.keyInfo([...ids], this.expectsKey)
  }

  /** Whether an entry needs a key: only then does a missing one make the keychain ask whether it is locked. */
  private readonly expectsKey = (entryId: string): boolean => {
    const entry = this.config.current().providers.find((p) => p.id === entryId)
    return entry === undefined || keyRequired(entry)
  }

  private displayLookup: { at: number; lookup: Promise<KeyLookup> } | null = null

  /**
   * Key presence for showing lists of sessions (list pages, search hits, the tray): read from the keychain at most
   * once per DISPLAY_KEYS_MS, and again at once after Keel changes a key or the config. A key changed outside Keel
   * shows in lists within that time; opening a session, a turn and diagnostics always read the keychain afresh.
   */
  displayKeys(now = Date.now()): Promise<KeyLookup> {
    if (!this.displayLookup || now - this.displayLookup.at > DISPLAY_KEYS_MS) {
      const lookup = this.keys()
      this.displayLookup = { at: now, lookup }
      lookup.catch(() => (this.displayLookup = null))
    }
    return this.displayLookup.lookup
  }

  invalidateKeys(): void {
    this.displayLookup = null
  }

  private nextRevision(): number {
    this.revision += 1
    return this.revision
  }

  private stored(sessionId: string): StoredBinding {
    const stored = this.bindings.read(sessionId)
    if (!stored) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session.' })
    return stored
  }

  /** Resolution from the persisted binding + current config + keychain only, ignoring any active runtime. */
  async resolveFresh(sessionId: string, keys?: KeyLookup): Promise<Resolution> {
    const cfg = this.config.current()
    return resolveBinding(effectiveBinding(this.stored(sessionId), cfg, this.bindings.known), cfg, keys ?? (await this.keys()), this.config.lastError !== null)
  }

  /**
   * The session's identity now. With an active runtime, that runtime is the authority (a row edited behind Keel's
   * back does not change what the live agent runs on); the config and keychain are checked against it. Without
   * one, the session is resolved from its binding and the result becomes the active runtime.
   */
  async evaluate(sessionId: string, keys?: KeyLookup, preread?: StoredBinding): Promise<Evaluation> {
    const lookup = keys ?? (await this.keys())
    const stored = preread ?? this.stored(sessionId)
    const cfg = this.config.current()
    const a = this.active.get(sessionId)
    if (a) {
      const entry = cfg.providers.find((p) => p.id === a.identity.entryId)
      const key = lookup(a.identity.entryId)
      const keyGone = a.identity.credential.present && key.state !== 'present'
      if (entry && !keyGone) return this.evaluateActive(a, entry, stored, key.fingerprint)
      this.active.delete(sessionId)
    }
    const kept = this.kept.read(sessionId)
    if (kept) {
      const restored = this.restoreKept(sessionId, kept, stored, cfg, lookup)
      if (restored) return restored
    }
    const r = resolveBinding(effectiveBinding(stored, cfg, this.bindings.known), cfg, lookup, this.config.lastError !== null)
    if (r.identity) {
      const entry = cfg.providers.find((p) => p.id === r.identity!.entryId)!
      const runtime: ActiveRuntime = { identity: r.identity, entry: structuredClone(entry), keptRevision: null }
      this.active.set(sessionId, runtime)
      return { ...r, runtime }
    }
    return { ...r, runtime: null }
  }

  /**
   * After a restart, a persisted Keep puts the session back on the runtime the user kept, rebuilt from its stored
   * fields and the current entry's headers; the rebuilt entry must have the kept revision exactly. When it cannot
   * (header values changed, and they are never stored), the session is unresolved and says so: nothing is sent
   * until the user applies the new config or picks a model. Returns null when the Keep no longer applies.
   */
  private restoreKept(sessionId: string, kept: KeptRuntime, stored: StoredBinding, cfg: KeelConfig, lookup: KeyLookup): Evaluation | null {
    const entry = cfg.providers.find((p) => p.id === kept.entryId)
    const applies = stored.mode === 'pinned' && stored.entryId === kept.entryId && stored.model === kept.model && entry !== undefined
    if (!applies || entryRevision(entry) === kept.runtimeRevision) {
      // Re-bound, deleted, or the config is back on the kept runtime: the decision is over.
      this.kept.clear(sessionId)
      return null
    }
    const binding: Binding = { entryId: kept.entryId, model: kept.model, mode: 'pinned' }
    const r = resolveBinding(binding, cfg, lookup, this.config.lastError !== null)
    if (!r.identity) return { ...r, runtime: null }
    const rebuilt: ProviderEntry = { ...structuredClone(entry), kind: kept.runtime.kind, api: kept.runtime.api, baseUrl: kept.runtime.baseUrl }
    for (const field of ['local', 'auth'] as const) {
      if (kept.runtime[field] === undefined) delete rebuilt[field]
      else (rebuilt as Record<string, unknown>)[field] = kept.runtime[field]
    }
    if (entryRevision(rebuilt) !== kept.runtimeRevision) {
      const state: IdentityState = {
        kind: 'unresolved',
        reason: 'kept-runtime-lost',
        message: `You chose Keep for the previous runtime of "${entry.name}" (${kept.runtime.baseUrl}), but it cannot be rebuilt after a restart: its header values changed in config and Keel never stores them. Nothing will be sent.`,
        fix: `Re-resolve the session (Diagnostics → Re-resolve) to use the new config of "${entry.name}", or pick a provider and model for it.`,
      }
      return { binding, state, identity: null, runtime: null }
    }
    const runtime: ActiveRuntime = { identity: identityFor(rebuilt, kept.model, r.identity.credential.fingerprint), entry: rebuilt, keptRevision: kept.keptAgainst }
    this.active.set(sessionId, runtime)
    return this.evaluateActive(runtime, entry, stored, r.identity.credential.fingerprint)
  }

  private evaluateActive(a: ActiveRuntime, entry: ProviderEntry, stored: StoredBinding, fingerprint: string | null): Evaluation {
    // A rename is not a runtime change: the new name shows at once. A rotated key is picked up at once too.
    a.identity = { ...a.identity, entryName: entry.name }
    a.entry = { ...a.entry, name: entry.name }
    // Stream timeouts say how long to wait, not where requests go: the next turn uses the edited values at once.
    if (entry.timeouts) a.entry.timeouts = entry.timeouts
    else delete a.entry.timeouts
    // So is a key that became needed and stored (auth none → API key, not a revision change): without this the
    // session would go on sending no key, while a fresh resolution of the same entry sends it.
    if (fingerprint !== a.identity.credential.fingerprint) {
      a.identity = identityFor(a.entry, a.identity.model, fingerprint)
    }
    const binding: Binding = { entryId: a.identity.entryId, model: a.identity.model, mode: stored.mode }
    const revision = entryRevision(entry)
    if (revision !== a.identity.configRevision && stored.mode === 'pinned') {
      const differences = runtimeDifferences(a.entry, entry)
      const state: IdentityState = {
        kind: 'config-changed',
        message: `Pinned to the previous runtime: "${entry.name}" changed in config (${differences.map((d) => d.field).join(', ')}).`,
        differences,
        kept: a.keptRevision === revision,
      }
      return { binding, state, identity: a.identity, runtime: a }
    }
    return { binding, state: { kind: 'resolved' }, identity: a.identity, runtime: a }
  }

  /** A live snapshot of an evaluation already made (diagnostics shows both without resolving twice). */
  snapshotFrom(sessionId: string, e: Resolution): IdentitySnapshot {
    return this.snapshotOf(sessionId, e, this.config.current())
  }

  private snapshotOf(sessionId: string, e: Resolution, cfg: KeelConfig, authority: IdentitySnapshot['authority'] = 'live'): IdentitySnapshot {
    // Live means what the running turn uses. A binding changed mid-turn shows as what the next turn will use,
    // until the turn ends (its turn-ended event publishes a fresh snapshot).
    const running = authority === 'live' ? this.runningTurn(sessionId) : null
    let next: IdentitySnapshot['next'] = null
    if (running && e.identity?.identityKey !== running.identityKey) {
      next = { binding: e.binding, state: e.state, identity: e.identity }
      e = { binding: { entryId: running.entryId, model: running.model, mode: e.binding?.mode ?? this.stored(sessionId).mode }, state: { kind: 'resolved' }, identity: running }
    }
    const entryName = e.binding ? (cfg.providers.find((p) => p.id === e.binding!.entryId)?.name ?? null) : null
    return { sessionId, revision: this.nextRevision(), authority, binding: e.binding, entryName, state: e.state, identity: e.identity, next }
  }

  async snapshot(sessionId: string): Promise<IdentitySnapshot> {
    // Fresh from the keychain, for this session's entries only (a turn boundary publishes one of these).
    return this.snapshotOf(sessionId, await this.evaluate(sessionId, await this.keysForSession(sessionId)), this.config.current())
  }

  /**
   * Snapshots for a page of sessions: one keychain query, one query for all their bindings, one pass over the
   * config. (A session deleted meanwhile has no binding row: evaluate reads it again and reports it not found.)
   */
  async snapshots(sessionIds: string[], lookup?: KeyLookup): Promise<Map<string, IdentitySnapshot>> {
    const keys = lookup ?? (await this.keys())
    const cfg = this.config.current()
    const stored = this.bindings.readMany(sessionIds)
    const out = new Map<string, IdentitySnapshot>()
    for (const id of sessionIds) out.set(id, this.snapshotOf(id, await this.evaluate(id, keys, stored.get(id)), cfg))
    return out
  }

  /**
   * A snapshot built from what is recorded only (the session row and the running turn's identity), for a window
   * that attaches mid-turn; the next live event supersedes it (invariant 8).
   */
  persistedSnapshot(sessionId: string, running: RuntimeIdentity): IdentitySnapshot {
    const stored = this.stored(sessionId)
    const binding: Binding | null = stored.entryId && stored.model ? { entryId: stored.entryId, model: stored.model, mode: stored.mode } : null
    return this.snapshotOf(sessionId, { binding, state: { kind: 'resolved' }, identity: running }, this.config.current(), 'persisted')
  }

  async publishFor(sessionId: string): Promise<IdentitySnapshot> {
    const snap = await this.snapshot(sessionId)
    this.publish(snap)
    return snap
  }

  /** A new session follows the app default (it records the default it started from). */
  initialize(sessionId: string): void {
    const def = this.config.current().default
    if (def) this.bindings.write(sessionId, { ...def, mode: 'follow-default' }, this.config.current().providers)
  }

  /** An imported session: bound to nothing until the user picks an entry (resolves as unresolved, no-binding). */
  unbind(sessionId: string): void {
    this.bindings.unbind(sessionId)
    this.drop(sessionId)
  }

  /** The user picked a provider/model for this session: it is pinned, and only it changes. */
  pin(sessionId: string, entryId: string, model: string): Binding {
    const providers = this.config.current().providers
    // Canonicalize before the existence check, so a legacy alias finds its entry and a resolved class is refused.
    const canonical = this.bindings.canonicalize({ entryId, model }, providers)
    if (!providers.some((p) => p.id === canonical.entryId)) {
      throw KeelError.of('not-found', `There is no provider entry "${canonical.entryId}".`, { field: 'entryId', fix: 'Pick an entry listed in Settings.' })
    }
    const written = this.bindings.write(sessionId, { ...canonical, mode: 'pinned' }, providers).binding
    this.drop(sessionId)
    return written
  }

  followDefault(sessionId: string): void {
    const cfg = this.config.current()
    const stored = this.stored(sessionId)
    const target = cfg.default ?? (stored.entryId && stored.model ? { entryId: stored.entryId, model: stored.model } : null)
    if (!target) throw KeelError.of('unresolved', 'There is no app default to follow.', { fix: 'Set a default provider and model in Settings.' })
    this.bindings.write(sessionId, { ...target, mode: 'follow-default' }, cfg.providers)
    this.drop(sessionId)
  }

  /** Forgets the active runtime and any Keep decision: the user chose again. */
  private drop(sessionId: string): void {
    this.active.delete(sessionId)
    this.kept.clear(sessionId)
  }

  /**
   * Resume (tray quick-resume): rebuild the runtime from the binding + current config + a fresh keychain read. A
   * Keep the user chose is a part of what the session asks for, so it is restored, not dropped.
   */
  async resume(sessionId: string): Promise<void> {
    this.active.delete(sessionId)
    await this.evaluate(sessionId)
  }

  /** Apply / Re-resolve: drop the active runtime and resolve from the binding + current config + keychain. */
  async reresolve(sessionId: string): Promise<void> {
    this.drop(sessionId)
    await this.evaluate(sessionId)
  }

  /**
   * Keep: stay on the previous runtime for this config change, without asking again. The decision is persisted, so
   * a restart neither drops it nor sends to the new config in silence.
   */
  keep(sessionId: string): void {
    const a = this.active.get(sessionId)
    const entry = a && this.config.entry(a.identity.entryId)
    if (!a || !entry) return
    const revision = entryRevision(entry)
    a.keptRevision = revision
    if (this.stored(sessionId).mode !== 'pinned' || revision === a.identity.configRevision) return
    this.kept.write({ sessionId, entryId: a.identity.entryId, model: a.identity.model, runtimeRevision: a.identity.configRevision, keptAgainst: revision, runtime: a.entry })
  }

  forget(sessionId: string): void {
    this.active.delete(sessionId)
  }

  /**
   * A pinned row that became non-canonical once its entry's model list was known (`lmstudio/qwen/qwen3.6-27b` bound
   * before the list listed `qwen/qwen3.6-27b`) is canonicalized before anything is sent, through the one writer,
   * and the user is told. Not while a Keep or a pending config change holds the session on a previous runtime:
   * that decision is the user's, and canonicalization waits for it.
   */
  private canonicalizeAtTurn(sessionId: string, stored: StoredBinding, cfg: KeelConfig): string | null {
    if (!stored.entryId || !stored.model || this.kept.read(sessionId)) return null
    const a = this.active.get(sessionId)
    const entry = cfg.providers.find((p) => p.id === stored.entryId)
    if (a && entry && entryRevision(entry) !== a.identity.configRevision) return null
    const request = { entryId: stored.entryId, model: stored.model, mode: stored.mode }
    try {
      if (this.bindings.canonicalize(request, cfg.providers).changes.length === 0) return null
    } catch {
      return null // not canonicalizable (a resolved class): resolution reports it
    }
    const { changes } = this.bindings.write(sessionId, request, cfg.providers)
    this.active.delete(sessionId)
    return `The model id of this session was corrected before sending: ${changes.join('; ')}.`
  }

  /**
   * The runtime for the next turn (a turn boundary). A follow-default session whose default or entry changed
   * switches here and says so; a pinned session whose entry changed stays on its previous runtime until Apply.
   */
  async beginTurn(sessionId: string): Promise<{ evaluation: Evaluation; notice: string | null }> {
    // Fresh from the keychain, for the entries this session can run on only (not one read per configured entry).
    const keys = await this.keysForSession(sessionId)
    let stored = this.stored(sessionId)
    const cfg = this.config.current()
    let notice: string | null = null
    if (stored.mode === 'pinned') {
      notice = this.canonicalizeAtTurn(sessionId, stored, cfg)
      stored = this.stored(sessionId)
    }
    const def = canonicalDefault(cfg, this.bindings.known)
    // A row bound to a resolved class names no entry: it waits for the user, even in follow-default mode.
    if (stored.mode === 'follow-default' && def && !(stored.entryId && isResolvedClass(stored.entryId, cfg.providers))) {
      const a = this.active.get(sessionId)
      const entry = cfg.providers.find((p) => p.id === def.entryId)
      const stale = a !== undefined && (a.identity.entryId !== def.entryId || a.identity.model !== def.model || (entry !== undefined && entryRevision(entry) !== a.identity.configRevision))
      const rowStale = stored.entryId !== def.entryId || stored.model !== def.model
      if (stale || rowStale) {
        const from = a ? `${a.identity.entryName} · ${a.identity.model}` : stored.entryId ? `${stored.entryId} · ${stored.model}` : null
        this.bindings.write(sessionId, { ...def, mode: 'follow-default' }, cfg.providers)
        this.active.delete(sessionId)
        if (from && stale) notice = `This session follows the app default and switched from ${from} to ${entry?.name ?? def.entryId} · ${def.model}.`
      }
    }
    return { evaluation: await this.evaluate(sessionId, keys), notice }
  }
}
