// Session override channels (issue #12): a session's own instructions and parameters over its profile's, read for
// the header's editor and set (or cleared back to the profile's) from it. The contract validates the input
// (temperature 0–2, max output tokens a whole number above 0, reasoning effort one of the API's levels).
import type { z } from 'zod'
import type { DiagnosticRow } from '../../../../shared/domain'
import { effectiveRequest, normalizeParams, overridesLine, paramsText, type SessionOverridesInput, type SessionOverridesView } from '../../../../shared/session-overrides'
import type { ResolvedSessionProfile } from '../../agents/profiles'
import { KeelError } from '../../errors'
import type { SessionOverridesStore } from '../../sessions/session-overrides'

export interface OverrideHandlerDeps {
  overrides: SessionOverridesStore
  profileForSession(sessionId: string): ResolvedSessionProfile
  /** The session changed: lists and the header refresh. */
  changed(sessionId: string): Promise<unknown>
}

/** The session's overrides with its profile's values and what the next request carries. */
export function sessionOverridesView(deps: Pick<OverrideHandlerDeps, 'overrides' | 'profileForSession'>, sessionId: string): SessionOverridesView {
  const own = deps.overrides.read(sessionId)
  if (!own) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session from the list.' })
  const p = deps.profileForSession(sessionId)
  const profile = p.missing ? null : { id: p.id, name: p.name, instructions: p.instructions, parameters: p.parameters }
  return { instructions: own.instructions, params: own.params, profile, effective: effectiveRequest(profile, own), line: overridesLine(own) }
}

export function overrideHandlers(deps: OverrideHandlerDeps) {
  return {
    'sessions.overrides': async ({ id }: { id: string }) => sessionOverridesView(deps, id),
    'sessions.setOverrides': async ({ id, instructions, params }: { id: string } & z.infer<typeof SessionOverridesInput>) => {
      if (!deps.overrides.write(id, { instructions, params: normalizeParams(params) })) {
        throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session from the list.' })
      }
      await deps.changed(id)
      return sessionOverridesView(deps, id)
    },
  }
}

/**
 * The diagnostics row of a session that overrides its profile: the persisted column holds what the session set,
 * the config column the profile's values, the active column what its requests carry now.
 */
export function overridesDiagnosticRow(v: SessionOverridesView): DiagnosticRow {
  const instructions = (text: string) => (text.trim() === '' ? 'no instructions' : `instructions: ${text.length > 80 ? `${text.slice(0, 77)}…` : text}`)
  return {
    field: 'overrides',
    label: 'Instructions & parameters',
    active: `${instructions(v.effective.instructions)}; parameters: ${paramsText(v.effective.parameters)}`,
    persisted: `this session overrides ${v.line ?? 'nothing'}`,
    config: v.profile ? `profile "${v.profile.name}": ${instructions(v.profile.instructions)}; parameters: ${paramsText(v.profile.parameters)}` : 'profile deleted',
    cached: null,
    drift: null,
  }
}
