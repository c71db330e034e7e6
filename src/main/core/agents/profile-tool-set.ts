// A session's tool set from its agent profile: the built-in tools the profile offers, the tools of the MCP servers it
// uses, the workspace folder (real path: the session's own, chosen in the session header, else the profile's
// default), its step limit, and each tool's approval default from the profile (grants are asked first, by the caller).
// A profile without tools is a plain chat. One with built-in tools but no usable workspace (none set, moved, deleted,
// not a folder) refuses the turn with an error naming the folder and where to set it, before anything is sent: quietly
// running it as a plain chat would let the user believe the agent worked on their files.
// Tool set items: 'builtin' by name or '*' (resolved by ProfileService); `mcp:<server id>` by name or '*' (minus
// `except`), resolved here when the turn starts and again at each step (the server may have changed its list).
import fs from 'node:fs'
import { approvalFor, isBuiltinProfileId, type ToolSetItem } from '../../../shared/agent-profiles'
import type { McpServerEntry } from '../../../shared/mcp'
import { KeelError, toErrorData } from '../errors'
import type { McpRuntime, McpTool } from '../mcp/types'
import { builtinTool } from '../tools/builtin-tools'
import { mcpServerIdOf, mcpTool } from '../tools/mcp-tool'
import type { BuiltinTool } from '../tools/tool-definition'
import type { SessionToolSet } from './agent-steps'
import type { ResolvedSessionProfile } from './profiles'

/** Where MCP tools come from: the runtime that starts servers, and the config's entry of a server id. */
export interface McpToolSource {
  runtime: McpRuntime
  entry(serverId: string): McpServerEntry | undefined
}

/**
 * The session's tool set, or null for a plain chat. Throws (nothing is sent) when a built-in tool needs a workspace
 * that is not there, or when an MCP server the profile uses cannot start: running the turn without that server's
 * tools would let the model fall back on other tools (or guess) for what the user asked the server to do, so the
 * turn is refused with the runtime's reason (untrusted, unresolved secret, failed start) and what to do about it.
 */
export async function profileToolSet(profile: ResolvedSessionProfile, sessionWorkspace: string | null = null, mcp?: McpToolSource): Promise<SessionToolSet | null> {
  if (profile.missing) return null
  const mcpItems = profile.toolSet.filter((t) => mcpServerIdOf(t.source) !== null)
  if (profile.tools.length === 0 && mcpItems.length === 0) return null
  const builtins = profile.tools.flatMap((t) => builtinTool(t.name) ?? [])
  const configured = sessionWorkspace ?? profile.workspace
  // MCP tools do not use the workspace: a profile of MCP tools only runs without one.
  const workspace = builtins.length > 0 || configured !== null ? profileWorkspace(profile.id, profile.name, configured) : ''
  const approvals = { approvals: profile.approvals }
  const build = (tools: readonly BuiltinTool[]): SessionToolSet => ({
    tools,
    workspace,
    stepLimit: profile.stepLimit,
    approval: (tool) => approvalFor(approvals, tool.source ?? 'builtin', tool.name, tool.effect),
    ...(mcpItems.length > 0 ? { refresh } : {}),
  })
  // Between steps of a running turn a server that went away (it crashed mid-call, say) no longer stops the turn: the
  // model has already read the failed call's result and can say so, so the step goes on without that server's tools
  // and the user is told why.
  const refresh = async (): Promise<SessionToolSet> => {
    const missing: string[] = []
    const set = build([...builtins, ...(await mcpTools(mcpItems, profile.name, mcp, (message) => missing.push(message)))])
    return missing.length > 0 ? { ...set, notice: `${missing.join(' ')} The turn goes on without its tools (they are offered again once it is back).` } : set
  }
  return build([...builtins, ...(await mcpTools(mcpItems, profile.name, mcp))])
}

/**
 * The tools of the MCP servers a profile uses, each server started on demand (ensureReady), in the profile's order
 * of servers and the server's order of tools. A named tool the server does not list (any more) is not offered. A
 * server that cannot start throws (the turn is refused), or with `unavailable` is left out and reported to it.
 */
export async function mcpTools(items: readonly ToolSetItem[], profileName: string, mcp: McpToolSource | undefined, unavailable?: (message: string) => void): Promise<BuiltinTool[]> {
  const servers = [...new Set(items.map((i) => mcpServerIdOf(i.source)!))]
  const out: BuiltinTool[] = []
  const wireNames = new Set<string>()
  for (const serverId of servers) {
    const entry = mcp?.entry(serverId)
    if (!mcp || !entry) {
      throw KeelError.of('not-found', `The agent profile "${profileName}" uses the MCP server "${serverId}", which is not configured. Nothing was sent.`, {
        field: 'tools',
        fix: `Add the server in Settings → MCP servers, or remove it from "${profileName}" in Settings → Agents.`,
      })
    }
    let listed: readonly McpTool[]
    try {
      listed = await mcp.runtime.ensureReady(serverId)
    } catch (err) {
      // The runtime's own words (which phase failed, the missing secret, the trust prompt), and that nothing went out.
      const data = toErrorData(err)
      if (unavailable) {
        unavailable(`The MCP server "${entry.name}" is not available: ${data.message}`)
        continue
      }
      throw KeelError.of(data.kind, `The MCP server "${entry.name}" (used by the agent profile "${profileName}") is not ready: ${data.message} Nothing was sent.`, {
        fix: data.fix ?? `Check "${entry.name}" in Settings → MCP servers.`,
      })
    }
    const mine = items.filter((i) => i.source === `mcp:${serverId}`)
    const except = new Set(mine.flatMap((i) => (i.name === '*' ? (i.except ?? []) : [])))
    const all = mine.some((i) => i.name === '*')
    const named = new Set(mine.filter((i) => i.name !== '*').map((i) => i.name))
    for (const tool of listed) {
      if (!(named.has(tool.name) || (all && !except.has(tool.name)))) continue
      const t = mcpTool(mcp.runtime, entry, tool)
      // Wire names are unique by construction (mcpWireName); a server listing one name twice offers it once.
      if (wireNames.has(t.wireName!)) continue
      wireNames.add(t.wireName!)
      out.push(t)
    }
  }
  return out
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
