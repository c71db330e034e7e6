// A session's tool set from its agent profile: the built-in tools the profile offers, its workspace folder (real
// path), its step limit, and each tool's approval default from the profile (grants are asked first, by the caller).
// A profile without tools is a plain chat; one with tools but no usable workspace offers none of the file tools
// (they could not stay inside a workspace that is not there) — the turn then runs as a plain chat.
import fs from 'node:fs'
import { builtinTool } from '../tools/builtin-tools'
import type { SessionToolSet } from './agent-steps'
import type { ResolvedSessionProfile } from './profiles'

export function profileToolSet(profile: ResolvedSessionProfile): SessionToolSet | null {
  if (profile.missing || profile.tools.length === 0 || profile.workspace === null) return null
  let workspace: string
  try {
    workspace = fs.realpathSync(profile.workspace)
    if (!fs.statSync(workspace).isDirectory()) return null
  } catch {
    return null
  }
  const approvals = new Map(profile.tools.map((t) => [t.name, t.approval]))
  const tools = profile.tools.flatMap((t) => builtinTool(t.name) ?? [])
  return {
    tools,
    workspace,
    stepLimit: profile.stepLimit,
    approval: (tool) => (approvals.get(tool.name) === 'allow' ? 'allow' : 'ask'),
  }
}
