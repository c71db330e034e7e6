// Data in and out (issue #12): backups of the whole of Keel, session exports, imports. The shapes here are shared
// by the contract and by the core, which validates every file it reads against them (docs/transfer.md).
import { z } from 'zod'

/** How a backup came to be: the user's "Back up now", the schedule, or the copy made before a restore replaces data. */
export const BackupKind = z.enum(['manual', 'auto', 'before-restore'])
export type BackupKind = z.infer<typeof BackupKind>

/** A backup file's name inside the backups folder: no path separators, the Keel extension. */
export const BackupName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.keelbackup$/, 'a backup file name from the backups folder')

export const BackupInfo = z.object({
  name: BackupName,
  path: z.string(),
  kind: BackupKind,
  size: z.number().int(),
  createdAt: z.number(),
})
export type BackupInfo = z.infer<typeof BackupInfo>

/** The automatic backup schedule (preferences.json); `keep` automatic backups are kept, older ones deleted. */
export const BackupSchedule = z.object({
  every: z.enum(['off', 'daily', 'weekly']),
  keep: z.number().int().min(1).max(100),
})
export type BackupSchedule = z.infer<typeof BackupSchedule>

/** A keychain item a restored Keel needs (account name only, never its value) and whether this keychain has it now. */
export const KeychainNeed = z.object({ account: z.string(), purpose: z.string(), present: z.boolean().nullable() })
export type KeychainNeed = z.infer<typeof KeychainNeed>

/** A restore waiting for the next start of Keel (the data directory is swapped before the database opens). */
export const PendingRestore = z.object({
  from: z.string(),
  createdAt: z.number(),
  schemaVersion: z.number().int(),
  sessions: z.number().int().nullable(),
  keychain: z.array(KeychainNeed),
})
export type PendingRestore = z.infer<typeof PendingRestore>

export const DataStatus = z.object({
  backupsDir: z.string(),
  backups: z.array(BackupInfo),
  schedule: BackupSchedule,
  /** When the next automatic backup is due (null: the schedule is off). */
  nextAutoBackupAt: z.number().nullable(),
  pendingRestore: PendingRestore.nullable(),
  /** What the last restore applied at start did (shown once by Settings → Data). */
  lastRestore: z.object({ at: z.number(), from: z.string(), beforeRestoreBackup: z.string().nullable() }).nullable(),
})
export type DataStatus = z.infer<typeof DataStatus>

export const ExportFormat = z.enum(['markdown', 'json'])
export type ExportFormat = z.infer<typeof ExportFormat>

export const ImportFormat = z.enum(['auto', 'keel', 'chatgpt'])
export type ImportFormat = z.infer<typeof ImportFormat>

export const ImportResult = z.object({
  format: z.enum(['keel', 'chatgpt']),
  sessions: z.array(z.object({ id: z.string(), title: z.string(), messages: z.number().int() })),
})
export type ImportResult = z.infer<typeof ImportResult>

// ---- The Keel JSON export format (version 1) ----

export const KEEL_SESSION_FORMAT = 'keel-session'
export const KEEL_SESSIONS_FORMAT = 'keel-sessions'
export const KEEL_EXPORT_VERSION = 1

/** The identity a reply was produced with, as recorded on the message, with the entry's name at export time. */
export const ExportedIdentity = z.object({
  entryId: z.string().min(1).max(200),
  entryName: z.string().max(200).nullable(),
  model: z.string().min(1).max(400),
  api: z.string().min(1).max(100),
  baseUrl: z.string().min(1).max(2000),
})
export type ExportedIdentity = z.infer<typeof ExportedIdentity>

export const ExportedAttachment = z.object({
  id: z.string().max(200),
  name: z.string().max(1000),
  mimeType: z.string().max(200),
  size: z.number().int().min(0),
  /** The file's bytes, base64 (omitted when the file was not found in the data directory). */
  data: z.string().optional(),
  /** The text Keel sent for it (text files, a PDF's extracted text), when it kept one. */
  text: z.string().optional(),
})
export type ExportedAttachment = z.infer<typeof ExportedAttachment>

export const ExportedMessage = z.object({
  id: z.string().min(1).max(200),
  /** The message this one follows in the conversation tree (null: the first message, or a tree Keel did not record). */
  parentId: z.string().min(1).max(200).nullable(),
  role: z.enum(['user', 'assistant']),
  content: z.string().max(10_000_000),
  status: z.enum(['complete', 'stopped', 'interrupted']),
  createdAt: z.number(),
  turnId: z.string().nullable(),
  producedWith: ExportedIdentity.nullable(),
  attachments: z.array(ExportedAttachment),
})
export type ExportedMessage = z.infer<typeof ExportedMessage>

export const ExportedToolCall = z.object({
  id: z.string(),
  turnId: z.string(),
  step: z.number().int(),
  source: z.string(),
  name: z.string(),
  arguments: z.string(),
  effect: z.string(),
  state: z.string(),
  result: z.string().nullable(),
  createdAt: z.number(),
})
export type ExportedToolCall = z.infer<typeof ExportedToolCall>

export const ExportedTurn = z.object({
  id: z.string(),
  status: z.string(),
  userMessageId: z.string().nullable(),
  startedAt: z.number(),
  identity: ExportedIdentity,
  error: z.object({ kind: z.string(), message: z.string() }).nullable(),
})
export type ExportedTurn = z.infer<typeof ExportedTurn>

export const ExportedSession = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(200),
  createdAt: z.number(),
  updatedAt: z.number(),
  pinned: z.boolean(),
  archived: z.boolean(),
  /** What the session was bound to when exported (history only: an import binds to nothing). */
  binding: z.object({ entryId: z.string().nullable(), model: z.string().nullable(), mode: z.string() }).nullable(),
  /** The message whose branch was shown when exported (the active leaf); null: the last message. */
  activeLeafId: z.string().nullable(),
  messages: z.array(ExportedMessage).max(1_000_000),
  turns: z.array(ExportedTurn),
  toolCalls: z.array(ExportedToolCall),
})
export type ExportedSession = z.infer<typeof ExportedSession>

export const KeelSessionExport = z.object({
  format: z.literal(KEEL_SESSION_FORMAT),
  version: z.number().int().min(1),
  exportedAt: z.string(),
  session: ExportedSession,
})
export type KeelSessionExport = z.infer<typeof KeelSessionExport>

export const KeelSessionsExport = z.object({
  format: z.literal(KEEL_SESSIONS_FORMAT),
  version: z.number().int().min(1),
  exportedAt: z.string(),
  sessions: z.array(ExportedSession),
})
export type KeelSessionsExport = z.infer<typeof KeelSessionsExport>
