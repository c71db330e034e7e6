// An MCP server's tool as a tool of a session (issue #10): the name the model calls it by, its effect class (from the
// server's annotations, which choose the approval default), its source's config hash (grants are tied to it), and a
// run that goes through the same wrapper as every built-in tool (tool-definition.ts: Stop before the start never
// runs it, arguments are checked against the server's own JSON schema, nothing throws, large results are capped
// with the whole text kept). The call itself is the runtime's (src/main/core/mcp): timeout reset by progress,
// cancellation on Stop, and a server that dies mid-call all come back as values, mapped here to the ledger's words.
import { createHash } from 'node:crypto'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import type { ToolOption } from '../../../shared/agent-profiles'
import type { McpServerEntry, McpToolAnnotations } from '../../../shared/mcp'
import { mcpSource } from '../../../shared/mcp'
import { launchHash } from '../mcp/launch'
import type { McpCallResult, McpContent, McpRuntime, McpTool } from '../mcp/types'
import { BUILTIN_SOURCE_CONFIG_HASH } from './grants'
import { runWrapped, type BuiltinTool, type EffectClass, type JsonSchema, type RawToolResult, type ToolContext } from './tool-definition'

/** The longest tool name every provider API accepts (OpenAI's function names: ^[a-zA-Z0-9_-]{1,64}$). */
const WIRE_NAME_MAX = 64

/**
 * The name the model calls an MCP tool by: `<server id>__<tool name>`, kept to [A-Za-z0-9_-] and at most 64
 * characters. A name that had to be changed (characters replaced, or cut) ends in a short hash of the original, so
 * two tools never share a wire name (a server id holds no `_`, so `<id>__` alone tells servers apart). A pure function
 * of (server id, tool name): the history of earlier steps names past calls the same way.
 */
export function mcpWireName(serverId: string, toolName: string): string {
  const plain = `${serverId}__${toolName}`
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, '_')
  if (safe === plain && safe.length <= WIRE_NAME_MAX) return plain
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8)
  return `${safe.slice(0, WIRE_NAME_MAX - hash.length - 1)}_${hash}`
}

/** The wire name of a tool reference: built-in tools go by their own names. */
export function toolWireName(source: string, name: string): string {
  const serverId = mcpServerIdOf(source)
  return serverId === null ? name : mcpWireName(serverId, name)
}

/** `mcp:<id>` → `<id>`; null for any other source. */
export function mcpServerIdOf(source: string): string | null {
  return source.startsWith('mcp:') ? source.slice(4) : null
}

/**
 * The effect class of an MCP tool, from the server's annotations (the plan's one rule): read-only → read; else
 * reaching an open world → network; else write (destructive or unknown). Only read runs without asking by default.
 */
export function mcpEffect(annotations: McpToolAnnotations): EffectClass {
  if (annotations.readOnlyHint === true) return 'read'
  if (annotations.openWorldHint === true) return 'network'
  return 'write'
}

/**
 * The source config hash grants of a tool source are tied to (invariant 16): built-in tools' constant, and for
 * `mcp:<id>` the hash of the server's launch spec (the trust prompt's hash), so a changed command, args, cwd, env or
 * URL asks again. Null for a source Keel does not know (a removed server): no grant can apply or be kept.
 */
export function toolSourceConfigHash(source: string, entryOf: (serverId: string) => McpServerEntry | undefined): string | null {
  if (source === 'builtin') return BUILTIN_SOURCE_CONFIG_HASH
  const serverId = mcpServerIdOf(source)
  const entry = serverId === null ? undefined : entryOf(serverId)
  return entry ? launchHash(entry) : null
}

const validators = new AjvJsonSchemaValidator()

/** Checks arguments against the server's input schema; a schema Ajv cannot compile is not checked (the server still is). */
function argumentCheck(tool: McpTool): (args: unknown) => { ok: true; data: Record<string, unknown> } | { ok: false; problem: string } {
  let validate: ((input: unknown) => { valid: boolean; errorMessage?: string | undefined }) | null = null
  try {
    validate = validators.getValidator(tool.inputSchema as Parameters<AjvJsonSchemaValidator['getValidator']>[0])
  } catch {
    validate = null
  }
  return (args) => {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return { ok: false, problem: 'the arguments must be one JSON object' }
    if (validate) {
      const r = validate(args)
      if (!r.valid) return { ok: false, problem: r.errorMessage ?? 'they do not match the tool’s input schema' }
    }
    return { ok: true, data: args as Record<string, unknown> }
  }
}

/** Bytes of base64 data, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding)
}

/** How the text names an image; the wire adds the image itself where the API takes one (see tool-wire.ts). */
export const IMAGE_NOTE_PREFIX = '[The tool returned an image'

/**
 * A result's content as the text the model reads. Images and audio are named, not inlined as base64 text: the
 * ledger and the history hold text. The image data is kept with the call (ResultStore.saveImages) and goes to models
 * whose API takes images in tool results.
 */
export function mcpContentText(content: readonly McpContent[]): string {
  return content
    .map((c) => {
      switch (c.type) {
        case 'text':
          return c.text
        case 'image':
          return `${IMAGE_NOTE_PREFIX} (${c.mimeType}, ${base64Bytes(c.data).toLocaleString('en-US')} bytes).]`
        case 'audio':
          return `[The tool returned audio (${c.mimeType}, ${base64Bytes(c.data).toLocaleString('en-US')} bytes); it was not passed to the model.]`
        case 'resource':
          return c.text !== null ? `[Resource ${c.uri}${c.mimeType ? ` (${c.mimeType})` : ''}]\n${c.text}` : `[Resource ${c.uri}${c.mimeType ? ` (${c.mimeType})` : ''}]`
      }
    })
    .join('\n')
}

/** A call's outcome in the ledger's words (succeeded / failed / timed-out / cancelled), with the text the model reads. */
export function mcpCallResult(serverName: string, toolName: string, r: McpCallResult): RawToolResult {
  if (!r.ok) return { ok: false, outcome: r.outcome, text: r.message }
  const images = r.content.flatMap((c) => (c.type === 'image' ? [{ mimeType: c.mimeType, data: c.data }] : []))
  const text = mcpContentText(r.content)
  return {
    ok: !r.isError,
    outcome: r.isError ? 'failed' : 'succeeded',
    // An error result with no words still tells the model which tool failed.
    text: r.isError && text.trim() === '' ? `${toolName} on "${serverName}" reported an error without details.` : text,
    ...(images.length > 0 ? { images, display: { kind: 'image' as const, images: images.map((i) => ({ mimeType: i.mimeType, bytes: base64Bytes(i.data) })) } } : {}),
  }
}

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema
  return rest
}

/** A ready server's tool as a session tool: source `mcp:<id>`, wire name, effect from annotations, a wrapped run. */
export function mcpTool(runtime: McpRuntime, entry: McpServerEntry, tool: McpTool): BuiltinTool {
  const check = argumentCheck(tool)
  const call = async (args: Record<string, unknown>, ctx: ToolContext): Promise<RawToolResult> =>
    // The entry's own time limit, not the built-in one: progress from the server restarts it (the runtime's job).
    mcpCallResult(entry.name, tool.name, await runtime.callTool(entry.id, tool.name, args, { signal: ctx.signal, timeoutMs: entry.timeoutMs }))
  return {
    name: tool.name,
    source: mcpSource(entry.id),
    wireName: mcpWireName(entry.id, tool.name),
    description: tool.description !== '' ? tool.description : `${tool.name} (from the MCP server "${entry.name}")`,
    effect: mcpEffect(tool.annotations),
    // As for built-in tools, the wire gets the schema without `$schema` (the hash stays the server's schema's).
    inputSchema: withoutDialect(tool.inputSchema),
    schemaHash: tool.schemaHash,
    run: (args, ctx) => runWrapped(tool.name, check, call, args, ctx),
  }
}

/**
 * The tools of the configured MCP servers as options a profile can offer (Settings → Agents), grouped by server name.
 * From the runtime: a server that is not running (yet) lists none; its `*` item still offers whatever it lists later.
 */
export function mcpToolOptions(entries: readonly McpServerEntry[], runtime: Pick<McpRuntime, 'tools'>): ToolOption[] {
  return entries.flatMap((entry) =>
    runtime.tools(entry.id).map((t) => ({ source: mcpSource(entry.id), name: t.name, effect: mcpEffect(t.annotations), description: t.description, group: entry.name })),
  )
}
