// Fallback rules (issue #11, invariant 17), in the identity module because they decide which runtime a request is
// sent on. What they guarantee:
// - a fallback is tried only for an error kind the list names (network, timeout, 5xx, 429) and only before any text
//   streamed; auth (401/403), model-not-found, context-length/content and every other request error stand;
// - each fallback binding resolves like any binding (resolve.ts: its own entry, URL and key by entry id), and one
//   that cannot (entry deleted, key missing, model not listed) is reported with why — never skipped in silence;
// - the session's binding columns are never touched: the override list lives in its own column, the record of what
//   happened in step_fallbacks, and the next turn and every automatic next step start from the selected binding.
import type Database from 'better-sqlite3'
import type { DiagnosticRow, KeelErrorData, ProviderEntry, RuntimeIdentity } from '../../../shared/domain'
import { FallbackChain, type FallbackBinding } from '../../../shared/agent-profiles'
import { fallbackLine, type FallbackSide, type FallbackSkip, type FallbackTrigger, type SessionFallbacks, type StepFallbackView } from '../../../shared/fallback'
import type { KeelConfig } from '../config/config-schema'
import type { KeyLookup } from '../secrets/keychain'
import { preparedStatements } from '../sessions/prepared-statements'
import { canonicalizeBinding, type KnownModels } from './canonicalize'
import { resolveBinding } from './resolve'

/** The trigger an error counts as; null for an error no fallback may follow (auth, a bad request, …). */
export function triggerOf(error: Pick<KeelErrorData, 'kind'>): FallbackTrigger | null {
  switch (error.kind) {
    case 'network':
    case 'timeout':
    case 'server':
    case 'rate-limited':
      return error.kind
    default:
      return null
  }
}

/** Whether a failed request may move on to the next binding of the list. */
export function triggersFallback(error: Pick<KeelErrorData, 'kind'>, chain: Pick<FallbackChain, 'triggers'>): boolean {
  const t = triggerOf(error)
  return t !== null && chain.triggers.includes(t)
}

/** A failure in a few words for the header: "HTTP 503", "HTTP 429", "network error", "timeout". */
export function shortReason(error: Pick<KeelErrorData, 'kind' | 'status'>): string {
  if (error.status !== undefined) return `HTTP ${error.status}`
  if (error.kind === 'network') return 'network error'
  if (error.kind === 'rate-limited') return 'rate limited'
  return error.kind
}

export function sideOf(b: FallbackBinding, config: KeelConfig): FallbackSide {
  const entry = config.providers.find((p) => p.id === b.entryId)
  return { entryId: b.entryId, entryName: entry?.name ?? b.entryId, model: b.model }
}

/** The model ids an entry is known to offer: its static list and its cached catalogs (empty: not known yet). */
function listedModels(entry: ProviderEntry, known: KnownModels): string[] {
  return [...(entry.models ?? []), ...known(entry)]
}

export type FallbackResolution = { ok: true; identity: RuntimeIdentity; entry: ProviderEntry } | { ok: false; skip: FallbackSkip }

/**
 * Resolves one fallback binding as a pinned binding (its own entry, URL and keychain account). Unresolvable: why, in
 * the words the turn's notice and Settings use ("its key is missing", "entry deleted", "model not listed").
 */
export function resolveFallbackBinding(b: FallbackBinding, config: KeelConfig, keys: KeyLookup, known: KnownModels, configError = false): FallbackResolution {
  const side = sideOf(b, config)
  const skip = (reason: string, message: string): FallbackResolution => ({ ok: false, skip: { ...side, reason, message, outcome: 'unresolved' } })
  const r = resolveBinding({ entryId: b.entryId, model: b.model, mode: 'pinned' }, config, keys, configError)
  if (r.state.kind === 'unresolved' || !r.identity) {
    const state = r.state.kind === 'unresolved' ? r.state : null
    const reason =
      state?.reason === 'entry-missing' || state?.reason === 'not-an-entry'
        ? 'its entry was deleted'
        : state?.reason === 'key-missing'
          ? 'its key is missing'
          : state?.reason === 'keychain-locked'
            ? 'the keychain is locked'
            : state?.reason === 'keychain-unavailable'
              ? 'the keychain is unavailable'
              : 'it does not resolve'
    return skip(reason, `Fallback ${side.entryName} · ${side.model} skipped: ${reason}. ${state?.message ?? ''}`.trim())
  }
  const entry = config.providers.find((p) => p.id === b.entryId)!
  const listed = listedModels(entry, known)
  if (listed.length > 0 && !listed.includes(b.model)) {
    return skip('its model is not listed', `Fallback ${side.entryName} · ${side.model} skipped: "${b.model}" is not among the models "${entry.name}" lists.`)
  }
  return { ok: true, identity: r.identity, entry }
}

/** The bindings of a list that cannot resolve now, each with why (Settings, the header, the doctor). */
export function fallbackProblems(chain: FallbackChain | null, config: KeelConfig, keys: KeyLookup, known: KnownModels): FallbackSkip[] {
  if (!chain) return []
  return chain.bindings.map((b) => resolveFallbackBinding(b, config, keys, known)).flatMap((r) => (r.ok ? [] : [r.skip]))
}

/**
 * A list as it is written (config.json through Settings, or a session's override): each binding canonicalized like
 * any binding write (invariant 5); one naming an entry that does not exist is kept as written (Settings shows it as
 * unresolvable rather than dropping it).
 */
export function canonicalChain(chain: FallbackChain, providers: readonly ProviderEntry[], known: KnownModels): FallbackChain {
  const bindings = chain.bindings.map((b) => {
    try {
      const c = canonicalizeBinding(b, providers, known)
      return { entryId: c.entryId, model: c.model }
    } catch {
      return b
    }
  })
  return { bindings, triggers: [...new Set(chain.triggers)] }
}

/** The list a session uses: its own override when it has one (an empty override turns fallback off), else its profile's. */
export function effectiveChain(override: FallbackChain | null, profile: FallbackChain | null): { source: SessionFallbacks['source']; chain: FallbackChain | null } {
  if (override) return { source: 'session', chain: override.bindings.length > 0 ? override : null }
  if (profile && profile.bindings.length > 0) return { source: 'profile', chain: profile }
  return { source: 'none', chain: null }
}

/**
 * The diagnostics row (and the doctor's line): active = who answered the latest turn, persisted = the selected
 * binding (never changed by a fallback), config = the fallback list in force with its unresolvable bindings.
 */
export function fallbackDiagnosticRow(f: SessionFallbacks): DiagnosticRow {
  const latest = f.latest
  const list = f.chain
    ? `${f.chain.bindings.map((b) => {
        const p = f.problems.find((x) => x.entryId === b.entryId && x.model === b.model)
        return `${b.entryId} · ${b.model}${p ? ` (${p.reason})` : ''}`
      }).join(', ')} (${f.source === 'session' ? 'this session' : 'profile'}; after ${f.chain.triggers.join(', ')})`
    : 'none'
  return {
    field: 'fallback',
    label: 'Answered by',
    active: latest ? fallbackLine(latest) : 'the selected binding',
    persisted: latest ? `${latest.selected.entryId} · ${latest.selected.model} (selected)` : null,
    config: `fallbacks: ${list}`,
    cached: null,
    drift: null,
  }
}

/** "all 3 bindings failed: A · m1: HTTP 503; B · m2: its key is missing; C · m3: network error" */
export function allFailedMessage(skipped: readonly FallbackSkip[]): string {
  return `Every binding failed, nothing answered: ${skipped.map((s, i) => `${i === 0 ? 'selected' : 'fallback'} ${s.entryName} · ${s.model}: ${s.reason}`).join('; ')}.`
}

type StepRow = {
  turn_id: string
  step: number
  selected_entry_id: string
  selected_entry_name: string
  selected_model: string
  answered_entry_id: string | null
  answered_entry_name: string | null
  answered_model: string | null
  answered_identity_key: string | null
  skipped_json: string
  at: number
}

/** The session override column and the per-step record (migration 014); only this module writes them. */
export class FallbackStore {
  private readonly st: (sql: string) => Database.Statement

  constructor(db: Database.Database) {
    this.st = preparedStatements(db)
  }

  readOverride(sessionId: string): FallbackChain | null {
    const row = this.st('SELECT fallback_json FROM sessions WHERE id = ?').get(sessionId) as { fallback_json: string | null } | undefined
    if (!row?.fallback_json) return null
    const parsed = FallbackChain.safeParse(JSON.parse(row.fallback_json))
    return parsed.success ? parsed.data : null
  }

  /** null: the session uses its profile's list again. */
  writeOverride(sessionId: string, chain: FallbackChain | null): void {
    this.st('UPDATE sessions SET fallback_json = ? WHERE id = ?').run(chain ? JSON.stringify(chain) : null, sessionId)
  }

  /** Inside the caller's transaction (the one that ends the step). */
  recordStep(sessionId: string, turnId: string, view: StepFallbackView): void {
    this.st(
      `INSERT OR REPLACE INTO step_fallbacks (turn_id, step, session_id, selected_entry_id, selected_entry_name, selected_model, answered_entry_id,
         answered_entry_name, answered_model, answered_identity_key, skipped_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      turnId,
      view.step,
      sessionId,
      view.selected.entryId,
      view.selected.entryName,
      view.selected.model,
      view.answered?.entryId ?? null,
      view.answered?.entryName ?? null,
      view.answered?.model ?? null,
      view.answered?.identityKey ?? null,
      JSON.stringify(view.skipped),
      view.at,
    )
  }

  private view(r: StepRow): StepFallbackView {
    return {
      step: r.step,
      selected: { entryId: r.selected_entry_id, entryName: r.selected_entry_name, model: r.selected_model },
      answered: r.answered_entry_id ? { entryId: r.answered_entry_id, entryName: r.answered_entry_name ?? r.answered_entry_id, model: r.answered_model ?? '', identityKey: r.answered_identity_key ?? '' } : null,
      skipped: JSON.parse(r.skipped_json) as FallbackSkip[],
      at: r.at,
    }
  }

  /** The records of a page of turns, by turn id, in step order. */
  ofTurns(turnIds: readonly string[]): Map<string, StepFallbackView[]> {
    const out = new Map<string, StepFallbackView[]>()
    if (turnIds.length === 0) return out
    const rows = this.st('SELECT * FROM step_fallbacks WHERE turn_id IN (SELECT value FROM json_each(?)) ORDER BY turn_id, step').all(JSON.stringify(turnIds)) as StepRow[]
    for (const r of rows) out.set(r.turn_id, [...(out.get(r.turn_id) ?? []), this.view(r)])
    return out
  }

  /**
   * The record of the session's latest turn (its last step that had one): null once a later turn ran without a
   * fallback, so the header says "answered by … fallback from …" only about the turn that did.
   */
  latest(sessionId: string): (StepFallbackView & { turnId: string }) | null {
    const r = this.st(
      'SELECT * FROM step_fallbacks WHERE turn_id = (SELECT id FROM turns WHERE session_id = ? ORDER BY seq DESC LIMIT 1) ORDER BY step DESC LIMIT 1',
    ).get(sessionId) as StepRow | undefined
    return r ? { ...this.view(r), turnId: r.turn_id } : null
  }

  /** Sessions among `ids` whose latest turn was answered by a fallback (the tray's marker). */
  latestOfMany(ids: readonly string[]): Map<string, StepFallbackView & { turnId: string }> {
    const out = new Map<string, StepFallbackView & { turnId: string }>()
    for (const id of ids) {
      const l = this.latest(id)
      if (l) out.set(id, l)
    }
    return out
  }
}
