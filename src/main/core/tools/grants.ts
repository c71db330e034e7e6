// Grants and the one approval decision (DESIGN.md, "Agents, tools and MCP"; invariant 16). A grant is the user's
// "yes" kept beyond one call, keyed by the tool reference (source, name, schema hash) plus a hash of the source's
// config: the same name with another schema, or the same tool from a re-configured server, is a different thing
// and asks again. The agent loop asks `approvalFor` before every call; nothing else decides whether a call runs
// without asking.
import { createHash, randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import { canonicalJson, type BuiltinTool, type EffectClass } from './tool-definition'

export interface ToolReference {
  /** `builtin` or `mcp:<server id>`. */
  source: string
  name: string
  schemaHash: string
}

/** 'once' is an answer, never a grant: it is not stored. */
export type GrantScope = 'session' | 'agent' | 'always'
export type ApprovalScope = 'once' | GrantScope

export interface Grant {
  id: string
  toolRef: ToolReference
  sourceConfigHash: string
  effect: EffectClass
  scope: GrantScope
  /** Set for scope 'session'. */
  sessionId: string | null
  /** Set for scope 'agent'. */
  profileId: string | null
  createdAt: number
}

export type NewGrant =
  | { toolRef: ToolReference; sourceConfigHash: string; effect: EffectClass; scope: 'session'; sessionId: string }
  | { toolRef: ToolReference; sourceConfigHash: string; effect: EffectClass; scope: 'agent'; profileId: string }
  | { toolRef: ToolReference; sourceConfigHash: string; effect: EffectClass; scope: 'always' }

/**
 * The version of Keel's built-in tool set as a grant source. The tools' schemas are hashed per tool already; this
 * changes only when what a built-in tool may do changes without its schema changing (say, run_command's
 * environment or the workspace guard), so every built-in grant asks again after such a change.
 */
export const BUILTIN_TOOLS_VERSION = 1
export const BUILTIN_SOURCE_CONFIG_HASH = sourceConfigHash({ source: 'builtin', version: BUILTIN_TOOLS_VERSION })

/**
 * Hash of a tool source's config: for an MCP server, what decides which program (or URL) answers — transport,
 * command, args, cwd, plain env, URL — never secret values (those live in the keychain and are not passed here).
 */
export function sourceConfigHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex')
}

export interface ApprovalQuery {
  toolRef: ToolReference
  sourceConfigHash: string
  effect: EffectClass
  sessionId: string
  /** The profile the session runs as; null when it has none (grants with scope 'agent' cannot apply). */
  profileId: string | null
  /** The profile's own setting for this tool, when it has one (a specific tool beats the source's `*`). */
  profileApprovalDefault?: 'allow' | 'ask' | undefined
}

export type Approval = 'allow' | 'ask'

/** The default by effect class, when no grant and no profile setting applies: reads run, everything else asks. */
export function effectDefault(effect: EffectClass): Approval {
  return effect === 'read' ? 'allow' : 'ask'
}

type RawGrant = {
  id: string
  tool_source: string
  tool_name: string
  schema_hash: string
  source_config_hash: string
  effect: EffectClass
  scope: GrantScope
  session_id: string | null
  profile_id: string | null
  created_at: number
}

function toGrant(r: RawGrant): Grant {
  return {
    id: r.id,
    toolRef: { source: r.tool_source, name: r.tool_name, schemaHash: r.schema_hash },
    sourceConfigHash: r.source_config_hash,
    effect: r.effect,
    scope: r.scope,
    sessionId: r.session_id,
    profileId: r.profile_id,
    createdAt: r.created_at,
  }
}

export class GrantStore {
  constructor(private readonly db: Database.Database) {}

  /**
   * Stores a grant; granting what is already granted returns the existing one (one row per decision). A 'session'
   * grant for a session that does not exist fails (foreign key), so no grant outlives or precedes its session.
   */
  grant(g: NewGrant, now = Date.now()): Grant {
    const existing = this.existing(g)
    if (existing) return existing
    const id = randomUUID()
    this.db
      .prepare(
        `INSERT INTO grants (id, tool_source, tool_name, schema_hash, source_config_hash, effect, scope, session_id, profile_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, g.toolRef.source, g.toolRef.name, g.toolRef.schemaHash, g.sourceConfigHash, g.effect, g.scope, g.scope === 'session' ? g.sessionId : null, g.scope === 'agent' ? g.profileId : null, now)
    return this.get(id)!
  }

  get(id: string): Grant | null {
    const r = this.db.prepare('SELECT * FROM grants WHERE id = ?').get(id) as RawGrant | undefined
    return r ? toGrant(r) : null
  }

  /** Every grant, newest first (Settings → Agents). */
  list(): Grant[] {
    return (this.db.prepare('SELECT * FROM grants ORDER BY created_at DESC, id').all() as RawGrant[]).map(toGrant)
  }

  /** Removes a grant; false when there was none with that id. The next matching call asks again. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM grants WHERE id = ?').run(id).changes > 0
  }

  /**
   * The grant that lets this call run without asking, if any: same source, name, schema hash and source config
   * hash, and a scope that covers the call (this session, this session's profile, or always).
   */
  matching(q: Pick<ApprovalQuery, 'toolRef' | 'sourceConfigHash' | 'sessionId' | 'profileId'>): Grant | null {
    const r = this.db
      .prepare(
        `SELECT * FROM grants
          WHERE tool_source = ? AND tool_name = ? AND schema_hash = ? AND source_config_hash = ?
            AND (scope = 'always' OR (scope = 'session' AND session_id = ?) OR (scope = 'agent' AND profile_id = ?))
          ORDER BY created_at LIMIT 1`,
      )
      .get(q.toolRef.source, q.toolRef.name, q.toolRef.schemaHash, q.sourceConfigHash, q.sessionId, q.profileId) as RawGrant | undefined
    return r ? toGrant(r) : null
  }

  /**
   * Whether a call runs without asking: a matching grant allows it; otherwise the profile's setting for the tool;
   * otherwise reads are allowed (they stay inside the workspace) and writes, commands and network access ask.
   */
  approvalFor(q: ApprovalQuery): Approval {
    if (this.matching(q)) return 'allow'
    return q.profileApprovalDefault ?? effectDefault(q.effect)
  }

  /** The stored grant for exactly this decision (same reference, hash, scope and owner), if any. */
  existing(g: NewGrant): Grant | null {
    return this.find(g.toolRef, g.sourceConfigHash, g.scope, g.scope === 'session' ? g.sessionId : null, g.scope === 'agent' ? g.profileId : null)
  }

  private find(toolRef: ToolReference, hash: string, scope: GrantScope, sessionId: string | null, profileId: string | null): Grant | null {
    const r = this.db
      .prepare(
        `SELECT * FROM grants WHERE tool_source = ? AND tool_name = ? AND schema_hash = ? AND source_config_hash = ? AND scope = ?
           AND COALESCE(session_id, '') = ? AND COALESCE(profile_id, '') = ?`,
      )
      .get(toolRef.source, toolRef.name, toolRef.schemaHash, hash, scope, sessionId ?? '', profileId ?? '') as RawGrant | undefined
    return r ? toGrant(r) : null
  }
}

/** The one decision, for callers that hold a store: see `GrantStore.approvalFor`. */
export function approvalFor(store: GrantStore, q: ApprovalQuery): Approval {
  return store.approvalFor(q)
}

const awaitingStatements = new WeakMap<Database.Database, Database.Statement>()

/**
 * Which of these sessions have a tool call waiting for approval (the "needs approval" marker of the session list
 * and the tray). Reads the tool-call ledger; one query per page of ids, served by its index of open calls.
 */
export function sessionsAwaitingApproval(db: Database.Database, sessionIds: readonly string[]): Set<string> {
  if (sessionIds.length === 0) return new Set()
  // Prepared once per database: preparing cost more than the query itself, on every page of the list and search.
  let statement = awaitingStatements.get(db)
  if (!statement) {
    statement = db.prepare("SELECT DISTINCT session_id FROM tool_calls WHERE state = 'awaiting-approval' AND session_id IN (SELECT value FROM json_each(?))")
    awaitingStatements.set(db, statement)
  }
  const rows = statement.all(JSON.stringify(sessionIds)) as Array<{ session_id: string }>
  return new Set(rows.map((r) => r.session_id))
}

/** The approval hook of a session's tool set (the agent loop asks it for each call before running anything). */
export interface ApprovalHook {
  approval?(tool: BuiltinTool, args: Record<string, unknown>): Approval
  /** A set whose MCP tools are listed afresh at each step hands back a new set: it is wrapped the same way. */
  refresh?(): Promise<ApprovalHook>
}

/**
 * A session's tool set whose approval asks the grants first: a matching grant allows; otherwise the set's own
 * hook (the profile's per-tool setting) decides; otherwise the effect default. So every call the loop makes goes
 * through `approvalFor`, whoever built the tool set. `sourceHash` gives a tool source's config hash as it is now
 * (built-in: the constant; `mcp:<id>`: the server's launch hash); null (an unknown source) lets no grant apply. The
 * caller always says how (keel-core knows the MCP servers); there is no default to drift from it.
 */
export function withGrants<T extends ApprovalHook>(
  set: T,
  store: GrantStore,
  sessionId: string,
  profileId: string | null,
  sourceHash: (source: string) => string | null,
): T {
  const own = set.approval?.bind(set)
  const refresh = set.refresh?.bind(set)
  return {
    ...set,
    approval: (tool: BuiltinTool, args: Record<string, unknown>) => {
      const source = tool.source ?? 'builtin'
      const hash = sourceHash(source)
      const profileApprovalDefault = own ? own(tool, args) : undefined
      if (hash === null) return profileApprovalDefault ?? effectDefault(tool.effect)
      return store.approvalFor({ toolRef: { source, name: tool.name, schemaHash: tool.schemaHash }, sourceConfigHash: hash, effect: tool.effect, sessionId, profileId, profileApprovalDefault })
    },
    ...(refresh ? { refresh: async () => withGrants((await refresh()) as T, store, sessionId, profileId, sourceHash) } : {}),
  }
}
