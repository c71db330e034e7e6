// A profile's use of MCP servers, as the profile form edits it: per server, off, every tool (`*`, minus the single
// tools left out in `except`, so tools the server adds later are offered), or only some named tools (a hand edit of
// config.json; the form keeps that form when it edits it).
import type { ToolSetItem } from '../../../shared/agent-profiles'

export type McpPick = { mode: 'all'; except: string[] } | { mode: 'only'; names: string[] }

/** The picks of the profile's tool set, by source (`mcp:<id>`); a source not in the map is not used. */
export function mcpPicks(items: readonly ToolSetItem[]): Map<string, McpPick> {
  const picks = new Map<string, McpPick>()
  for (const item of items) {
    if (!item.source.startsWith('mcp:')) continue
    const current = picks.get(item.source)
    if (item.name === '*') picks.set(item.source, { mode: 'all', except: [...(item.except ?? [])] })
    else if (current?.mode === 'all') continue
    else picks.set(item.source, { mode: 'only', names: [...(current?.mode === 'only' ? current.names : []), item.name] })
  }
  return picks
}

export function pickOffers(pick: McpPick | undefined, tool: string): boolean {
  if (!pick) return false
  return pick.mode === 'all' ? !pick.except.includes(tool) : pick.names.includes(tool)
}

/** The pick with one tool switched on or off. */
export function toggleTool(pick: McpPick, tool: string, on: boolean): McpPick {
  if (pick.mode === 'all') {
    const except = pick.except.filter((t) => t !== tool)
    return { mode: 'all', except: on ? except : [...except, tool] }
  }
  const names = pick.names.filter((t) => t !== tool)
  return { mode: 'only', names: on ? [...names, tool] : names }
}

/** The tool set items of one source's pick. */
export function pickItems(source: string, pick: McpPick): ToolSetItem[] {
  if (pick.mode === 'all') return [{ source, name: '*', ...(pick.except.length > 0 ? { except: [...pick.except].sort() } : {}) }]
  return pick.names.map((name) => ({ source, name }))
}
