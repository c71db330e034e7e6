// What a built-in tool is, and the one wrapper every tool runs through. The wrapper is where the guarantees that
// hold for all tools live (invariant 18): arguments are validated against the same schema the model was shown, a
// failure of any kind becomes a result the model can read (a tool never throws into the agent loop), Stop before
// the start means the tool never runs, and a result larger than the cap reaches the model truncated with a note
// while the whole text is kept for read_tool_result and the UI.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { ResultStore } from './result-store'

/** What a call can do to the world; approval defaults (invariant 16) are decided per class. */
export type EffectClass = 'read' | 'write' | 'execute' | 'network'

/** How a call ended, in the ledger's words (DESIGN.md, "Tool-call ledger"). */
export type ToolOutcome = 'succeeded' | 'failed' | 'timed-out' | 'cancelled'

/** Structured detail for the UI (approval card, result view); never sent to the model. */
export type ToolDisplay =
  | { kind: 'diff'; path: string; created: boolean; diff: string }
  | { kind: 'command'; command: string; exitCode: number | null; signal: string | null; outcome: ToolOutcome }
  | { kind: 'fetch'; url: string; status: number; contentType: string; bytes: number }
  /** Images an MCP tool returned (their type and size; the bytes stay in the result). */
  | { kind: 'image'; images: Array<{ mimeType: string; bytes: number }> }

export interface ToolResult {
  ok: boolean
  outcome: ToolOutcome
  /** What the model reads: at most RESULT_TEXT_CAP characters, with a note on how to page through the rest. */
  text: string
  truncated: boolean
  /** Set when `text` was cut: the whole result is in the result store under this id. */
  fullResultId?: string
  display?: ToolDisplay
  /** Images the tool returned (an MCP server's), kept with the call and passed to models whose API takes them. */
  images?: ToolImage[]
}

/** An image a tool returned: base64 data and its type. */
export interface ToolImage {
  mimeType: string
  data: string
}

export interface ToolContext {
  /** Absolute real path of the workspace folder; every path argument is resolved inside it. */
  workspace: string
  /** Stop: a running call ends as `cancelled` as soon as it can (a command's process group is killed). */
  signal: AbortSignal
  /** The per-call time limit; a call that exceeds it ends as `timed-out`. */
  timeoutMs: number
  resultStore: ResultStore
}

export type JsonSchema = Record<string, unknown>

/** A tool a session's turns offer: a built-in one, or an MCP server's (then `source` and `wireName` are set). */
export interface BuiltinTool {
  /** The tool's own name (the ledger's and the grants' tool name; for an MCP tool, the server's name for it). */
  name: string
  /** `mcp:<server id>` for an MCP server's tool; unset for built-in tools (source `builtin`). */
  source?: string
  /** The name the model calls it by, when not `name` (MCP tools: `<server id>__<tool name>`, see mcp-tool.ts). */
  wireName?: string
  /** Shown to the model: what the tool does and its limits. */
  description: string
  effect: EffectClass
  /** JSON Schema of the arguments, as sent to providers. */
  inputSchema: JsonSchema
  /** sha256 of the canonical input schema: part of the tool reference a grant is tied to (invariant 16). */
  schemaHash: string
  /** Validates `args` and runs the tool. Never throws: a refusal or failure is a result with ok: false. */
  run(args: unknown, ctx: ToolContext): Promise<ToolResult>
  /** What the call would do, without doing it (the approval card's diff). Only tools with such a preview have it. */
  preview?(args: unknown, ctx: ToolContext): Promise<ToolResult>
}

/** The largest text, in characters, that a result hands to the model in one piece. */
export const RESULT_TEXT_CAP = 32_000

/** A tool's own answer before the wrapper caps it. */
export interface RawToolResult {
  ok: boolean
  text: string
  outcome?: ToolOutcome
  display?: ToolDisplay
  images?: ToolImage[]
}

export const success = (text: string, display?: ToolDisplay): RawToolResult => ({ ok: true, text, display })
export const refusal = (text: string, display?: ToolDisplay): RawToolResult => ({ ok: false, text, display })

/** JSON with object keys sorted at every level: the same schema always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function schemaHash(schema: JsonSchema): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex')
}

/** The arguments' JSON Schema as providers take it: input shape (defaults make a field optional), no `$schema`. */
export function toInputSchema(input: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(input, { io: 'input' }) as JsonSchema
  return schema
}

/** Readable text for a zod failure: each field and what is wrong with it. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`).join('; ')
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links, or a symbolic link where none is allowed',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
}

/** A thrown value as text the model can act on. Node's system errors keep their code; anything else stays vague. */
export function describeFailure(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code in SYSTEM_ERRORS) return `${code}: ${SYSTEM_ERRORS[code]}`
  return 'the tool failed unexpectedly'
}

/** `text` cut to at most `max` characters without splitting a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return text.slice(0, end)
}

async function capped(raw: RawToolResult, ctx: ToolContext, keepOversized: boolean): Promise<ToolResult> {
  const outcome = raw.outcome ?? (raw.ok ? 'succeeded' : 'failed')
  const base = { ok: raw.ok && outcome === 'succeeded', outcome, display: raw.display, ...(raw.images ? { images: raw.images } : {}) }
  if (raw.text.length <= RESULT_TEXT_CAP) return { ...base, text: raw.text, truncated: false }
  const head = cutText(raw.text, RESULT_TEXT_CAP)
  const total = raw.text.length.toLocaleString('en-US')
  if (!keepOversized) {
    return { ...base, truncated: true, text: `${head}\n\n[Truncated: showing the first ${head.length.toLocaleString('en-US')} of ${total} characters.]` }
  }
  const id = await ctx.resultStore.save(raw.text)
  const note =
    `\n\n[Truncated: showing the first ${head.length.toLocaleString('en-US')} of ${total} characters. ` +
    `The full result is kept; read on with read_tool_result {"id": "${id}", "offset": ${head.length}}.]`
  return { ...base, text: head + note, truncated: true, fullResultId: id }
}

export interface ToolSpec<S extends z.ZodType> {
  name: string
  description: string
  effect: EffectClass
  input: S
  run(args: z.output<S>, ctx: ToolContext): Promise<RawToolResult>
  preview?(args: z.output<S>, ctx: ToolContext): Promise<RawToolResult>
  /** false for read_tool_result itself: paging through a kept result must not keep another copy of it. */
  keepOversized?: boolean
}

/**
 * Runs one call through the guarantees every tool has (see the top): Stop before the start never runs it, arguments
 * that `parse` refuses are answered with its words, a throw becomes a failure the model can read, and the result is
 * capped (the whole text kept when `keepOversized`). Built-in tools get it from defineTool, MCP tools from mcp-tool.ts.
 */
export async function runWrapped<A>(
  name: string,
  parse: (args: unknown) => { ok: true; data: A } | { ok: false; problem: string },
  fn: (args: A, ctx: ToolContext) => Promise<RawToolResult>,
  args: unknown,
  ctx: ToolContext,
  keepOversized = true,
): Promise<ToolResult> {
  if (ctx.signal.aborted) return capped({ ok: false, outcome: 'cancelled', text: `${name} was stopped before it started.` }, ctx, false)
  const parsed = parse(args ?? {})
  if (!parsed.ok) {
    return capped(refusal(`Invalid arguments for ${name}: ${parsed.problem}`), ctx, false)
  }
  let raw: RawToolResult
  try {
    raw = await fn(parsed.data, ctx)
  } catch (err) {
    raw = refusal(`${name} failed: ${describeFailure(err)}.`)
  }
  try {
    return await capped(raw, ctx, keepOversized)
  } catch (err) {
    // Keeping the full result failed (a full disk, say): the model still gets the head, marked as cut.
    const head = cutText(raw.text, RESULT_TEXT_CAP)
    return {
      ok: raw.ok,
      outcome: raw.outcome ?? (raw.ok ? 'succeeded' : 'failed'),
      display: raw.display,
      ...(raw.images ? { images: raw.images } : {}),
      truncated: true,
      text: `${head}\n\n[Truncated at ${head.length} characters; the full result could not be kept (${describeFailure(err)}).]`,
    }
  }
}

/** A tool from its spec: schema and hash derived from the zod input, and every run wrapped (see the top). */
export function defineTool<S extends z.ZodType>(spec: ToolSpec<S>): BuiltinTool {
  const inputSchema = toInputSchema(spec.input)
  const keepOversized = spec.keepOversized ?? true
  const parse = (args: unknown): { ok: true; data: z.output<S> } | { ok: false; problem: string } => {
    const parsed = spec.input.safeParse(args)
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, problem: describeIssues(parsed.error) }
  }
  const invoke = (fn: (args: z.output<S>, ctx: ToolContext) => Promise<RawToolResult>, args: unknown, ctx: ToolContext): Promise<ToolResult> =>
    runWrapped(spec.name, parse, fn, args, ctx, keepOversized)
  const preview = spec.preview
  return {
    name: spec.name,
    description: spec.description,
    effect: spec.effect,
    inputSchema,
    schemaHash: schemaHash(inputSchema),
    run: (args, ctx) => invoke(spec.run, args, ctx),
    ...(preview ? { preview: (args: unknown, ctx: ToolContext) => invoke(preview, args, ctx) } : {}),
  }
}
