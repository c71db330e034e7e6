// Automatic backups (issue #12): due from the newest automatic backup's time, retention keeps the newest N automatic
// ones and never touches manual or before-restore backups. A clock and a timer are injected: time moves, nobody waits.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { dataPaths } from '../../src/main/core/paths'
import { openDatabase } from '../../src/main/core/sessions/database'
import { listBackups, writeBackup } from '../../src/main/core/transfer/backup-archive'
import { BackupScheduler, backupsToPrune, nextBackupDue } from '../../src/main/core/transfer/backup-schedule'
import type { BackupSchedule } from '../../src/shared/transfer'
import { CoreHarness, tempDataDir, testKeychainService } from '../support/core-harness'

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.parse('2026-11-01T03:00:00.000Z')

describe('backup retention', () => {
  it('prunes only automatic backups beyond the newest N', () => {
    const b = (kind: 'auto' | 'manual' | 'before-restore', day: number) => ({ name: `${kind}-${day}.keelbackup`, path: `/x/${kind}-${day}`, kind, size: 1, createdAt: T0 + day * DAY })
    const all = [b('auto', 0), b('manual', 1), b('auto', 2), b('before-restore', 3), b('auto', 4), b('auto', 5)]
    expect(backupsToPrune(all, 2).map((x) => x.name)).toEqual(['auto-2.keelbackup', 'auto-0.keelbackup'])
    expect(backupsToPrune(all, 10)).toEqual([])
    expect(nextBackupDue({ every: 'weekly', keep: 3 }, all)).toBe(T0 + 5 * DAY + 7 * DAY)
    expect(nextBackupDue({ every: 'daily', keep: 3 }, [])).toBe(0)
    expect(nextBackupDue({ every: 'off', keep: 3 }, all)).toBeNull()
  })
})

describe('scheduled backups', () => {
  it('back up when due (daily), keep the newest N automatic ones, and arm the timer for the next', async () => {
    const paths = dataPaths(tempDataDir('keel-schedule'))
    const { db } = openDatabase(paths.database, paths.backups)
    db.prepare("INSERT INTO sessions (id, title, created_at, updated_at) VALUES ('s1', 'A session', 1, 1)").run()
    let now = T0
    let schedule: BackupSchedule = { every: 'daily', keep: 3 }
    const timers: number[] = []
    const changes: Array<{ written: string | null; pruned: string[] }> = []
    const scheduler = new BackupScheduler({
      backupsDir: paths.backups,
      schedule: () => schedule,
      backup: (at) => writeBackup({ paths, db, kind: 'auto', keychain: [], now: at }),
      now: () => now,
      setTimer: (_fn, ms) => {
        timers.push(ms)
        return { cancel: () => undefined }
      },
      changed: (c) => changes.push({ written: c.written?.name ?? null, pruned: c.pruned }),
    })
    // A manual backup first: never pruned, and not what the schedule counts from.
    await writeBackup({ paths, db, kind: 'manual', keychain: [], now: T0 - DAY })
    const auto = () => listBackups(paths.backups).filter((b) => b.kind === 'auto')

    await scheduler.check()
    expect(auto().map((b) => b.createdAt)).toEqual([T0])
    expect(timers.at(-1)).toBe(60 * 60 * 1000) // the longest wait; the clock is read again then
    now = T0 + 5 * 60 * 60 * 1000
    await scheduler.check()
    expect(auto()).toHaveLength(1) // not due yet
    for (let day = 1; day <= 5; day++) {
      now = T0 + day * DAY
      await scheduler.check()
    }
    expect(auto().map((b) => b.createdAt)).toEqual([T0 + 5 * DAY, T0 + 4 * DAY, T0 + 3 * DAY])
    expect(listBackups(paths.backups).filter((b) => b.kind === 'manual')).toHaveLength(1)
    expect(changes.flatMap((c) => c.pruned)).toHaveLength(3)
    expect(scheduler.nextDue()).toBe(T0 + 6 * DAY)
    now = T0 + 6 * DAY - 1000
    await scheduler.check()
    expect(timers.at(-1)).toBe(1000)

    // Off: nothing more is written, and no timer is armed.
    schedule = { every: 'off', keep: 3 }
    now = T0 + 30 * DAY
    const armed = timers.length
    await scheduler.check()
    expect(auto()).toHaveLength(3)
    expect(timers.length).toBe(armed)
    await scheduler.stop()
    db.close()
  })

  it('turning the schedule on in Settings backs up at once when no automatic backup exists', async () => {
    const dataDir = tempDataDir('keel-schedule-core')
    const h = await CoreHarness.open(dataDir, testKeychainService())
    const before = await h.call('data.status', {})
    expect(before.schedule).toEqual({ every: 'off', keep: 7 })
    expect(before.nextAutoBackupAt).toBeNull()
    const status = await h.call('data.setSchedule', { every: 'weekly', keep: 4 })
    const autos = status.backups.filter((b) => b.kind === 'auto')
    expect(autos).toHaveLength(1)
    expect(status.nextAutoBackupAt).toBe(autos[0]!.createdAt + 7 * DAY)
    expect((await h.call('preferences.get', {})).backupSchedule).toEqual({ every: 'weekly', keep: 4 })
    expect(fs.existsSync(autos[0]!.path)).toBe(true)
    await h.close()
  })
})
