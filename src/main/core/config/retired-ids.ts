// Retired provider entry ids: an id is never reused, whatever config.json says now (config-service and the doctor
// both judge a config with this).
import { KeelError } from '../errors'
import type { KeelConfig } from './config-schema'

/**
 * A config that holds an entry whose id was retired (remembered by Keel's database, whatever the file's
 * retiredProviderIds says now) is refused, naming the entry's id field: its old sessions would otherwise resume on
 * the new entry's server with its key.
 */
export function retiredIdReused(cfg: KeelConfig, retired: ReadonlySet<string>, filePath: string): KeelError | null {
  const i = cfg.providers.findIndex((p) => retired.has(p.id))
  if (i < 0) return null
  const id = cfg.providers[i]!.id
  const field = `providers[${i}].id`
  return KeelError.of('config-invalid', `config.json: ${field}: "${id}" is the id of a deleted entry and ids are never reused; give this entry a new id.`, {
    field,
    fix: `Give the entry "${id}" in ${filePath} a new id (and keep "${id}" in retiredProviderIds); sessions that used the deleted entry stay unresolved until you pick another entry for them. Keel keeps using the last good configuration until then.`,
  })
}
