// Agent profiles (DESIGN.md, "Agents, tools and MCP"): what a session runs as — instructions, binding, parameters,
// the tools it may use with their approval defaults, a step limit and a workspace folder. User profiles live in
// config.json (`agentProfiles`, hand-editable, validated, watched); the two built-in ones are defined here, in code,
// and are always present. A profile id is a stable slug that is never reused (like entry ids), so a session that
// recorded a deleted profile's id shows it as missing instead of silently running as another profile.
import { z } from 'zod'
import { EntryId, ModelId, SingleLineText } from './domain'
import { DEFAULT_FALLBACK_TRIGGERS, FallbackTrigger } from './fallback'

export const ProfileId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter or digit')
export type ProfileId = z.infer<typeof ProfileId>

/**
 * Where a tool comes from: Keel's built-in tools, or an MCP server entry (by its stable id, when MCP servers
 * arrive). The same shape as a tool reference's source, so a profile's tool set and the grants speak alike.
 */
export const ToolSource = z
  .string()
  .regex(/^(builtin|mcp:[a-z0-9][a-z0-9-]{0,63})$/, '"builtin" or "mcp:<server id>"')
export type ToolSource = z.infer<typeof ToolSource>

/** A tool name as the model sees it, or `*` for every tool of the source (an MCP server's whole tool list). */
export const ToolName = z.union([z.literal('*'), z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, "_", "." and "-" (at most 128), or "*"')])

/**
 * One item of a profile's tool set. With `*` (every tool of the source), `except` lists single tools the profile
 * leaves out (an MCP server's write tools, say); tools the server adds later are offered unless listed here.
 */
export const ToolSetItem = z
  .strictObject({
    source: ToolSource,
    name: ToolName,
    except: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, "_", "." and "-" (at most 128)')).max(500).optional(),
  })
  .refine((t) => t.except === undefined || t.name === '*', { path: ['except'], message: 'only an item with name "*" can leave tools out' })
export type ToolSetItem = z.infer<typeof ToolSetItem>

export const ApprovalDefault = z.enum(['ask', 'allow'])
export type ApprovalDefault = z.infer<typeof ApprovalDefault>

/** The approval default of one tool (or, with `*`, of every tool of a source); a specific name beats `*`. */
export const ToolApproval = z.strictObject({ source: ToolSource, name: ToolName, approval: ApprovalDefault })
export type ToolApproval = z.infer<typeof ToolApproval>

export const ProfileBinding = z.discriminatedUnion('mode', [
  /** The app default provider and model, whatever it is at each turn. */
  z.strictObject({ mode: z.literal('follow-default') }),
  /** A provider entry and model: a new session on this profile starts pinned to them. */
  z.strictObject({ mode: z.literal('pinned'), entryId: EntryId, model: ModelId }),
])
export type ProfileBinding = z.infer<typeof ProfileBinding>

/** One binding to try: an entry id and a wire model id (two fields, never one joined string; like a binding). */
export const FallbackBinding = z.strictObject({ entryId: EntryId, model: ModelId })
export type FallbackBinding = z.infer<typeof FallbackBinding>

export const FALLBACK_MAX = 8

/** A fallback list: the bindings in the order they are tried, and the failures that move on to them. */
export const FallbackChain = z.strictObject({
  bindings: z.array(FallbackBinding).max(FALLBACK_MAX),
  triggers: z.array(FallbackTrigger).max(FallbackTrigger.options.length).default([...DEFAULT_FALLBACK_TRIGGERS]),
})
export type FallbackChain = z.infer<typeof FallbackChain>


export const ReasoningEffort = z.enum(['minimal', 'low', 'medium', 'high'])
export type ReasoningEffort = z.infer<typeof ReasoningEffort>

/** Request parameters; an absent one leaves the provider's own default (max output tokens: Keel's per-API default). */
export const ProfileParameters = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
  /** Sent only where the API has it (Responses, and models that reason on Chat Completions / Anthropic). */
  reasoningEffort: ReasoningEffort.optional(),
})
export type ProfileParameters = z.infer<typeof ProfileParameters>

export const STEP_LIMIT_DEFAULT = 25
export const STEP_LIMIT_MAX = 500
export const StepLimit = z.number().int().min(1).max(STEP_LIMIT_MAX)

// An absolute path on POSIX (`/…`) or Windows (`C:\…`, `\\server\share`): the renderer cannot ask Node, and a
// relative workspace would depend on Keel's working directory.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/
export const WorkspacePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute path')
  .refine((p) => !CONTROL_CHARS.test(p), 'must not contain control characters')

export const INSTRUCTIONS_MAX = 100_000

/** The editable fields of a profile (what Settings → Agents and config.json set). */
export const ProfileFields = z.strictObject({
  name: SingleLineText(1, 80),
  /** The system prompt; empty: none. */
  instructions: z.string().max(INSTRUCTIONS_MAX).default(''),
  binding: ProfileBinding.default({ mode: 'follow-default' }),
  parameters: ProfileParameters.default({}),
  tools: z.array(ToolSetItem).max(500).default([]),
  approvals: z.array(ToolApproval).max(500).default([]),
  stepLimit: StepLimit.default(STEP_LIMIT_DEFAULT),
  workspace: WorkspacePath.optional(),
  /** Bindings tried in order when the selected one fails (issue #11); absent: no fallback. */
  fallback: FallbackChain.optional(),
})

/** A user profile as config.json holds it. */
export const AgentProfile = ProfileFields.extend({ id: ProfileId }).superRefine((p, ctx) => {
  const seen = new Set<string>()
  p.tools.forEach((t, i) => {
    const key = `${t.source}\u0000${t.name}`
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['tools', i], message: `"${t.source}" tool "${t.name}" is listed twice` })
    seen.add(key)
  })
  const approved = new Set<string>()
  p.approvals.forEach((a, i) => {
    const key = `${a.source}\u0000${a.name}`
    if (approved.has(key)) ctx.addIssue({ code: 'custom', path: ['approvals', i], message: `"${a.source}" tool "${a.name}" has two approval defaults` })
    approved.add(key)
  })
})
export type AgentProfile = z.infer<typeof AgentProfile>

export const CHAT_PROFILE_ID = 'chat'
export const WORKSPACE_AGENT_PROFILE_ID = 'workspace-agent'

/** The file tools the built-in "Workspace agent" uses: reads allowed, writes asked (invariant 16). */
const FILE_TOOLS = ['list_files', 'read_file', 'search_files', 'read_tool_result', 'write_file', 'edit_file'] as const

/** Always present, read-only (duplicate one to change it); their ids can never be taken by a user profile. */
export const BUILTIN_PROFILES: readonly AgentProfile[] = [
  {
    id: CHAT_PROFILE_ID,
    name: 'Chat',
    instructions: '',
    binding: { mode: 'follow-default' },
    parameters: {},
    tools: [],
    approvals: [],
    stepLimit: STEP_LIMIT_DEFAULT,
  },
  {
    id: WORKSPACE_AGENT_PROFILE_ID,
    name: 'Workspace agent',
    instructions:
      "You work in the user's workspace folder through the tools you are given. Look at the files before you change them, keep changes small, and say what you changed.",
    binding: { mode: 'follow-default' },
    parameters: {},
    tools: FILE_TOOLS.map((name) => ({ source: 'builtin', name })),
    approvals: [
      ...(['list_files', 'read_file', 'search_files', 'read_tool_result'] as const).map((name) => ({ source: 'builtin', name, approval: 'allow' as const })),
      ...(['write_file', 'edit_file'] as const).map((name) => ({ source: 'builtin', name, approval: 'ask' as const })),
    ],
    stepLimit: STEP_LIMIT_DEFAULT,
  },
]

export function isBuiltinProfileId(id: string): boolean {
  return BUILTIN_PROFILES.some((p) => p.id === id)
}

export type EffectClassName = 'read' | 'write' | 'execute' | 'network'

/**
 * The approval default of a tool under a profile: the profile's own setting for the tool, else its setting for
 * the whole source (`*`), else by effect class — reads are allowed, writes, commands and network ask.
 */
export function approvalFor(profile: Pick<AgentProfile, 'approvals'>, source: string, name: string, effect: EffectClassName | undefined): ApprovalDefault {
  const exact = profile.approvals.find((a) => a.source === source && a.name === name)
  if (exact) return exact.approval
  const wildcard = profile.approvals.find((a) => a.source === source && a.name === '*')
  if (wildcard) return wildcard.approval
  return effect === 'read' ? 'allow' : 'ask'
}

/** Whether a profile's tool set offers a tool. */
export function profileOffers(profile: Pick<AgentProfile, 'tools'>, source: string, name: string): boolean {
  return profile.tools.some((t) => t.source === source && (t.name === name || (t.name === '*' && !(t.except ?? []).includes(name))))
}

// ---- contract shapes ----

export const AgentProfileView = ProfileFields.extend({
  id: ProfileId,
  /** Defined by Keel: cannot be edited or deleted, only duplicated. */
  builtin: z.boolean(),
  /** Changes when anything that shapes a turn changes (not the name). */
  revision: z.string(),
})
export type AgentProfileView = z.infer<typeof AgentProfileView>

/** A tool a profile can offer, for Settings → Agents. */
export const ToolOption = z.object({
  source: ToolSource,
  name: z.string(),
  effect: z.enum(['read', 'write', 'execute', 'network']),
  description: z.string(),
  /** For an MCP server's tool: the server's display name, to group its tools under. */
  group: z.string().optional(),
})
export type ToolOption = z.infer<typeof ToolOption>

export const ProfilesState = z.object({
  /** Built-in profiles first, then the user's in config order. */
  profiles: z.array(AgentProfileView),
  defaultProfileId: ProfileId,
  tools: z.array(ToolOption),
})
export type ProfilesState = z.infer<typeof ProfilesState>

export { SessionProfile } from './domain'

export const ProfileDraft = ProfileFields
export const ProfilePatch = z.strictObject({
  name: SingleLineText(1, 80).optional(),
  instructions: z.string().max(INSTRUCTIONS_MAX).optional(),
  binding: ProfileBinding.optional(),
  parameters: ProfileParameters.optional(),
  tools: z.array(ToolSetItem).max(500).optional(),
  approvals: z.array(ToolApproval).max(500).optional(),
  stepLimit: StepLimit.optional(),
  /** null removes the workspace folder. */
  workspace: WorkspacePath.nullable().optional(),
  /** null removes the fallback list. */
  fallback: FallbackChain.nullable().optional(),
})
export type ProfilePatch = z.infer<typeof ProfilePatch>
