// Where Keel keeps its files inside a data directory. One place, so the doctor, the host and tests agree.
import path from 'node:path'

export interface DataPaths {
  dataDir: string
  config: string
  database: string
  backups: string
  logs: string
  /** Tool results too large to send to a model whole, kept for read_tool_result and the UI (tools/result-store.ts). */
  toolResults: string
  /** Attachment files, content-addressed (`<sha256>`, a PDF's text beside it as `<sha256>.txt`; attachments/attachment-store.ts). */
  attachments: string
  /** Held (an OS lock) by the one process that writes this directory; see data-dir-lock.ts. */
  lock: string
  /** Who holds the lock: pid, runtime, start time (a label for messages, not the lock itself). */
  lockHolder: string
}

export function dataPaths(dataDir: string): DataPaths {
  const dir = path.resolve(dataDir)
  return {
    dataDir: dir,
    config: path.join(dir, 'config.json'),
    database: path.join(dir, 'keel.db'),
    backups: path.join(dir, 'backups'),
    logs: path.join(dir, 'logs'),
    toolResults: path.join(dir, 'tool-results'),
    attachments: path.join(dir, 'attachments'),
    lock: path.join(dir, 'keel.lock'),
    lockHolder: path.join(dir, 'keel.lock.json'),
  }
}
