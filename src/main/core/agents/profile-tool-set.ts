// A session's tool set from its agent profile: the built-in tools the profile offers, the workspace folder (real
// path: the session's own, chosen in the session header, else the profile's default), its step limit, and each tool's approval default from the profile (grants are asked first, by the caller).
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

export function profileToolSet(profile: ResolvedSessionProfile, sessionWorkspace: string | null = null): SessionToolSet | null {
  if (profile.missing || profile.tools.length === 0) return null
  const workspace = profileWorkspace(profile.id, profile.name, sessionWorkspace ?? profile.workspace)
  const approvals = new Map(profile.tools.map((t) => [t.name, t.approval]))
  const tools = profile.tools.flatMap((t) => builtinTool(t.name) ?? [])
  return {
    tools,
    workspace,
    stepLimit: profile.stepLimit,
    approval: (tool) => (approvals.get(tool.name) === 'allow' ? 'allow' : 'ask'),
  }
}

/** The session's (else the profile's) workspace folder as a real path; throws (nothing is sent) when none is set or it is not a folder. */
function profileWorkspace(profileId: string, profileName: string, configured: string | null): string {
  // The quickest fix is the session's own folder (session header → Workspace); a built-in profile cannot be edited,
  // so its default is set on a copy.
  const fix = isBuiltinProfileId(profileId)
    ? `Choose a workspace folder for this session (session header → Workspace), or duplicate "${profileName}" in Settings → Agents and set the copy's workspace (or pick a profile without tools).`
    : `Choose a workspace folder for this session (session header → Workspace), or set one as the workspace of "${profileName}" in Settings → Agents (or pick a profile without tools).`
  if (configured === null) {
    throw KeelError.of('invalid-input', `The agent profile "${profileName}" offers tools but this session has no workspace folder, so Keel cannot run this turn. Choose a workspace folder for this session (session header → Workspace). Nothing was sent.`, { field: 'workspace', fix })
  }
  let real: string
  try {
    real = fs.realpathSync(configured)
  } catch {
    throw KeelError.of('invalid-input', `The workspace folder "${configured}" of this session (agent profile "${profileName}") does not exist (or cannot be read). Choose a workspace folder for this session (session header → Workspace). Nothing was sent.`, { field: 'workspace', fix })
  }
  if (!fs.statSync(real).isDirectory()) {
    throw KeelError.of('invalid-input', `The workspace "${configured}" of this session (agent profile "${profileName}") is not a folder. Choose a workspace folder for this session (session header → Workspace). Nothing was sent.`, { field: 'workspace', fix })
  }
  return real
}
