// Crash recovery rules (invariant 9): what the model is told, and when a continuation needs the user's consent.
import type { IdentityDifference, RuntimeIdentity } from '../../../shared/domain'
import type { TurnRow } from '../sessions/session-store'

/** Sent to the model with a continuation, and nowhere else: never stored, shown or exported. */
export const RECOVERY_NOTE =
  '[Keel] Your previous reply was cut off because the app stopped unexpectedly. Continue it from exactly where it ' +
  'stopped, without repeating what you already wrote and without mentioning this note.'

/** How the identity a session would run on now differs from the one an interrupted turn recorded. */
export function recoveryDifferences(turn: Pick<TurnRow, 'identityKey' | 'entryId' | 'model' | 'baseUrl' | 'api'>, now: RuntimeIdentity | null): IdentityDifference[] {
  if (!now) return [{ field: 'entry', active: turn.entryId, config: null }]
  if (now.identityKey === turn.identityKey) return []
  const diffs: IdentityDifference[] = []
  const cmp = (field: string, recorded: string, current: string) => recorded !== current && diffs.push({ field, active: recorded, config: current })
  cmp('entry', turn.entryId, now.entryId)
  cmp('model', turn.model, now.model)
  cmp('baseUrl', turn.baseUrl, now.baseUrl)
  cmp('api', turn.api, now.api)
  // Same entry, model, URL and API but a different identity key: the credential changed (a rotated key).
  if (diffs.length === 0) diffs.push({ field: 'credential', active: 'the key used then', config: 'a different key' })
  return diffs
}
