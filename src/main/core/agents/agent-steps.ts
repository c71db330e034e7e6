// The pieces of an agent turn that are plain functions: which tools a session offers and how calls are approved by
// default, the provider history of a session with its agent steps in place, and the ledger rows as views.
import type { ChatMessage, ToolCallView, TurnPauseView, TurnStepView } from '../../../shared/domain'
import { UNANSWERED_RESULT, type WireMessage, type WireToolDefinition } from '../providers/tool-wire'
import { IMAGE_NOTE_PREFIX, toolWireName } from '../tools/mcp-tool'
import type { BuiltinTool } from '../tools/tool-definition'
import type { TurnRow } from '../sessions/session-store'
import type { OfferedTool, ToolCallRow, TurnPause, TurnStepRow } from './tool-ledger'

/** Steps a turn may take before it pauses and asks to continue (invariant 18). */
export const DEFAULT_STEP_LIMIT = 25
/** Per-call time limit when the tool set does not give one. */
export const DEFAULT_TOOL_TIMEOUT_MS = 120_000

export type ApprovalDecision = 'allow' | 'ask'

/** The tools a session's turns offer, and how they run. Profiles (config, UI) will produce this; for now a hook. */
export interface SessionToolSet {
  tools: readonly BuiltinTool[]
  /** Absolute real path of the workspace folder ('' when only MCP tools are offered: they do not use it). */
  workspace: string
  stepLimit?: number
  timeoutMs?: number
  /** Whether a call runs at once or waits for the user; default: read runs, write/execute/network ask. */
  approval?(tool: BuiltinTool, args: Record<string, unknown>): ApprovalDecision
  /**
   * The same set with its MCP tools listed afresh (a server's list may change between steps, and a server that
   * exited is started again); absent when the set has none. Throws when a server cannot start.
   */
  refresh?(): Promise<SessionToolSet>
  /** Set by a refresh that left tools out (a server that went away mid-turn): shown to the user as a notice. */
  notice?: string
}

/** A tool's source: `builtin`, or `mcp:<server id>`. */
export function toolSource(tool: BuiltinTool): string {
  return tool.source ?? 'builtin'
}

/** The name the model calls a tool by (MCP tools: `<server id>__<tool name>`). */
export function wireNameOf(tool: BuiltinTool): string {
  return tool.wireName ?? tool.name
}

/** The tool a call of the model names (by its wire name). */
export function toolByWireName(set: SessionToolSet, wireName: string): BuiltinTool | undefined {
  return set.tools.find((t) => wireNameOf(t) === wireName)
}

/** The tool a ledger row names (by source and the tool's own name). */
export function toolByReference(set: SessionToolSet, source: string, name: string): BuiltinTool | undefined {
  return set.tools.find((t) => toolSource(t) === source && t.name === name)
}

/** The tools a step offers, as the ledger records them (turn_steps.tools_json, diagnostics). */
export function offeredTools(set: SessionToolSet): OfferedTool[] {
  return set.tools.map((t) => ({ source: toolSource(t), name: t.name, schemaHash: t.schemaHash }))
}

export function toolDefinitions(set: SessionToolSet): WireToolDefinition[] {
  return set.tools.map((t) => ({ name: wireNameOf(t), description: t.description, inputSchema: t.inputSchema }))
}

/** The images kept for a call (by its ledger id); none by default. */
export type CallImages = (callId: string) => ReadonlyArray<{ mimeType: string; data: string }>

/** The steps of one turn that ended in tool calls, as wire messages: the calls, then their results. */
function stepMessages(steps: readonly TurnStepRow[], calls: readonly ToolCallRow[], imagesOf: CallImages): WireMessage[] {
  const out: WireMessage[] = []
  for (const step of steps) {
    const mine = calls.filter((c) => c.step === step.step).sort((a, b) => a.position - b.position)
    if (mine.length === 0) continue
    out.push({ role: 'assistant', content: step.assistantText, toolCalls: mine.map((c) => ({ id: c.providerCallId, name: toolWireName(c.source, c.name), argumentsJson: c.argumentsJson })) })
    out.push({
      role: 'user',
      content: '',
      toolResults: mine.map((c) => {
        // Only a result that names an image has any kept (no file is looked for otherwise).
        const images = c.resultText?.includes(IMAGE_NOTE_PREFIX) ? imagesOf(c.id) : []
        return { callId: c.providerCallId, content: c.resultText ?? UNANSWERED_RESULT, isError: c.state !== 'succeeded', ...(images.length > 0 ? { images } : {}) }
      }),
    })
  }
  return out
}

/**
 * A session's history for the provider: its messages in order, with each agent turn's steps (calls and results)
 * placed after the turn's user message and before its reply. Turns without a user message (continuations) get
 * theirs before their reply, or at the end.
 */
export function buildWireHistory(
  messages: readonly Pick<ChatMessage, 'id' | 'role' | 'turnId' | 'content'>[],
  turns: readonly TurnRow[],
  steps: readonly TurnStepRow[],
  calls: readonly ToolCallRow[],
  imagesOf: CallImages = () => [],
  /** The files user messages were sent with, by message id (issue #12). */
  attachments: ReadonlyMap<string, WireMessage['attachments']> = new Map(),
): WireMessage[] {
  // Grouped once by turn (and turns by user message), so building the history is linear in the session's length.
  const stepsOf = groupBy(steps, (s) => s.turnId)
  const callsOf = groupBy(calls, (c) => c.turnId)
  const turnsOfMessage = groupBy(
    turns.filter((t) => t.userMessageId !== null),
    (t) => t.userMessageId!,
  )
  const byTurn = new Map<string, WireMessage[]>()
  for (const t of turns) {
    const m = stepMessages(stepsOf.get(t.id) ?? [], callsOf.get(t.id) ?? [], imagesOf)
    if (m.length > 0) byTurn.set(t.id, m)
  }
  const out: WireMessage[] = []
  const flush = (turnId: string) => {
    const m = byTurn.get(turnId)
    if (!m) return
    out.push(...m)
    byTurn.delete(turnId)
  }
  for (const m of messages) {
    if (m.role === 'assistant' && m.turnId) flush(m.turnId)
    const files = m.role === 'user' ? attachments.get(m.id) : undefined
    if (m.content.trim() !== '' || files) out.push({ role: m.role, content: m.content, ...(files ? { attachments: files } : {}) })
    if (m.role === 'user') for (const t of turnsOfMessage.get(m.id) ?? []) flush(t.id)
  }
  for (const t of turns) flush(t.id)
  return out
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

const PREVIEW_CHARS = 2000

export function toolCallView(c: ToolCallRow): ToolCallView {
  return {
    id: c.id,
    providerCallId: c.providerCallId,
    turnId: c.turnId,
    step: c.step,
    toolName: c.name,
    source: c.source,
    effect: c.effect,
    state: c.state,
    arguments: c.argumentsJson,
    resultPreview: c.resultText === null ? null : c.resultText.length > PREVIEW_CHARS ? `${c.resultText.slice(0, PREVIEW_CHARS)}…` : c.resultText,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    ...imageCount(c.resultText),
  }
}

/** How many images a result names (each has its note in the text). */
function imageCount(text: string | null): { images?: number } {
  const n = text === null ? 0 : text.split(IMAGE_NOTE_PREFIX).length - 1
  return n > 0 ? { images: n } : {}
}

export function turnStepView(s: TurnStepRow): TurnStepView {
  return { turnId: s.turnId, step: s.step, text: s.assistantText, finishReason: s.finishReason }
}

export function pauseView(p: TurnPause): TurnPauseView {
  return p
}
