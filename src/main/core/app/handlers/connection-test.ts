// The provider form's "Test connection" channel: the form's unsaved values become an entry for one request (never
// written to config), with the key typed in the form or, without one, the key stored for the entry being edited.
import type { ChannelInput } from '../../../../shared/contract'
import type { ConnectionTestResult } from '../../../../shared/connection-test'
import type { ProviderEntry } from '../../../../shared/domain'
import { KeelError } from '../../errors'
import { testConnection } from '../../providers/connection-test'
import { keyRequired } from '../../providers/kinds'
import { newEntry } from '../../providers/provider-entries'

export interface ConnectionTestDeps {
  /** The saved entry with this id, if there is one (the stored key is read only for an entry that exists). */
  entry(id: string): ProviderEntry | undefined
  readKey(entryId: string): Promise<string | null>
}

/** The id errors name for an entry that is not saved yet. */
const UNSAVED_ID = 'new-provider'

export function connectionTestHandlers(deps: ConnectionTestDeps) {
  return {
    'providers.testConnection': async ({ draft, entryId, key }: ChannelInput<'providers.testConnection'>): Promise<ConnectionTestResult> => {
      if (entryId !== undefined && !deps.entry(entryId)) {
        throw KeelError.of('not-found', `There is no provider entry "${entryId}".`, { entryId, fix: 'It may have been deleted meanwhile; reopen Settings.' })
      }
      const entry = newEntry(entryId ?? UNSAVED_ID, { ...draft, name: draft.name ?? 'New provider' })
      if (!keyRequired(entry)) return testConnection({ entry, key: null, keySource: 'none' })
      if (key) return testConnection({ entry, key, keySource: 'typed' })
      const stored = entryId !== undefined ? await deps.readKey(entryId) : null
      return testConnection({ entry, key: stored, keySource: stored === null ? 'none' : 'stored' })
    },
  }
}
