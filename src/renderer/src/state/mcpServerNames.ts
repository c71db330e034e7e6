// MCP server names by id, for the places that show a tool's source (the approval card, tool rows, kept approvals):
// `mcp:<id>` is shown as the server's name. One list for the whole window, read from mcp.list while anything shows
// a source and re-read on main's `mcp` event (a server added, renamed or removed).
import { useSyncExternalStore } from 'react'
import { call, subscribe } from '../bridge'

let names: ReadonlyMap<string, string> = new Map()
const listeners = new Set<() => void>()
let unsubscribeEvents: (() => void) | null = null
let request = 0

function load(): void {
  const mine = ++request
  call('mcp.list', {})
    .then((servers) => {
      if (mine !== request) return
      names = new Map(servers.map((s) => [s.entry.id, s.entry.name]))
      for (const listener of listeners) listener()
    })
    // Without the list a source shows its id, which is still right.
    .catch(() => undefined)
}

function subscribeNames(listener: () => void): () => void {
  listeners.add(listener)
  if (!unsubscribeEvents) {
    const offMcp = subscribe('mcp', load)
    const offApp = subscribe('app', load)
    unsubscribeEvents = () => {
      offMcp()
      offApp()
    }
    load()
  }
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && unsubscribeEvents) {
      unsubscribeEvents()
      unsubscribeEvents = null
    }
  }
}

const snapshot = () => names

/** The tool source as people say it: "Built-in", or "MCP: <server name>" (the id while the name is not known). */
export function useSourceLabel(source: string): string {
  const current = useSyncExternalStore(subscribeNames, snapshot)
  if (source === 'builtin') return 'Built-in'
  if (!source.startsWith('mcp:')) return source
  const id = source.slice(4)
  return `MCP: ${current.get(id) ?? id}`
}
