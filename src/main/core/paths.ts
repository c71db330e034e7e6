// Where Keel keeps its files inside a data directory. One place, so the doctor, the host and tests agree.
import path from 'node:path'

export interface DataPaths {
  dataDir: string
  config: string
  database: string
  backups: string
  logs: string
}

export function dataPaths(dataDir: string): DataPaths {
  const dir = path.resolve(dataDir)
  return {
    dataDir: dir,
    config: path.join(dir, 'config.json'),
    database: path.join(dir, 'keel.db'),
    backups: path.join(dir, 'backups'),
    logs: path.join(dir, 'logs'),
  }
}
