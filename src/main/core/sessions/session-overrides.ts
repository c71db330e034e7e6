// A session's own instructions and parameters (issue #12), stored in two columns of its row (migration 017):
// instructions_override (text; NULL: the profile's) and params_override (JSON; NULL: the profile's). The JSON is
// validated with zod when written and again when read: a row edited by hand into something else is reported, never
// sent to a provider as is. Metadata only: setting or clearing an override never touches a message (invariant 10).
import type Database from 'better-sqlite3'
import { SessionParamsOverride, normalizeParams } from '../../../shared/session-overrides'
import { KeelError } from '../errors'
import { preparedStatements } from './prepared-statements'

export interface StoredOverrides {
  instructions: string | null
  params: SessionParamsOverride | null
}

export class SessionOverridesStore {
  private readonly st: (sql: string) => Database.Statement

  constructor(db: Database.Database) {
    this.st = preparedStatements(db)
  }

  /** The session's overrides; null when the session does not exist. Throws when the stored JSON is not valid. */
  read(sessionId: string): StoredOverrides | null {
    const row = this.st('SELECT instructions_override AS i, params_override AS p FROM sessions WHERE id = ?').get(sessionId) as { i: string | null; p: string | null } | undefined
    if (!row) return null
    return { instructions: row.i, params: row.p === null ? null : parseStored(row.p) }
  }

  /** Writes both overrides (null clears one back to the profile's). The caller has validated the input. */
  write(sessionId: string, next: StoredOverrides): boolean {
    const params = normalizeParams(next.params)
    return this.st('UPDATE sessions SET instructions_override = ?, params_override = ? WHERE id = ?').run(next.instructions, params ? JSON.stringify(params) : null, sessionId).changes > 0
  }
}

function parseStored(json: string): SessionParamsOverride {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    value = undefined
  }
  const parsed = SessionParamsOverride.safeParse(value)
  if (!parsed.success) {
    throw KeelError.of('database', 'This session’s stored parameter override is not valid, so nothing was sent.', {
      field: 'params',
      fix: 'Open the session header’s “Instructions & parameters…” and set the parameters again, or use the profile’s.',
    })
  }
  return parsed.data
}
