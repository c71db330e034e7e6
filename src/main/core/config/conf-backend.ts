// config.json written through `conf` (electron-store's own engine) under plain Node: atomic writes, same format.
import Conf from 'conf'
import type { ConfigBackend } from './config-backend'
import { dataPaths } from '../paths'
import { configJsonSchema, deserializeConfigJson } from './config-schema'

export function createConfBackend(dataDir: string): ConfigBackend {
  let conf: Conf<Record<string, unknown>> | null = null
  const file = dataPaths(dataDir).config
  return {
    path: file,
    write(value) {
      // Constructed lazily: conf reads the file when constructed, and Keel only writes after it has validated
      // the file itself (an invalid file is never overwritten).
      conf ??= new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'config', schema: configJsonSchema(), clearInvalidConfig: false, watch: false, deserialize: deserializeConfigJson as (text: string) => Record<string, unknown> })
      conf.store = value
    },
  }
}
