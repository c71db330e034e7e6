// Agent profiles in the core: the built-in ones plus config.json's, their revisions, which profile each session
// runs (migration 007), and the edits Settings → Agents makes. Edits go through the config service like every
// config change (write → reload → change event), so a hand edit of config.json and an edit in Keel reach sessions
// the same way: at the session's next turn, with a notice naming what changed. A session whose profile was deleted
// shows it as missing and its next turn is refused with a reason — it never silently becomes another profile.
import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'
import {
  AgentProfile,
  BUILTIN_PROFILES,
  CHAT_PROFILE_ID,
  ProfileFields,
  approvalFor,
  isBuiltinProfileId,
  type AgentProfileView,
  type ApprovalDefault,
  type ProfilesState,
  type SessionProfile,
  type ToolOption,
  FallbackChain,
  ProfilePatch,
} from '../../../shared/agent-profiles'
import type { z } from 'zod'
import type { ConfigService } from '../config/config-service'
import type { KeelConfig } from '../config/config-schema'
import { slugFromName } from '../config/slug'
import { KeelError } from '../errors'
import { preparedStatements } from '../sessions/prepared-statements'
import { BUILTIN_TOOLS, builtinTool } from '../tools/builtin-tools'

/** The fields that shape a turn. The name is not among them: a rename changes nothing a session does. */
type ProfileContent = Omit<AgentProfile, 'id' | 'name'>

function contentOf(p: AgentProfile): ProfileContent {
  return {
    instructions: p.instructions,
    binding: p.binding,
    parameters: p.parameters,
    tools: p.tools,
    approvals: p.approvals,
    stepLimit: p.stepLimit,
    ...(p.workspace !== undefined ? { workspace: p.workspace } : {}),
    ...(p.fallback !== undefined ? { fallback: p.fallback } : {}),
  }
}

// Key order fixed by sorting, so a hand edit that only reorders keys in config.json is not a new revision.
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const revisions = new WeakMap<AgentProfile, string>()

/** A short hash of what shapes a turn (like entryRevision): sessions record it, and a change is shown at the next turn. */
export function profileRevision(profile: AgentProfile): string {
  const known = revisions.get(profile)
  if (known !== undefined) return known
  const revision = createHash('sha256').update(canonicalJson(contentOf(profile))).digest('hex').slice(0, 12)
  revisions.set(profile, revision)
  return revision
}

/** Every profile in force: the built-in ones first, then config.json's. */
export function allProfiles(cfg: KeelConfig): AgentProfile[] {
  return [...BUILTIN_PROFILES, ...cfg.agentProfiles]
}

export function findProfile(cfg: KeelConfig, id: string): AgentProfile | undefined {
  return allProfiles(cfg).find((p) => p.id === id)
}

/** A built-in tool a profile offers, with its effect class and the profile's approval default for it. */
export interface ProfileTool {
  source: 'builtin'
  name: string
  effect: 'read' | 'write' | 'execute' | 'network'
  approval: ApprovalDefault
}

/** What the agent loop needs of a session's profile. */
export type ResolvedSessionProfile =
  | { missing: true; id: string }
  | {
      missing: false
      id: string
      name: string
      revision: string
      instructions: string
      binding: AgentProfile['binding']
      parameters: AgentProfile['parameters']
      /** The built-in tools offered, each with its approval default. */
      tools: ProfileTool[]
      /** The tool set as configured (MCP items included, for when MCP servers arrive). */
      toolSet: AgentProfile['tools']
      approvals: AgentProfile['approvals']
      stepLimit: number
      workspace: string | null
      /** The profile's fallback list (issue #11); null: none. */
      fallback?: FallbackChain | null
    }

export function builtinToolOptions(): ToolOption[] {
  return BUILTIN_TOOLS.map((t) => ({ source: 'builtin', name: t.name, effect: t.effect, description: t.description }))
}

/** Built-in tools named in a profile that Keel does not have, as the field path and name of the first one. */
export function unknownBuiltinTool(p: Pick<AgentProfile, 'tools' | 'approvals'>): { field: string; name: string } | null {
  const ti = p.tools.findIndex((t) => t.source === 'builtin' && t.name !== '*' && !builtinTool(t.name))
  if (ti >= 0) return { field: `tools[${ti}].name`, name: p.tools[ti]!.name }
  const ai = p.approvals.findIndex((a) => a.source === 'builtin' && a.name !== '*' && !builtinTool(a.name))
  if (ai >= 0) return { field: `approvals[${ai}].name`, name: p.approvals[ai]!.name }
  return null
}

interface StoredSessionProfile {
  profileId: string
  revision: string | null
  snapshot: (ProfileContent & { name?: string }) | null
}

type RawRow = { id: string; profile_id: string; profile_revision: string | null; profile_snapshot: string | null }

/** The sessions table's profile columns (migration 007); only this module writes them. */
class SessionProfileStore {
  private readonly st: (sql: string) => Database.Statement
  constructor(db: Database.Database) {
    this.st = preparedStatements(db)
  }

  private decode(row: RawRow): StoredSessionProfile {
    let snapshot: ProfileContent | null = null
    try {
      snapshot = row.profile_snapshot ? (JSON.parse(row.profile_snapshot) as ProfileContent) : null
    } catch {
      snapshot = null
    }
    return { profileId: row.profile_id, revision: row.profile_revision, snapshot }
  }

  read(sessionId: string): StoredSessionProfile | null {
    const row = this.st('SELECT id, profile_id, profile_revision, profile_snapshot FROM sessions WHERE id = ?').get(sessionId) as RawRow | undefined
    return row ? this.decode(row) : null
  }

  /**
   * The profile id and revision of a page of sessions, in one prepared query (the ids go as one JSON array, so the
   * statement is the same for every page). Without the snapshot: only a session whose profile is gone needs it.
   */
  readMany(ids: readonly string[]): Map<string, { profileId: string; revision: string | null }> {
    const out = new Map<string, { profileId: string; revision: string | null }>()
    if (ids.length === 0) return out
    const rows = this.st('SELECT id, profile_id, profile_revision FROM sessions WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as Omit<RawRow, 'profile_snapshot'>[]
    for (const row of rows) out.set(row.id, { profileId: row.profile_id, revision: row.profile_revision })
    return out
  }

  write(sessionId: string, profile: AgentProfile): void {
    this.st('UPDATE sessions SET profile_id = ?, profile_revision = ?, profile_snapshot = ? WHERE id = ?').run(
      profile.id,
      profileRevision(profile),
      // The name too, so a session whose profile is deleted can still say which one it ran.
      JSON.stringify({ name: profile.name, ...contentOf(profile) }),
      sessionId,
    )
  }
}

/** What changed between two revisions of a profile, in the words of Settings → Agents. */
export function describeProfileChange(before: ProfileContent | null, after: ProfileContent): string[] {
  if (!before) return []
  const out: string[] = []
  const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null)
  if (before.instructions !== after.instructions) out.push('instructions')
  if (!same(before.binding, after.binding)) {
    const b = (x: ProfileContent['binding']) => (x.mode === 'pinned' ? `${x.entryId} · ${x.model}` : 'the app default')
    out.push(`binding (${b(before.binding)} → ${b(after.binding)})`)
  }
  const param = (label: string, a: unknown, b: unknown) => {
    if (!same(a, b)) out.push(`${label} (${a ?? 'default'} → ${b ?? 'default'})`)
  }
  param('temperature', before.parameters.temperature, after.parameters.temperature)
  param('max output tokens', before.parameters.maxOutputTokens, after.parameters.maxOutputTokens)
  param('reasoning effort', before.parameters.reasoningEffort, after.parameters.reasoningEffort)
  if (!same(before.tools, after.tools)) out.push('tools')
  if (!same(before.approvals, after.approvals)) out.push('approval defaults')
  param('step limit', before.stepLimit, after.stepLimit)
  param('workspace', before.workspace, after.workspace)
  if (!same(before.fallback, after.fallback)) out.push('fallbacks')
  return out
}

function profileNotFound(id: string, field = 'id'): KeelError {
  return KeelError.of('not-found', `There is no agent profile "${id}".`, { field, fix: 'Pick a profile listed in Settings → Agents.' })
}

function builtinReadOnly(p: AgentProfile): KeelError {
  return KeelError.of('forbidden', `"${p.name}" is a built-in profile and cannot be changed or deleted.`, { field: 'id', fix: 'Duplicate it and edit the copy.' })
}

/** Validates a profile about to be written, naming the field (as config.json would). */
function checked(candidate: unknown): AgentProfile {
  const parsed = AgentProfile.safeParse(candidate)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`)).join('').replace(/^\./, '') || '(profile)'
    throw KeelError.of('invalid-input', `Invalid agent profile: ${field}: ${issue.message}.`, { field })
  }
  const unknown = unknownBuiltinTool(parsed.data)
  if (unknown) throw KeelError.of('invalid-input', `Invalid agent profile: ${unknown.field}: Keel has no built-in tool "${unknown.name}".`, { field: unknown.field })
  return parsed.data
}

export class ProfileService {
  private readonly store: SessionProfileStore

  constructor(
    private readonly config: ConfigService,
    db: Database.Database,
    /** The tools of the configured MCP servers, as options (from the runtime: those of ready servers). */
    private readonly mcpToolOptions: () => ToolOption[] = () => [],
  ) {
    this.store = new SessionProfileStore(db)
  }

  view(p: AgentProfile): AgentProfileView {
    return { ...p, builtin: isBuiltinProfileId(p.id), revision: profileRevision(p) }
  }

  list(): ProfilesState {
    const cfg = this.config.current()
    return { profiles: allProfiles(cfg).map((p) => this.view(p)), defaultProfileId: cfg.defaultProfileId, tools: [...builtinToolOptions(), ...this.mcpToolOptions()] }
  }

  resolve(id: string): AgentProfile | undefined {
    return findProfile(this.config.current(), id)
  }

  private require(id: string, field = 'id'): AgentProfile {
    const p = this.resolve(id)
    if (!p) throw profileNotFound(id, field)
    return p
  }

  /** A fresh id from a name: never a built-in's, a current profile's or a retired one's. */
  private allocateId(cfg: KeelConfig, name: string, requested?: string): string {
    const taken = (id: string) => isBuiltinProfileId(id) || cfg.agentProfiles.some((p) => p.id === id) || cfg.retiredProfileIds.includes(id)
    if (requested !== undefined) {
      if (taken(requested)) throw KeelError.of('conflict', `The profile id "${requested}" is taken (or was used by a deleted profile; ids are never reused).`, { field: 'id', fix: 'Choose another id, or leave it out to have one made from the name.' })
      return requested
    }
    const base = slugFromName(name, 'profile')
    if (!taken(base)) return base
    for (let n = 2; ; n += 1) {
      const id = `${base.slice(0, 60)}-${n}`
      if (!taken(id)) return id
    }
  }

  create(draft: unknown, requestedId?: string): AgentProfileView {
    const fields = ProfileFields.parse(draft)
    let created: AgentProfile | null = null
    this.config.update((cfg) => {
      const id = this.allocateId(cfg, fields.name, requestedId)
      created = checked({ ...fields, id })
      return { ...cfg, agentProfiles: [...cfg.agentProfiles, created] }
    })
    return this.view(this.require(created!.id))
  }

  update(id: string, patch: z.input<typeof ProfilePatch>): AgentProfileView {
    if (isBuiltinProfileId(id)) throw builtinReadOnly(this.require(id))
    this.config.update((cfg) => {
      const current = cfg.agentProfiles.find((p) => p.id === id)
      if (!current) throw profileNotFound(id)
      const { workspace, fallback, ...rest } = patch
      const next: Record<string, unknown> = { ...current, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) }
      if (workspace === null) delete next.workspace
      else if (workspace !== undefined) next.workspace = workspace
      // An empty list is no list: "off unless configured" reads the same in config.json.
      if (fallback === null || (fallback && fallback.bindings.length === 0)) delete next.fallback
      else if (fallback !== undefined) next.fallback = FallbackChain.parse(fallback)
      const profile = checked(next)
      return { ...cfg, agentProfiles: cfg.agentProfiles.map((p) => (p.id === id ? profile : p)) }
    })
    return this.view(this.require(id))
  }

  duplicate(id: string, name?: string): AgentProfileView {
    let created: AgentProfile | null = null
    this.config.update((cfg) => {
      const source = findProfile(cfg, id)
      if (!source) throw profileNotFound(id)
      const copyName = name ?? `${source.name} copy`.slice(0, 80)
      const newId = this.allocateId(cfg, copyName)
      created = checked({ ...structuredClone(source), id: newId, name: copyName })
      return { ...cfg, agentProfiles: [...cfg.agentProfiles, created] }
    })
    return this.view(this.require(created!.id))
  }

  /** Deletes a user profile; its id is retired. Refused for built-ins and for the default profile. */
  delete(id: string): void {
    if (isBuiltinProfileId(id)) throw builtinReadOnly(this.require(id))
    this.config.update((cfg) => {
      const current = cfg.agentProfiles.find((p) => p.id === id)
      if (!current) throw profileNotFound(id)
      if (cfg.defaultProfileId === id) {
        throw KeelError.of('conflict', `"${current.name}" is the default profile for new sessions, so it cannot be deleted.`, { field: 'id', fix: 'Make another profile the default first.' })
      }
      return { ...cfg, agentProfiles: cfg.agentProfiles.filter((p) => p.id !== id), retiredProfileIds: [...new Set([...cfg.retiredProfileIds, id])] }
    })
  }

  setDefault(id: string): void {
    this.config.update((cfg) => {
      if (!findProfile(cfg, id)) throw profileNotFound(id)
      return { ...cfg, defaultProfileId: id }
    })
  }

  /** The profile a new session starts with: the one asked for (which must exist) or the default. */
  forNewSession(profileId: string | undefined): AgentProfile {
    const cfg = this.config.current()
    if (profileId !== undefined) return this.require(profileId, 'profileId')
    // The default always exists in a valid config; the fallback only guards a config read mid-change.
    return findProfile(cfg, cfg.defaultProfileId) ?? findProfile(cfg, CHAT_PROFILE_ID)!
  }

  /** Records the profile (and its current revision) a session runs. */
  record(sessionId: string, profile: AgentProfile): void {
    this.store.write(sessionId, profile)
  }

  private summaryOf(stored: StoredSessionProfile, profile = this.resolve(stored.profileId)): SessionProfile {
    if (!profile) return { id: stored.profileId, name: stored.snapshot?.name ?? stored.profileId, revision: stored.revision ?? '', missing: true, changed: false }
    const current = profileRevision(profile)
    return { id: profile.id, name: profile.name, revision: stored.revision ?? current, missing: false, changed: stored.revision !== null && stored.revision !== current }
  }

  /** What a session's summary shows about its profile, for a page of sessions at once. */
  summaries(sessionIds: readonly string[]): Map<string, SessionProfile> {
    const out = new Map<string, SessionProfile>()
    // A page shows a handful of profiles: each is looked up once, not once per session.
    const profiles = new Map<string, AgentProfile | undefined>()
    for (const [id, head] of this.store.readMany(sessionIds)) {
      if (!profiles.has(head.profileId)) profiles.set(head.profileId, this.resolve(head.profileId))
      const profile = profiles.get(head.profileId)
      // A deleted profile is named from the snapshot the session recorded (read for those sessions only).
      const stored = profile ? { ...head, snapshot: null } : this.store.read(id)
      if (stored) out.set(id, this.summaryOf(stored, profile))
    }
    return out
  }

  /** The profile a session runs, resolved for the agent loop (instructions, parameters, tools, step limit, workspace). */
  profileForSession(sessionId: string): ResolvedSessionProfile {
    const stored = this.store.read(sessionId)
    if (!stored) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session from the list.' })
    const p = this.resolve(stored.profileId)
    if (!p) return { missing: true, id: stored.profileId }
    const tools: ProfileTool[] = BUILTIN_TOOLS.filter((t) => p.tools.some((i) => i.source === 'builtin' && (i.name === t.name || i.name === '*'))).map((t) => ({
      source: 'builtin',
      name: t.name,
      effect: t.effect,
      approval: approvalFor(p, 'builtin', t.name, t.effect),
    }))
    return {
      missing: false,
      id: p.id,
      name: p.name,
      revision: profileRevision(p),
      instructions: p.instructions,
      binding: p.binding,
      parameters: p.parameters,
      tools,
      toolSet: p.tools,
      approvals: p.approvals,
      stepLimit: p.stepLimit,
      workspace: p.workspace ?? null,
      fallback: p.fallback ?? null,
    }
  }

  /**
   * Called as a turn starts. A session on a deleted profile is refused with the reason (never run as another
   * profile). A profile edited since the session's last turn is adopted now, and the returned text says what
   * changed (the caller shows it as a notice, like a config change); null when nothing changed.
   */
  beginTurn(sessionId: string): string | null {
    const stored = this.store.read(sessionId)
    if (!stored) return null
    const profile = this.resolve(stored.profileId)
    if (!profile) {
      throw KeelError.of('not-found', `This session's agent profile "${stored.profileId}" was deleted, so Keel will not run this session as another profile.`, {
        field: 'profileId',
        fix: 'Pick another profile for this session in its header, or start a new session.',
      })
    }
    const revision = profileRevision(profile)
    if (stored.revision === revision) return null
    this.store.write(sessionId, profile)
    // A session from before profiles (no revision yet) adopts the current one without a notice: nothing changed for it.
    if (stored.revision === null) return null
    const changes = describeProfileChange(stored.snapshot, contentOf(profile))
    return `The agent profile "${profile.name}" changed since this session's last turn${changes.length ? ` (${changes.join(', ')})` : ''}; this turn uses the new version.`
  }

  /** The user picked another profile for an existing session: recorded now, used from the next turn. */
  switchSession(sessionId: string, profileId: string): AgentProfile {
    const profile = this.require(profileId, 'profileId')
    this.store.write(sessionId, profile)
    return profile
  }
}
