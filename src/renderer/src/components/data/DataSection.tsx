// Settings → Data (issue #12; docs/transfer.md): back up the whole of Keel, the automatic schedule and how many
// backups to keep, restore (staged, applied at the next start after a backup of the current data), export every
// session, import Keel JSON or ChatGPT's conversations.json. Keys are never in any of these files.
import { useRef, useState } from 'react'
import type { KeelErrorData } from '../../../../shared/domain'
import type { BackupInfo, BackupSchedule, ImportResult } from '../../../../shared/transfer'
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { useLiveQuery } from '../../hooks/useLiveQuery'
import { formatSize, saveBase64, saveText, uploadFile } from '../../lib/fileTransfer'
import { ConfirmDialog } from '../ConfirmDialog'
import { ErrorNote } from '../ErrorNote'
import { useNotify } from '../Notices'
import '../../styles/data.css'

const KIND_LABEL: Record<BackupInfo['kind'], string> = { manual: 'manual', auto: 'automatic', 'before-restore': 'before a restore' }
const when = (ms: number) => new Date(ms).toLocaleString()

export function DataSection() {
  const status = useLiveQuery('data.status', {}, { refreshOn: ['app', 'preferences'] })
  const notify = useNotify()
  const [error, setError] = useState<KeelErrorData | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [restoring, setRestoring] = useState<{ label: string; run: () => Promise<unknown> } | null>(null)
  const [imported, setImported] = useState<ImportResult | null>(null)
  const [draft, setDraft] = useState<BackupSchedule | null>(null)
  const restoreInput = useRef<HTMLInputElement>(null)
  const importInput = useRef<HTMLInputElement>(null)
  const data = status.data
  const schedule = draft ?? data?.schedule ?? { every: 'off', keep: 7 }

  const act = async (label: string, fn: () => Promise<void>) => {
    setBusy(label)
    setError(null)
    try {
      await fn()
    } catch (e) {
      setError(toErrorData(e))
    } finally {
      setBusy(null)
      status.refetch()
    }
  }

  const backUp = () =>
    act('backup', async () => {
      const info = await call('data.backupNow', {})
      notify(`Backed up to ${info.name}`, 'success')
    })
  const download = (b: BackupInfo) =>
    act('download', async () => {
      const { base64 } = await call('data.readBackup', { name: b.name })
      saveBase64(base64, b.name, 'application/zip')
    })
  const exportAll = (format: 'json' | 'markdown') =>
    act('export', async () => {
      const { text, filename, count } = await call('data.exportAll', { format })
      saveText(text, filename, format === 'json' ? 'application/json' : 'text/markdown;charset=utf-8')
      notify(`Exported ${count} session${count === 1 ? '' : 's'} to ${filename}`, 'success')
    })
  const importFile = (file: File) =>
    act('import', async () => {
      setImported(null)
      const uploadId = await uploadFile(file)
      const result = await call('data.import', { format: 'auto', uploadId, fileName: file.name })
      setImported(result)
      notify(`Imported ${result.sessions.length} session${result.sessions.length === 1 ? '' : 's'}`, 'success')
    })
  const saveSchedule = () =>
    act('schedule', async () => {
      await call('data.setSchedule', schedule)
      setDraft(null)
      notify(schedule.every === 'off' ? 'Automatic backups are off' : `Automatic backups ${schedule.every}, keeping ${schedule.keep}`, 'success')
    })

  return (
    <section className="dialog-section data-section" aria-labelledby="settings-data">
      <div className="dialog-section__head">
        <h3 id="settings-data" className="dialog-section__title">
          Data
        </h3>
        <button type="button" className="button button--primary" disabled={busy !== null} onClick={() => void backUp()}>
          {busy === 'backup' ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      <p className="field__help">
        A backup is one file with every session, the configuration, preferences and attachments. API keys and MCP secrets are not in it: they stay in the
        system keychain, and the backup lists which ones a restore needs. Backups are kept in <code>{data?.backupsDir ?? '…'}</code>.
      </p>
      {status.error ? <ErrorNote error={status.error} label="Data problem" /> : null}
      {error ? <ErrorNote error={error} label="Data problem" /> : null}

      {data?.pendingRestore ? (
        <div className="data-section__pending" role="status" aria-label="Restore waiting">
          <p>
            <strong>Restart Keel to finish restoring {data.pendingRestore.from}</strong> (made {when(data.pendingRestore.createdAt)}
            {data.pendingRestore.sessions !== null ? `, ${data.pendingRestore.sessions} session${data.pendingRestore.sessions === 1 ? '' : 's'}` : ''}). At the next start Keel backs up the current data, then
            replaces it. Until then nothing changes.
          </p>
          {data.pendingRestore.keychain.length > 0 ? (
            <>
              <p>Keys the restored Keel needs from the keychain (enter any that are missing in Settings after the restart):</p>
              <ul>
                {data.pendingRestore.keychain.map((k) => (
                  <li key={k.account}>
                    <code>{k.account}</code> — {k.purpose}
                    {k.present === true ? ' (in this keychain)' : k.present === false ? ' (missing here)' : ''}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <button type="button" className="button" onClick={() => void act('cancel', async () => void (await call('data.cancelRestore', {})))}>
            Cancel restore
          </button>
        </div>
      ) : null}
      {data?.lastRestore ? (
        <p className="muted">
          Restored {data.lastRestore.from} at {when(data.lastRestore.at)}.
          {data.lastRestore.beforeRestoreBackup ? ` The data it replaced is in ${data.lastRestore.beforeRestoreBackup}.` : ''}
        </p>
      ) : null}

      <fieldset className="data-section__schedule">
        <legend>Automatic backups</legend>
        <label>
          Back up{' '}
          <select aria-label="Automatic backups" value={schedule.every} onChange={(e) => setDraft({ ...schedule, every: e.target.value as BackupSchedule['every'] })}>
            <option value="off">never (off)</option>
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
          </select>
        </label>
        <label>
          Keep the newest{' '}
          <input
            type="number"
            aria-label="Automatic backups to keep"
            min={1}
            max={100}
            value={schedule.keep}
            onChange={(e) => setDraft({ ...schedule, keep: Math.max(1, Math.min(100, Math.round(Number(e.target.value) || 1))) })}
          />{' '}
          automatic backups
        </label>
        <button type="button" className="button" disabled={draft === null || busy !== null} onClick={() => void saveSchedule()}>
          Save schedule
        </button>
        {data?.nextAutoBackupAt !== null && data?.nextAutoBackupAt !== undefined ? <p className="muted">Next automatic backup: {data.nextAutoBackupAt === 0 ? 'now' : when(data.nextAutoBackupAt)}.</p> : null}
        <p className="field__help">Only automatic backups are pruned; manual ones and those made before a restore are kept until you delete them.</p>
      </fieldset>

      <h4 className="data-section__subtitle">Backups</h4>
      {data && data.backups.length === 0 ? <p className="muted">No backups yet.</p> : null}
      {data && data.backups.length > 0 ? (
        <ul className="data-section__backups" aria-label="Backups">
          {data.backups.map((b) => (
            <li key={b.name} className="data-section__backup">
              <span className="data-section__backup-name" title={b.path}>
                {b.name}
              </span>
              <span className="muted">
                {KIND_LABEL[b.kind]} · {when(b.createdAt)} · {formatSize(b.size)}
              </span>
              <span className="data-section__backup-actions">
                <button type="button" className="button button--small" aria-label={`Download ${b.name}`} onClick={() => void download(b)}>
                  Download
                </button>
                <button type="button" className="button button--small" aria-label={`Restore ${b.name}`} onClick={() => setRestoring({ label: b.name, run: () => call('data.restore', { name: b.name }) })}>
                  Restore…
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="data-section__row">
        <button type="button" className="button" disabled={busy !== null} onClick={() => restoreInput.current?.click()}>
          Restore from a file…
        </button>
        <input
          ref={restoreInput}
          type="file"
          accept=".keelbackup,application/zip"
          hidden
          aria-label="Backup file to restore"
          onChange={(e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            if (file) setRestoring({ label: file.name, run: async () => call('data.restore', { uploadId: await uploadFile(file) }) })
          }}
        />
      </div>

      <h4 className="data-section__subtitle">Sessions</h4>
      <div className="data-section__row">
        <button type="button" className="button" disabled={busy !== null} onClick={() => void exportAll('json')}>
          Export all as JSON
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={() => void exportAll('markdown')}>
          Export all as Markdown
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={() => importInput.current?.click()}>
          {busy === 'import' ? 'Importing…' : 'Import sessions…'}
        </button>
        <input
          ref={importInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="File to import"
          onChange={(e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            if (file) void importFile(file)
          }}
        />
      </div>
      <p className="field__help">Import takes a Keel JSON export or ChatGPT’s conversations.json. Imported sessions keep their text and the models that wrote it, and are bound to no provider until you pick a model for them.</p>
      {imported ? (
        <div role="status" aria-label="Import result" className="data-section__imported">
          <p>
            Imported {imported.sessions.length} session{imported.sessions.length === 1 ? '' : 's'} from {imported.format === 'chatgpt' ? 'ChatGPT' : 'a Keel export'}:
          </p>
          <ul>
            {imported.sessions.slice(0, 20).map((s) => (
              <li key={s.id}>
                {s.title} ({s.messages} messages)
              </li>
            ))}
          </ul>
          {imported.sessions.length > 20 ? <p className="muted">and {imported.sessions.length - 20} more.</p> : null}
        </div>
      ) : null}

      {restoring ? (
        <ConfirmDialog
          title="Restore this backup?"
          confirmLabel="Restore at next start"
          onConfirm={async () => {
            await restoring.run()
            status.refetch()
            notify('Restore staged: restart Keel to finish it', 'success')
          }}
          onClose={() => setRestoring(null)}
        >
          <p>
            {restoring.label} replaces every session, the configuration, preferences and attachments when Keel next starts. The current data is backed up first
            (a “before a restore” backup in the backups folder). Keys are not in backups: the ones it needs stay in the keychain.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  )
}
