// Data in and out (issue #12; docs/transfer.md): backups, the backup schedule, restore (staged for the next start),
// session exports and imports. The core takes and gives bytes (uploads, base64) and text; where a file goes is the
// window's business (a browser download, or later Electron's save and open dialogs).
import fs from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import type { BackupSchedule, DataStatus, ExportFormat, ImportFormat } from '../../../../shared/transfer'
import { KeelError } from '../../errors'
import type { DataPaths } from '../../paths'
import { listBackups, writeBackup, type KeychainItemNeeded } from '../../transfer/backup-archive'
import type { BackupScheduler } from '../../transfer/backup-schedule'
import { cancelPendingRestore, lastRestore, pendingRestore, stageRestore } from '../../transfer/restore'
import { exportAllJson, exportAllMarkdown, exportSessionJson, exportSessionMarkdown, type ExportSource } from '../../transfer/session-export'
import { importSessions, type ImportTarget } from '../../transfer/session-import'
import type { Uploads } from '../../transfer/uploads'

export interface DataHandlerDeps {
  paths: DataPaths
  db: Database.Database
  scheduler: BackupScheduler
  uploads: Uploads
  schedule: () => BackupSchedule
  setSchedule: (s: BackupSchedule) => void
  /** The keychain items this data directory uses (account names), for a backup's manifest. */
  keychainNeeds: () => KeychainItemNeeded[]
  /** Whether each of these keychain items is in this keychain now (null: the keychain cannot say). */
  keychainPresent: (needs: readonly KeychainItemNeeded[]) => Promise<Array<boolean | null>>
  exportSource: ExportSource
  importTarget: ImportTarget
  requireSession: (id: string) => unknown
  /** Settings → Data changed (a backup written, a restore staged): windows re-read data.status. */
  changed: (reason: string) => void
  /** Sessions were imported: the list shows them. */
  imported: (ids: string[]) => void
  /** A test's window into the steps of staging a restore (KeelCoreOptions.restoreStep). */
  restoreStep?: (step: string) => void | Promise<void>
}

export function dataHandlers(deps: DataHandlerDeps) {
  const status = async (): Promise<DataStatus> => {
    const pending = pendingRestore(deps.paths)
    // Which of the keys the restored Keel needs are in this keychain (read now: the user may have added one since).
    const present = pending ? await deps.keychainPresent(pending.keychain) : []
    return {
      backupsDir: deps.paths.backups,
      backups: listBackups(deps.paths.backups),
      schedule: deps.schedule(),
      nextAutoBackupAt: deps.scheduler.nextDue(),
      pendingRestore: pending ? { ...pending, keychain: pending.keychain.map((k, i) => ({ ...k, present: present[i] ?? null })) } : null,
      lastRestore: lastRestore(deps.paths),
    }
  }
  const backupPath = (name: string) => {
    const file = path.join(deps.paths.backups, name)
    if (!fs.existsSync(file)) throw KeelError.of('not-found', `There is no backup ${name} in ${deps.paths.backups}.`, { field: 'name', fix: 'Pick one of the backups listed in Settings → Data.' })
    return file
  }
  const exporter = (format: ExportFormat) => (format === 'json' ? exportSessionJson : exportSessionMarkdown)
  return {
    'data.status': () => status(),
    'data.backupNow': async () => {
      const info = await writeBackup({ paths: deps.paths, db: deps.db, kind: 'manual', keychain: deps.keychainNeeds() })
      deps.changed('backup-written')
      return info
    },
    'data.readBackup': async ({ name }: { name: string }) => ({ name, base64: fs.readFileSync(backupPath(name)).toString('base64') }),
    'data.setSchedule': async (schedule: BackupSchedule) => {
      deps.setSchedule(schedule)
      await deps.scheduler.rescheduled()
      deps.changed('schedule-changed')
      return status()
    },
    'data.upload': async ({ uploadId, chunk }: { uploadId?: string; chunk: string }) => deps.uploads.append(uploadId, Buffer.from(chunk, 'base64')),
    'data.restore': async (input: { name: string } | { uploadId: string }) => {
      const bytes = 'name' in input ? fs.readFileSync(backupPath(input.name)) : deps.uploads.take(input.uploadId)
      const pending = await stageRestore(deps.paths, bytes, 'name' in input ? input.name : 'an uploaded backup', deps.keychainPresent, deps.restoreStep)
      deps.changed('restore-staged')
      return pending
    },
    'data.cancelRestore': async () => {
      if (!cancelPendingRestore(deps.paths)) throw KeelError.of('conflict', 'No restore is waiting for the next start.')
      deps.changed('restore-cancelled')
      return { ok: true as const }
    },
    'data.exportSession': async ({ id, format }: { id: string; format: ExportFormat }) => {
      deps.requireSession(id)
      return exporter(format)(deps.exportSource, id)
    },
    'data.exportAll': async ({ format }: { format: ExportFormat }) => (format === 'json' ? exportAllJson(deps.exportSource) : exportAllMarkdown(deps.exportSource)),
    'data.import': async ({ format, text, uploadId, fileName }: { format: ImportFormat; text?: string; uploadId?: string; fileName?: string }) => {
      if ((text === undefined) === (uploadId === undefined)) throw KeelError.of('invalid-input', 'Send the file as text or as an upload, one of the two.', { field: 'text' })
      const body = text ?? deps.uploads.take(uploadId!).toString('utf8')
      const result = importSessions(deps.importTarget, body, format, fileName ?? 'the file')
      deps.imported(result.sessions.map((s) => s.id))
      return result
    },
  }
}
