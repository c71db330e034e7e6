// Grants as the contract shows them (Settings → Agents) and the approval card's choices. A grant is keyed by the
// tool reference plus its source's config hash (invariant 16); the view names the tool, its source and who it
// covers, never the arguments of the call it came from.
import { z } from 'zod'

/** Allow once / for this session / always for this agent / always (every session, every profile). */
export const ApprovalScope = z.enum(['once', 'session', 'agent', 'always'])
export type ApprovalScope = z.infer<typeof ApprovalScope>

export const GrantView = z.object({
  id: z.string(),
  /** 'builtin' or 'mcp:<server id>'. */
  source: z.string(),
  toolName: z.string(),
  schemaHash: z.string(),
  sourceConfigHash: z.string(),
  effect: z.enum(['read', 'write', 'execute', 'network']),
  scope: z.enum(['session', 'agent', 'always']),
  /** scope 'session': the session it covers, with its title (null if it could not be read). */
  sessionId: z.string().nullable(),
  sessionTitle: z.string().nullable(),
  /** scope 'agent': the profile it covers, with its name (null when that profile no longer exists). */
  profileId: z.string().nullable(),
  profileName: z.string().nullable(),
  createdAt: z.number(),
})
export type GrantView = z.infer<typeof GrantView>

/** What an approval would change, computed without changing anything (write_file / edit_file: a unified diff). */
export const CallPreview = z.object({
  /** null: the tool has no preview (it reads, runs a command or fetches). */
  diff: z.object({ path: z.string(), created: z.boolean(), diff: z.string() }).nullable(),
  /** Why no diff could be computed (the file is missing, the old text is not found, …), in the tool's words. */
  problem: z.string().nullable(),
})
export type CallPreview = z.infer<typeof CallPreview>

/** The largest edited arguments text the card may send (the same bound as a message). */
export const EDITED_ARGUMENTS_MAX = 1_000_000
