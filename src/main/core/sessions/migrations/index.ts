// Ordered schema migrations (Signal Desktop's shape): PRAGMA user_version, one transaction each, a backup before
// migrating an existing database, and a refusal of a database written by a newer Keel.
import type Database from 'better-sqlite3'
import { initial } from './001-initial'
import { catalogsAndRecovery } from './002-catalogs-and-recovery'
import { keptRuntimes } from './003-kept-runtimes'
import { searchAndIndexes } from './004-search-and-indexes'
import { toolLedger } from './006-tool-ledger'
import { retiredEntries } from './005-retired-entries'
import { grants } from './008-grants'
import { sessionProfiles } from './007-session-profiles'
import { offeredTools } from './009-offered-tools'
import { toolCallSearch } from './010-tool-call-search'
import { sessionWorkspace } from './011-session-workspace'
import { mcpTrust } from './012-mcp-trust'
import { stepUsage } from './013-step-usage'
import { fallbacks } from './014-fallbacks'
import { messageBranches } from './015-message-branches'
import { attachments } from './016-attachments'
import { sessionOverrides } from './017-session-overrides'

export interface MigrationResult {
  summary: string
  details?: unknown[]
}

export interface Migration {
  version: number
  name: string
  up(db: Database.Database): MigrationResult
}

export const MIGRATIONS: readonly Migration[] = [initial, catalogsAndRecovery, keptRuntimes, searchAndIndexes, retiredEntries, toolLedger, sessionProfiles, grants, offeredTools, toolCallSearch, sessionWorkspace, mcpTrust, stepUsage, fallbacks, messageBranches, attachments, sessionOverrides]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version
