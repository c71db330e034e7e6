// Faults of the disk under the data directory (full, read-only), as errors that say which directory, what was not
// saved, and what to do. SQLite and fs report them with codes (SQLITE_FULL, ENOSPC, SQLITE_READONLY, EROFS, …);
// without this they would reach the user as "Keel hit an unexpected error".
import fs from 'node:fs'
import path from 'node:path'
import { KeelError } from '../errors'

export type StorageFaultKind = 'disk-full' | 'read-only'

/** The codes SQLite (better-sqlite3's SqliteError.code) and Node's fs use for a full or read-only disk. */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT'])
const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM'])

/**
 * Which storage fault an error is, or null when it is something else. With `dataDir`, an fs error about a file
 * outside it (a workspace file, say) is not a fault of Keel's own storage.
 */
export function storageFaultKind(err: unknown, dataDir?: string): StorageFaultKind | null {
  if (err instanceof KeelError) return null
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : ''
  const file = typeof err === 'object' && err !== null && 'path' in err ? String((err as { path: unknown }).path) : null
  if (dataDir && file && path.relative(path.resolve(dataDir), path.resolve(file)).startsWith('..')) return null
  const text = err instanceof Error ? err.message : ''
  if (FULL_CODES.has(code) || /database or disk is full|no space left on device/i.test(text)) return 'disk-full'
  // SQLITE_READONLY and its extended codes (SQLITE_READONLY_DBMOVED, _DIRECTORY, …); SQLITE_CANTOPEN is how a WAL
  // database in a read-only directory refuses to open its -shm file.
  if (code.startsWith('SQLITE_READONLY') || READ_ONLY_CODES.has(code) || /attempt to write a readonly database|read-only file system/i.test(text)) return 'read-only'
  return null
}

/** The error the user sees when `what` could not be saved because of a storage fault in `dataDir`. */
export function storageFault(kind: StorageFaultKind, dataDir: string, what: string): KeelError {
  if (kind === 'disk-full') {
    return KeelError.of('disk-full', `The disk holding Keel's data directory (${dataDir}) is full: ${what} was not saved.`, {
      fix: 'Free some space on that disk, then try again. Nothing else was changed, and Keel keeps working meanwhile.',
    })
  }
  return KeelError.of('read-only', `Keel's data directory (${dataDir}) is read-only (Keel cannot write there): ${what} was not saved.`, {
    fix: `Make ${dataDir} writable again (remount it read-write or fix its permissions), or start Keel with another data directory (--data-dir), then try again.`,
  })
}

/** Keel cannot start on this data directory because its disk is full (opening takes a few writes: lock, WAL). */
export function diskFullAtStartup(dataDir: string): KeelError {
  return KeelError.of('disk-full', `Keel cannot start: the disk holding its data directory (${dataDir}) is full. Nothing was changed.`, {
    fix: 'Free some space on that disk, then start Keel again.',
  })
}

/** A storage fault in `err` as a renderable KeelError naming what was not saved; null when `err` is not one. */
export function asStorageFault(err: unknown, dataDir: string, what: string): KeelError | null {
  const kind = storageFaultKind(err, dataDir)
  return kind ? storageFault(kind, dataDir, what) : null
}

/**
 * Writes and removes a small file in the data directory: the one reliable way to learn, before the user's first
 * write, whether the directory is read-only (a mount, permissions) or its disk already full. Null when writable.
 */
export function probeDataDir(dataDir: string): StorageFaultKind | null {
  const probe = path.join(dataDir, `.keel-write-probe-${process.pid}`)
  try {
    fs.mkdirSync(dataDir, { recursive: true })
    // A few KiB, so a disk with only a sliver of space left reports itself as full before a real write fails.
    fs.writeFileSync(probe, Buffer.alloc(8192))
    return null
  } catch (err) {
    return storageFaultKind(err) ?? 'read-only'
  } finally {
    try {
      fs.rmSync(probe, { force: true })
    } catch {
      // Nothing to remove, or it cannot be removed on a read-only disk; it holds nothing.
    }
  }
}

/** What each contract write leaves unsaved when the disk refuses it (the phrase ends "… was not saved"). */
export const UNSAVED_BY_CHANNEL: Readonly<Record<string, string>> = {
  'sessions.saveDraft': 'the draft you typed (it is still in the message box)',
  'sessions.create': 'the new session',
  'sessions.rename': 'the new title',
  'sessions.pin': 'the pin',
  'sessions.setWorkspace': 'the workspace folder',
  'sessions.setOverrides': 'the session’s instructions and parameters',
  'sessions.archive': 'the archive change',
  'sessions.delete': 'the deletion',
  'sessions.bind': 'the model choice',
  'sessions.followDefault': 'the model choice',
  'sessions.reresolve': 'the session change',
  'sessions.keepRuntime': 'the session change',
  'sessions.quickResume': 'the session change',
  'sessions.continue': 'the continuation (nothing was sent)',
  'sessions.dismissRecovery': 'the change',
  'providers.create': 'the new provider entry (no key was kept for it)',
  'providers.update': 'the provider change',
  'providers.delete': 'the deletion of the provider',
  'providers.setDefault': 'the default model',
  'providers.models': 'the model list cache',
  'preferences.set': 'the preference',
  'chat.send': 'your message (nothing was sent; it stays in the message box)',
  'attachments.stage': 'the attachment (nothing was kept; attach it again)',
  'mcp.create': 'the new MCP server',
  'mcp.update': 'the MCP server change',
  'mcp.delete': 'the removal of the MCP server',
  'mcp.setEnabled': 'the MCP server change',
  'mcp.trust': 'the trust in the MCP server',
  'mcp.import': 'the imported MCP servers (nothing was imported)',
  'data.backupNow': 'the backup (no backup file was kept)',
  'data.setSchedule': 'the backup schedule',
  'data.upload': 'the file being sent (pick it again)',
  'data.restore': 'the restore (nothing was staged; your data is unchanged)',
  'data.import': 'the import (nothing was imported)',
}
