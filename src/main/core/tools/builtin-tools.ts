// The built-in tools, by name, with their effect classes: read (list_files, read_file, search_files,
// read_tool_result), write (write_file, edit_file), execute (run_command) and network (fetch_url). A tool reference
// (DESIGN.md, "Agents, tools and MCP") for one of them is { source: 'builtin', name, schemaHash }.
import { fetchUrl } from './fetch-url'
import { listFiles, readFileTool } from './read-tools'
import { readToolResult } from './read-tool-result'
import { runCommand } from './run-command'
import { searchFiles } from './search-files'
import type { BuiltinTool, EffectClass } from './tool-definition'
import { editFile, writeFile } from './write-tools'

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [listFiles, readFileTool, searchFiles, readToolResult, writeFile, editFile, runCommand, fetchUrl]

const byName = new Map(BUILTIN_TOOLS.map((tool) => [tool.name, tool]))

export function builtinTool(name: string): BuiltinTool | undefined {
  return byName.get(name)
}

export interface BuiltinToolReference {
  source: 'builtin'
  name: string
  schemaHash: string
}

export function builtinToolReference(tool: BuiltinTool): BuiltinToolReference {
  return { source: 'builtin', name: tool.name, schemaHash: tool.schemaHash }
}

/** Effect class of each built-in tool, for approval defaults: write and execute ask by default (invariant 16). */
export function effectOf(name: string): EffectClass | undefined {
  return byName.get(name)?.effect
}
