// The grants and approval channels: grants.list / grants.revoke (Settings → Agents) and the approval card's
// tools.approve / tools.deny. The agent loop owns the call (it runs or answers it); this slice checks the call is
// really waiting, checks edited arguments, and keeps the grant the user chose (invariant 16). Its dependencies come
// in as functions so the slice stays a plain table the composition root merges.
import { realpath } from 'node:fs/promises'
import type { ApprovalScope, CallPreview, GrantView } from '../../../../shared/grants'
import { KeelError } from '../../errors'
import type { GrantStore, NewGrant, ToolReference } from '../../tools/grants'
import { builtinTool } from '../../tools/builtin-tools'
import type { ResultStore } from '../../tools/result-store'
import type { EffectClass } from '../../tools/tool-definition'

/** A call as the approval channels need it (read from the tool-call ledger). */
export interface ApprovalCall {
  id: string
  sessionId: string
  toolRef: ToolReference
  effect: EffectClass
  state: string
}

export interface GrantHandlerDeps {
  grants: GrantStore
  /** The ledger row of a call, or null. */
  call(callId: string): ApprovalCall | null
  /** Other calls of the session still waiting for approval (a new grant may cover them too). */
  awaitingApproval(sessionId: string): ApprovalCall[]
  /** The profile a session runs as (null when unknown). */
  profileOf(sessionId: string): string | null
  /** A profile's display name, or null when it no longer exists. */
  profileName(profileId: string): string | null
  /** Session titles by id (missing ids are left out). */
  sessionTitles(ids: readonly string[]): Map<string, string>
  /**
   * The hash of a tool source's config as it is now: builtin's constant, an MCP server's launch hash
   * (toolSourceConfigHash in tools/mcp-tool.ts); null for a source Keel no longer knows.
   */
  sourceConfigHash(source: string): string | null
  /**
   * Hands the approval to the agent loop, which runs the call (with the edited arguments). The loop keeps no note
   * of its own: later calls are decided by the stored grants, so a revoke takes effect at the next call.
   */
  approve(callId: string, argumentsJson: string | undefined): Promise<void>
  /** Hands the denial to the agent loop, which answers the call for the model. */
  deny(callId: string, reason: string | undefined): Promise<void>
  /** The workspace folder of the session's profile (null: none), where built-in tools (and previews) work. */
  workspaceOf(sessionId: string): string | null
  resultStore: ResultStore
  /** The arguments the model proposed for a call. */
  argumentsOf(callId: string): string | null
  /** Grants changed: the open session's diagnostics and Settings re-read them. */
  changed(reason: string, sessionId: string | null): void
}

type Ok = { ok: true }
/** This slice of the contract's handler table (its channels: grants.list, grants.revoke, tools.*). */
export interface GrantHandlers {
  'grants.list': (input: Record<string, never>) => Promise<GrantView[]>
  'grants.revoke': (input: { id: string }) => Promise<Ok>
  'tools.approve': (input: { callId: string; scope: ApprovalScope; editedArguments?: string | undefined }) => Promise<Ok>
  'tools.preview': (input: { callId: string; editedArguments?: string | undefined }) => Promise<CallPreview>
  'tools.deny': (input: { callId: string; reason?: string | undefined }) => Promise<Ok>
}

/** Edited arguments must be the JSON text of an object (what every tool takes); anything else is refused. */
export function checkEditedArguments(text: string): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'not valid JSON'
    throw KeelError.of('invalid-input', `The edited arguments are not valid JSON: ${why}.`, { field: 'editedArguments', fix: 'Correct the arguments, or reset them to what the model proposed.' })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw KeelError.of('invalid-input', 'The edited arguments must be a JSON object, like the ones the model proposed.', { field: 'editedArguments' })
  }
  return JSON.stringify(value)
}

/** Preview time limit: the diff is computed from one file, but a slow disk must not hang the card. */
const PREVIEW_TIMEOUT_MS = 10_000

/** What a built-in tool with a preview (write_file, edit_file) would change; nothing for the other tools. */
export async function previewCall(call: ApprovalCall, argumentsJson: string, workspace: string | null, resultStore: ResultStore): Promise<CallPreview> {
  const tool = call.toolRef.source === 'builtin' ? builtinTool(call.toolRef.name) : undefined
  if (!tool?.preview) return { diff: null, problem: null }
  if (!workspace) return { diff: null, problem: "This session's agent has no workspace folder, so there is nothing to compare with." }
  let root: string
  try {
    root = await realpath(workspace)
  } catch {
    return { diff: null, problem: `The workspace folder ${workspace} cannot be read.` }
  }
  const controller = new AbortController()
  const result = await tool.preview(JSON.parse(argumentsJson) as unknown, { workspace: root, signal: controller.signal, timeoutMs: PREVIEW_TIMEOUT_MS, resultStore })
  const display = result.display
  if (result.ok && display?.kind === 'diff') return { diff: { path: display.path, created: display.created, diff: display.diff }, problem: null }
  return { diff: null, problem: result.text }
}

export function grantHandlers(deps: GrantHandlerDeps): GrantHandlers {
  const waitingCall = (callId: string): ApprovalCall => {
    const call = deps.call(callId)
    if (!call) throw KeelError.of('not-found', 'That tool call no longer exists.', { fix: 'Its session may have been deleted.' })
    if (call.state !== 'awaiting-approval') {
      throw KeelError.of('conflict', `That tool call is not waiting for approval any more (it is ${call.state}).`, { fix: 'It was answered already; nothing was run twice.' })
    }
    return call
  }

  return {
    'grants.list': async () => {
      const all = deps.grants.list()
      const titles = deps.sessionTitles([...new Set(all.flatMap((g) => (g.sessionId ? [g.sessionId] : [])))])
      return all.map(
        (g): GrantView => ({
          id: g.id,
          source: g.toolRef.source,
          toolName: g.toolRef.name,
          schemaHash: g.toolRef.schemaHash,
          sourceConfigHash: g.sourceConfigHash,
          effect: g.effect,
          scope: g.scope,
          sessionId: g.sessionId,
          sessionTitle: g.sessionId ? (titles.get(g.sessionId) ?? null) : null,
          profileId: g.profileId,
          profileName: g.profileId ? deps.profileName(g.profileId) : null,
          createdAt: g.createdAt,
        }),
      )
    },

    'grants.revoke': async ({ id }) => {
      const grant = deps.grants.get(id)
      if (!grant || !deps.grants.revoke(id)) throw KeelError.of('not-found', 'That grant no longer exists.', { fix: 'It may have been revoked already, or gone with its session.' })
      deps.changed('grant-revoked', grant.sessionId)
      return { ok: true as const }
    },

    'tools.approve': async ({ callId, scope, editedArguments }) => {
      const call = waitingCall(callId)
      const args = editedArguments === undefined ? undefined : checkEditedArguments(editedArguments)
      let grantId: string | null = null
      if (scope !== 'once') {
        const hash = deps.sourceConfigHash(call.toolRef.source)
        if (!hash) throw KeelError.of('conflict', `Keel does not know the tool source "${call.toolRef.source}" any more, so it cannot remember this approval.`, { fix: 'Allow it once instead.' })
        const profileId = scope === 'agent' ? deps.profileOf(call.sessionId) : null
        if (scope === 'agent' && !profileId) throw KeelError.of('conflict', 'This session runs no agent profile to remember the approval for.', { field: 'scope', fix: 'Allow it for this session instead.' })
        const base = { toolRef: call.toolRef, sourceConfigHash: hash, effect: call.effect }
        const wanted: NewGrant = scope === 'session' ? { ...base, scope, sessionId: call.sessionId } : scope === 'agent' ? { ...base, scope, profileId: profileId! } : { ...base, scope }
        if (!deps.grants.existing(wanted)) grantId = deps.grants.grant(wanted).id
      }
      try {
        await deps.approve(callId, args)
      } catch (err) {
        // The call could not be run (answered meanwhile, or the loop refused): the approval it came with is not kept.
        if (grantId) deps.grants.revoke(grantId)
        throw err
      }
      if (scope !== 'once') {
        // The same tool may be waiting in this session already (parallel calls of one step): the new grant covers it.
        const profileId = deps.profileOf(call.sessionId)
        for (const other of deps.awaitingApproval(call.sessionId)) {
          if (other.id === callId) continue
          const hash = deps.sourceConfigHash(other.toolRef.source)
          if (!hash) continue
          if (deps.grants.matching({ toolRef: other.toolRef, sourceConfigHash: hash, sessionId: other.sessionId, profileId })) {
            await deps.approve(other.id, undefined).catch(() => undefined)
          }
        }
        deps.changed('grant-added', call.sessionId)
      }
      return { ok: true as const }
    },

    'tools.preview': async ({ callId, editedArguments }) => {
      const call = waitingCall(callId)
      const args = editedArguments === undefined ? (deps.argumentsOf(callId) ?? '{}') : checkEditedArguments(editedArguments)
      return previewCall(call, args, deps.workspaceOf(call.sessionId), deps.resultStore)
    },

    'tools.deny': async ({ callId, reason }) => {
      waitingCall(callId)
      const text = reason?.trim()
      await deps.deny(callId, text ? text : undefined)
      return { ok: true as const }
    },
  }
}
