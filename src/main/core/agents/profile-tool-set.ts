// A session's tool set from its agent profile: the built-in tools the profile offers, its workspace folder (real
// path), its step limit, and each tool's approval default from the profile (grants are asked first, by the caller).
// A profile without tools is a plain chat. One with tools but no usable workspace (none set, moved, deleted, not a
// folder) refuses the turn with an error naming the folder and where to set it, before anything is sent: quietly
// running it as a plain chat would let the user believe the agent worked on their files.
// Tool set items: 'builtin' by name or '*' (resolved by ProfileService); MCP items are ignored until MCP arrives.
import fs from 'node:fs'
import { isBuiltinProfileId } from '../../../shared/agent-profiles'
import { KeelError } from '../errors'
import { builtinTool } from '../tools/builtin-tools'
import type { SessionToolSet } from './agent-steps'
import type { ResolvedSessionProfile } from './profiles'

export function profileToolSet(profile: ResolvedSessionProfile): SessionToolSet | null {
  if (profile.missing || profile.tools.length === 0) return null
  const workspace = profileWorkspace(profile.id, profile.name, profile.workspace)
  const approvals = new Map(profile.tools.map((t) => [t.name, t.approval]))
  const tools = profile.tools.flatMap((t) => builtinTool(t.name) ?? [])
  return {
    tools,
    workspace,
    stepLimit: profile.stepLimit,
    approval: (tool) => (approvals.get(tool.name) === 'allow' ? 'allow' : 'ask'),
  }
}

/** The profile's workspace folder as a real path; throws (nothing is sent) when it is not set or not a folder. */
function profileWorkspace(profileId: string, profileName: string, configured: string | null): string {
  // A built-in profile cannot be edited: its workspace is set on a copy.
  const fix = isBuiltinProfileId(profileId)
    ? `Duplicate "${profileName}" in Settings → Agents, set an existing folder as the copy's workspace and pick the copy for this session (or pick a profile without tools).`
    : `Set an existing folder as the workspace of "${profileName}" in Settings → Agents (or pick a profile without tools for this session).`
  if (configured === null) {
    throw KeelError.of('invalid-input', `The agent profile "${profileName}" offers tools but has no workspace folder, so Keel cannot run this turn. Nothing was sent.`, { field: 'workspace', fix })
  }
  let real: string
  try {
    real = fs.realpathSync(configured)
  } catch {
    throw KeelError.of('invalid-input', `The workspace folder "${configured}" of the agent profile "${profileName}" does not exist (or cannot be read). Nothing was sent.`, { field: 'workspace', fix })
  }
  if (!fs.statSync(real).isDirectory()) {
    throw KeelError.of('invalid-input', `The workspace "${configured}" of the agent profile "${profileName}" is not a folder. Nothing was sent.`, { field: 'workspace', fix })
  }
  return real
}
