// Automatic backups: daily or weekly, keeping the newest N automatic ones. When the next one is due is read from the
// backups folder (the newest automatic backup's time), so a restart, a crash or a changed schedule never loses
// track; the clock and the timer are injected so tests move time instead of waiting.
import fs from 'node:fs'
import type { BackupInfo, BackupSchedule } from '../../../shared/transfer'
import { listBackups } from './backup-archive'

const DAY_MS = 24 * 60 * 60 * 1000
export const SCHEDULE_INTERVAL_MS: Record<Exclude<BackupSchedule['every'], 'off'>, number> = { daily: DAY_MS, weekly: 7 * DAY_MS }
/** The longest the timer sleeps before looking again (a suspended laptop's timers run late; the clock is re-read). */
const MAX_WAIT_MS = 60 * 60 * 1000

/** When the next automatic backup is due: now if there is none yet, else the newest one's time + the interval. */
export function nextBackupDue(schedule: BackupSchedule, backups: readonly BackupInfo[]): number | null {
  if (schedule.every === 'off') return null
  const newest = backups.filter((b) => b.kind === 'auto').reduce<number | null>((max, b) => (max === null || b.createdAt > max ? b.createdAt : max), null)
  return newest === null ? 0 : newest + SCHEDULE_INTERVAL_MS[schedule.every]
}

/** The automatic backups beyond the newest `keep` (manual and before-restore backups are never pruned). */
export function backupsToPrune(backups: readonly BackupInfo[], keep: number): BackupInfo[] {
  return backups
    .filter((b) => b.kind === 'auto')
    .sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name))
    .slice(keep)
}

export interface SchedulerDeps {
  backupsDir: string
  schedule: () => BackupSchedule
  /** Writes one automatic backup at `now`. */
  backup: (now: number) => Promise<BackupInfo>
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => { cancel(): void }
  /** A backup was written (and old ones pruned), or one failed: the UI re-reads Settings → Data. */
  changed?: (what: { written: BackupInfo | null; pruned: string[]; error: unknown }) => void
}

export class BackupScheduler {
  private timer: { cancel(): void } | null = null
  private running: Promise<void> | null = null
  private stopped = false
  private failed = false
  private readonly now: () => number
  private readonly setTimer: NonNullable<SchedulerDeps['setTimer']>

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now
    this.setTimer =
      deps.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms)
        t.unref?.()
        return { cancel: () => clearTimeout(t) }
      })
  }

  /** When the next automatic backup is due (null: off). */
  nextDue(): number | null {
    return nextBackupDue(this.deps.schedule(), listBackups(this.deps.backupsDir))
  }

  /** Runs a due backup (and prunes), then arms the timer for the next look. Safe to call at any time. */
  async check(): Promise<void> {
    if (this.running) return this.running
    this.running = this.runDue().finally(() => {
      this.running = null
      this.arm()
    })
    return this.running
  }

  /** The schedule changed: look again now (a newly enabled schedule backs up at once when none exists). */
  rescheduled(): Promise<void> {
    return this.check()
  }

  /** No more backups; resolves when one being written has finished (its database must stay open until then). */
  async stop(): Promise<void> {
    this.stopped = true
    this.timer?.cancel()
    this.timer = null
    await this.running?.catch(() => undefined)
  }

  private async runDue(): Promise<void> {
    if (this.stopped) return
    const schedule = this.deps.schedule()
    const due = nextBackupDue(schedule, listBackups(this.deps.backupsDir))
    if (due === null || due > this.now()) return
    let written: BackupInfo | null = null
    const pruned: string[] = []
    try {
      written = await this.deps.backup(this.now())
      for (const old of backupsToPrune(listBackups(this.deps.backupsDir), schedule.keep)) {
        fs.rmSync(old.path, { force: true })
        pruned.push(old.name)
      }
      this.deps.changed?.({ written, pruned, error: null })
      this.failed = false
    } catch (err) {
      // A full disk or a read-only folder: tried again after the longest wait, not in a loop.
      this.failed = true
      this.deps.changed?.({ written, pruned, error: err })
    }
  }

  private arm(): void {
    this.timer?.cancel()
    this.timer = null
    if (this.stopped) return
    const due = this.nextDue()
    if (due === null) return
    this.timer = this.setTimer(() => void this.check(), this.failed ? MAX_WAIT_MS : Math.min(Math.max(due - this.now(), 1000), MAX_WAIT_MS))
  }
}
