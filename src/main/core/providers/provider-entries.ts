// Provider entry edits as pure functions over the config: id rules (stable, never reused), kind defaults.
import type { ProviderEntry } from '../../../shared/domain'
import type { ChannelInput } from '../../../shared/contract'
import type { KeelConfig } from '../config/config-schema'
import { slugFromName } from '../config/slug'
import { KeelError } from '../errors'
import { RESOLVED_CLASSES } from '../identity/canonicalize'
import { KIND_DEFAULTS } from './kinds'

function idTaken(cfg: KeelConfig, id: string): boolean {
  return RESOLVED_CLASSES.has(id) || cfg.providers.some((p) => p.id === id) || cfg.retiredProviderIds.includes(id)
}

/** A fresh id: the requested one if free, else the name's slug with a numeric suffix. Never a retired id. */
export function allocateEntryId(cfg: KeelConfig, requested: string | undefined, name: string): string {
  if (requested !== undefined) {
    if (idTaken(cfg, requested)) {
      throw KeelError.of('conflict', `The provider id "${requested}" is in use or was used by a deleted entry; ids are never reused.`, { field: 'id', fix: 'Choose another id.' })
    }
    return requested
  }
  const base = slugFromName(name, 'provider')
  let id = base
  for (let n = 2; idTaken(cfg, id); n += 1) id = `${base}-${n}`
  return id
}

/** The entry with this id in `cfg` (the config an edit is applied to), or a not-found error the UI can show. */
export function entryIn(cfg: KeelConfig, id: string): ProviderEntry {
  const entry = cfg.providers.find((p) => p.id === id)
  if (!entry) throw KeelError.of('not-found', `There is no provider entry "${id}".`, { entryId: id, fix: 'It may have been removed from config.json; pick an entry listed in Settings.' })
  return entry
}

type Draft = Omit<ChannelInput<'providers.create'>, 'id' | 'key'>

export function newEntry(id: string, draft: Draft): ProviderEntry {
  const defaults = KIND_DEFAULTS[draft.kind]
  const baseUrl = draft.baseUrl ?? defaults.baseUrl
  if (!baseUrl) throw KeelError.of('invalid-input', 'A base URL is required for an OpenAI-compatible provider.', { field: 'baseUrl', fix: 'Enter the server\'s base URL, e.g. https://example.com/v1.' })
  const entry: ProviderEntry = { id, name: draft.name, kind: draft.kind, api: draft.api ?? defaults.api, baseUrl }
  if (draft.headers && Object.keys(draft.headers).length > 0) entry.headers = draft.headers
  if (draft.defaultModel) entry.defaultModel = draft.defaultModel
  if (draft.models && draft.models.length > 0) entry.models = draft.models
  if (draft.local !== undefined) entry.local = draft.local
  if (draft.auth !== undefined) entry.auth = draft.auth
  if (draft.timeouts && Object.keys(draft.timeouts).length > 0) entry.timeouts = draft.timeouts
  return entry
}

export function patchEntry(entry: ProviderEntry, patch: ChannelInput<'providers.update'>['patch']): ProviderEntry {
  const next: ProviderEntry = { ...entry }
  if (patch.name !== undefined) next.name = patch.name
  if (patch.kind !== undefined) next.kind = patch.kind
  if (patch.api !== undefined) next.api = patch.api
  if (patch.baseUrl !== undefined) next.baseUrl = patch.baseUrl
  if (patch.local !== undefined) next.local = patch.local
  if (patch.auth !== undefined) next.auth = patch.auth
  for (const field of ['headers', 'defaultModel', 'models', 'timeouts'] as const) {
    const value = patch[field]
    if (value === null) delete next[field]
    else if (value !== undefined) (next as Record<string, unknown>)[field] = value
  }
  return next
}
