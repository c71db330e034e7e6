// The shape of config.json and the one function that validates it. Errors name the offending field so the user
// can fix their file; the caller keeps the last good config in force.
import { z } from 'zod'
import { AppDefault, ProviderEntry } from '../../../shared/domain'
import { AgentProfile, CHAT_PROFILE_ID, ProfileId, isBuiltinProfileId } from '../../../shared/agent-profiles'
import { McpServerEntry } from '../../../shared/mcp'
import { PriceTable } from '../../../shared/usage'
import { KeelError } from '../errors'
import { builtinTool } from '../tools/builtin-tools'

export const CONFIG_VERSION = 1

export const KeelConfig = z
  .object({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    providers: z.array(ProviderEntry).default([]),
    default: AppDefault.nullable().default(null),
    /** Ids of deleted entries: an id is never reused, so no session can silently re-bind to a stranger. */
    retiredProviderIds: z.array(z.string()).default([]),
    /** The user's agent profiles (the built-in "chat" and "workspace-agent" are defined in code). */
    agentProfiles: z.array(AgentProfile).default([]),
    /** The profile a new session starts with. */
    defaultProfileId: ProfileId.default(CHAT_PROFILE_ID),
    /** Ids of deleted profiles: never reused, so a session on a deleted profile shows it missing, not a stranger. */
    retiredProfileIds: z.array(z.string()).default([]),
    /** MCP servers (stdio commands or HTTP URLs); their secret values are in the keychain as `mcp:<id>:<NAME>`. */
    mcpServers: z.array(McpServerEntry).default([]),
    /** Ids of deleted MCP servers: never reused, so grants and trust given to a deleted server never pass to another. */
    retiredMcpServerIds: z.array(z.string()).default([]),
    /** Prices per entry id and model (per million tokens), typed in Settings or taken from a provider's model list. */
    prices: PriceTable.default({}),
  })
  .superRefine((cfg, ctx) => {
    const profileIds = new Set<string>()
    cfg.agentProfiles.forEach((p, i) => {
      if (isBuiltinProfileId(p.id)) ctx.addIssue({ code: 'custom', path: ['agentProfiles', i, 'id'], message: `"${p.id}" is the id of a built-in profile; give this profile another id` })
      else if (profileIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['agentProfiles', i, 'id'], message: `duplicate profile id "${p.id}"` })
      else if (cfg.retiredProfileIds.includes(p.id)) ctx.addIssue({ code: 'custom', path: ['agentProfiles', i, 'id'], message: `"${p.id}" is the id of a deleted profile (see retiredProfileIds) and ids are never reused; give this profile a new id` })
      profileIds.add(p.id)
      // A tool name Keel does not have (a typo in a hand edit) would silently offer nothing: named instead.
      p.tools.forEach((t, j) => {
        if (t.source === 'builtin' && t.name !== '*' && !builtinTool(t.name)) ctx.addIssue({ code: 'custom', path: ['agentProfiles', i, 'tools', j, 'name'], message: `Keel has no built-in tool "${t.name}"` })
      })
    })
    if (!isBuiltinProfileId(cfg.defaultProfileId) && !profileIds.has(cfg.defaultProfileId)) {
      ctx.addIssue({ code: 'custom', path: ['defaultProfileId'], message: `there is no profile "${cfg.defaultProfileId}"` })
    }
    const serverIds = new Set<string>()
    cfg.mcpServers.forEach((s, i) => {
      if (serverIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['mcpServers', i, 'id'], message: `duplicate MCP server id "${s.id}"` })
      else if (cfg.retiredMcpServerIds.includes(s.id)) ctx.addIssue({ code: 'custom', path: ['mcpServers', i, 'id'], message: `"${s.id}" is the id of a deleted MCP server (see retiredMcpServerIds) and ids are never reused; give this server a new id` })
      serverIds.add(s.id)
      // A name both plain and secret would leave it to chance which value the server gets.
      const plain = s.transport.type === 'stdio' ? Object.keys(s.transport.env) : Object.keys(s.transport.headers).map((h) => h.toLowerCase())
      s.secrets.forEach((name, j) => {
        const key = s.transport.type === 'stdio' ? name : name.toLowerCase()
        if (plain.includes(key)) ctx.addIssue({ code: 'custom', path: ['mcpServers', i, 'secrets', j], message: `"${name}" is also given a plain value in ${s.transport.type === 'stdio' ? 'env' : 'headers'}; keep it in one place` })
        if (s.secrets.indexOf(name) !== j) ctx.addIssue({ code: 'custom', path: ['mcpServers', i, 'secrets', j], message: `"${name}" is listed twice` })
      })
    })
    const seen = new Set<string>()
    cfg.providers.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` })
      seen.add(p.id)
      // The same refusal as the contract's: a deleted entry's id is never reused, or its old sessions would resume
      // on the new entry's server with its key.
      if (cfg.retiredProviderIds.includes(p.id)) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `"${p.id}" is the id of a deleted entry (see retiredProviderIds) and ids are never reused; give this entry a new id` })
      }
    })
  })
export type KeelConfig = z.infer<typeof KeelConfig>

export const EMPTY_CONFIG: KeelConfig = { version: CONFIG_VERSION, providers: [], default: null, retiredProviderIds: [], agentProfiles: [], defaultProfileId: CHAT_PROFILE_ID, retiredProfileIds: [], mcpServers: [], retiredMcpServerIds: [], prices: {} }

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '')
}

/**
 * How config.json text becomes JSON, for Keel's own reader and for the store that writes the file (conf /
 * electron-store read it before writing): an empty file is an empty config everywhere, never an error in one
 * place and not in the other.
 */
export function deserializeConfigJson(text: string): unknown {
  const body = text.replace(/^\uFEFF/, '')
  return body.trim() === '' ? {} : JSON.parse(body)
}

/** Parses config.json text. Throws a KeelError of kind `config-invalid` naming the field (or the JSON position). */
export function parseConfigText(text: string, filePath: string): KeelConfig {
  let raw: unknown
  try {
    raw = deserializeConfigJson(text)
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'unreadable'
    throw KeelError.of('config-invalid', `config.json is not valid JSON (${detail}).`, {
      field: '(file)',
      fix: `Fix the JSON in ${filePath}; Keel keeps using the last good configuration until then.`,
    })
  }
  const parsed = KeelConfig.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = fieldPath(issue.path) || '(root)'
    throw KeelError.of('config-invalid', `config.json: ${field}: ${issue.message}.`, {
      field,
      fix: `Correct "${field}" in ${filePath}; Keel keeps using the last good configuration until then.`,
    })
  }
  return parsed.data
}

/**
 * The same rules as JSON Schema, per top-level key, for electron-store / conf: they validate every write again
 * (a second line of defence behind parseConfigText), so nothing invalid is ever written to config.json.
 */
export function configJsonSchema<S>(): S {
  const schema = z.toJSONSchema(KeelConfig, { io: 'input', unrepresentable: 'any' }) as unknown as { properties: S }
  return withoutDefaultsInUnions(schema.properties) as S
}

/**
 * Ajv's strict mode refuses `default` inside oneOf/anyOf branches (an MCP server's transport is such a union); the
 * values written are already complete (parsed by KeelConfig), so those defaults are only dropped, not lost.
 */
function withoutDefaultsInUnions(node: unknown, inUnion = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutDefaultsInUnions(n, inUnion))
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'default' && inUnion) continue
    out[k] = withoutDefaultsInUnions(v, inUnion || k === 'oneOf' || k === 'anyOf')
  }
  return out
}
