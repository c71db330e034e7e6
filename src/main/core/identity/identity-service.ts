// The identity authority: resolves sessions, writes bindings (through BindingStore), and issues snapshots with a
// monotonic revision and their authority. Every surface (header, picker, list, diagnostics) renders these.
import type { Binding, IdentitySnapshot, RuntimeIdentity } from '../../../shared/domain'
import type { ConfigService } from '../config/config-service'
import { KeelError } from '../errors'
import type { Keychain } from '../secrets/keychain'
import type { SessionStore } from '../sessions/session-store'
import { BindingStore } from './binding-store'
import { canonicalizeBinding } from './canonicalize'
import { effectiveBinding, resolveBinding, type KeyPresence, type Resolution } from './resolve'

export class IdentityService {
  private revision = 0
  readonly bindings: BindingStore

  constructor(
    private readonly config: ConfigService,
    private readonly keychain: Keychain,
    private readonly sessions: SessionStore,
    private readonly publish: (snapshot: IdentitySnapshot) => void,
  ) {
    this.bindings = new BindingStore(sessions.db)
  }

  private nextRevision(): number {
    this.revision += 1
    return this.revision
  }

  /** Re-resolves from the persisted binding + current config + keychain (invariant 4). */
  async resolve(sessionId: string, presence?: (entryId: string) => KeyPresence): Promise<Resolution> {
    const stored = this.bindings.read(sessionId)
    if (!stored) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session.' })
    const lookup = presence ?? (await this.keychain.keyPresence())
    const cfg = this.config.current()
    return resolveBinding(effectiveBinding(stored, cfg), cfg, lookup, this.config.lastError !== null)
  }

  toSnapshot(sessionId: string, r: Resolution, authority: IdentitySnapshot['authority'] = 'live'): IdentitySnapshot {
    return { sessionId, revision: this.nextRevision(), authority, binding: r.binding, state: r.state, identity: r.identity }
  }

  async snapshot(sessionId: string): Promise<IdentitySnapshot> {
    return this.toSnapshot(sessionId, await this.resolve(sessionId))
  }

  /** Snapshots for many sessions with a single keychain query. */
  async snapshots(sessionIds: string[]): Promise<Map<string, IdentitySnapshot>> {
    const presence = await this.keychain.keyPresence()
    const out = new Map<string, IdentitySnapshot>()
    for (const id of sessionIds) out.set(id, this.toSnapshot(id, await this.resolve(id, presence)))
    return out
  }

  /**
   * A snapshot built from what is recorded only (the session row and the running turn's identity), for a window
   * that attaches mid-turn; the next live event supersedes it (invariant 8).
   */
  persistedSnapshot(sessionId: string, running: RuntimeIdentity | null): IdentitySnapshot {
    const stored = this.bindings.read(sessionId)
    const binding: Binding | null = stored?.entryId && stored.model ? { entryId: stored.entryId, model: stored.model, mode: stored.mode } : null
    return {
      sessionId,
      revision: this.nextRevision(),
      authority: 'persisted',
      binding,
      state: running ? { kind: 'resolved' } : { kind: 'unresolved', reason: 'no-binding', message: 'Not resolved yet.', fix: 'Wait for the session to resolve.' },
      identity: running,
    }
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

  /** The user picked a provider/model for this session: it is pinned, and only it changes. */
  pin(sessionId: string, entryId: string, model: string): Binding {
    const providers = this.config.current().providers
    // Canonicalize before the existence check, so a legacy alias finds its entry and a resolved class is refused.
    const canonical = canonicalizeBinding({ entryId, model }, providers)
    if (!providers.some((p) => p.id === canonical.entryId)) {
      throw KeelError.of('not-found', `There is no provider entry "${canonical.entryId}".`, { field: 'entryId', fix: 'Pick an entry listed in Settings.' })
    }
    return this.bindings.write(sessionId, { ...canonical, mode: 'pinned' }, providers).binding
  }

  followDefault(sessionId: string): void {
    const cfg = this.config.current()
    const stored = this.bindings.read(sessionId)
    const target = cfg.default ?? (stored?.entryId && stored.model ? { entryId: stored.entryId, model: stored.model } : null)
    if (!target) throw KeelError.of('unresolved', 'There is no app default to follow.', { fix: 'Set a default provider and model in Settings.' })
    this.bindings.write(sessionId, { ...target, mode: 'follow-default' }, cfg.providers)
  }

  /**
   * At a turn boundary, a follow-default session whose recorded binding differs from the current default switches
   * to it (the write goes through canonicalize like any other). Returns a notice when it switched.
   */
  reconcileAtTurnBoundary(sessionId: string): string | null {
    const stored = this.bindings.read(sessionId)
    const def = this.config.current().default
    if (!stored || stored.mode !== 'follow-default' || !def) return null
    if (stored.entryId === def.entryId && stored.model === def.model) return null
    this.bindings.write(sessionId, { ...def, mode: 'follow-default' }, this.config.current().providers)
    return stored.entryId ? `Switched from ${stored.entryId} · ${stored.model} to the new default ${def.entryId} · ${def.model}.` : null
  }
}
