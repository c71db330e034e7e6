// A real, small filesystem for storage-fault tests: a tmpfs that can be filled to the last byte and remounted
// read-only. Needs root (or CAP_SYS_ADMIN); `mountUnavailable()` says why not, so a test can skip with the reason.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface SmallDisk {
  /** The mount point; put the data directory under it. */
  readonly dir: string
  /** Writes a filler file until the disk reports ENOSPC; returns how many bytes it took. */
  fill(): number
  /** Deletes the filler: the space is free again. */
  free(): void
  remount(mode: 'ro' | 'rw'): void
  unmount(): void
}

let checked: string | null | undefined

/** Null when tmpfs mounts work here; otherwise the reason (for the skip message). */
export function mountUnavailable(): string | null {
  if (checked !== undefined) return checked
  if (process.platform !== 'linux') return (checked = 'tmpfs mounts are Linux-only')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-mountcheck-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
    execFileSync('umount', [dir], { stdio: 'pipe' })
    checked = null
  } catch (err) {
    const text = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)
    checked = `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${text}`
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return checked
}

export function mountSmallDisk(sizeBytes = 4 * 1024 * 1024): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-smalldisk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' })
  const filler = path.join(dir, 'filler.bin')
  let mounted = true
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a')
      let written = 0
      try {
        // Big chunks first, then smaller ones, until not even one byte fits.
        for (const chunk of [65536, 4096, 512, 1]) {
          const buf = Buffer.alloc(chunk, 0x5a)
          for (;;) {
            try {
              written += fs.writeSync(fd, buf)
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
              throw err
            }
          }
        }
      } finally {
        fs.closeSync(fd)
      }
      return written
    },
    free() {
      fs.rmSync(filler, { force: true })
    },
    remount(mode) {
      execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' })
    },
    unmount() {
      if (!mounted) return
      mounted = false
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' })
      } catch (err) {
        // Still busy (a failed test left a file open): detach it anyway so no mount outlives the test run, and
        // still fail, since something was left open.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
        throw err
      }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
