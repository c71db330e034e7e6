// The doctor: the diagnostics report for every session (or one) from outside the app — the session rows, the
// config as it is on disk, the keychain — with an exit status a script can use. Read-only unless asked to fix:
// then the database is backed up and legacy bindings are canonicalized by the same repair Keel runs at startup, and
// tool calls left open by turns that are not running are answered as Keel's start answers them (agents/ledger-check).
import fs from 'node:fs'
import Database from 'better-sqlite3'
import type { IdentitySnapshot, KeelErrorData, SessionDiagnostics } from '../../../shared/domain'
import { CatalogService } from '../catalog/catalog-service'
import { EMPTY_CONFIG, parseConfigText, type KeelConfig } from '../config/config-schema'
import { retiredIdReused } from '../config/retired-ids'
import { acquireDataDirLock, DataDirInUseError, describeHolder, recordedHolder, type DataDirHolder, type DataDirLock } from '../data-dir-lock'
import { KeelError } from '../errors'
import { repairBindings, type RepairReport } from '../identity/binding-repair'
import { BindingStore } from '../identity/binding-store'
import { effectiveBinding, resolveBinding } from '../identity/resolve'
import { dataPaths } from '../paths'
import { DEFAULT_KEYCHAIN_SERVICE, Keychain } from '../secrets/keychain'
import { backupDatabase, openDatabase } from '../sessions/database'
import { answerOrphans, findLedgerProblems, type LedgerProblem } from '../agents/ledger-check'
import { LATEST_SCHEMA_VERSION } from '../sessions/migrations/index'
import { SessionStore } from '../sessions/session-store'
import { buildSessionDiagnostics } from './session-diagnostics'
import { effectiveChain, fallbackDiagnosticRow, fallbackProblems, FallbackStore } from '../identity/fallback'
import { findProfile } from '../agents/profiles'
import { fallbackLine, type SessionFallbacks } from '../../../shared/fallback'

export interface DoctorOptions {
  dataDir: string
  sessionId?: string
  fix?: boolean
  keychainService?: string
}

export interface DoctorReport {
  dataDir: string
  configPath: string
  configError: KeelErrorData | null
  databasePath: string
  schemaVersion: number
  keychain: { ok: boolean; service: string; error: KeelErrorData | null }
  sessions: SessionDiagnostics[]
  fixed: RepairReport | null
  /** Tool calls without a result and results without a call (see agents/ledger-check.ts); after --fix, what is left. */
  toolCalls: LedgerProblem[]
  /** What --fix answered "interrupted by a restart: effect unknown", after a backup; null without --fix or when none. */
  answeredCalls: { callIds: string[]; backupPath: string } | null
  problems: number
  /** The Keel that holds this data directory while the doctor reads it (the report is then a moment's view). */
  runningKeel: DataDirHolder | null
}

function readConfig(file: string): { config: KeelConfig; error: KeelErrorData | null } {
  if (!fs.existsSync(file)) return { config: EMPTY_CONFIG, error: null }
  try {
    return { config: parseConfigText(fs.readFileSync(file, 'utf8'), file), error: null }
  } catch (err) {
    return { config: EMPTY_CONFIG, error: err instanceof KeelError ? err.data : { kind: 'config-invalid', message: 'config.json could not be read.' } }
  }
}

/**
 * The config as Keel would take it: an entry under an id the database remembers as retired makes it invalid, as
 * at Keel's start (a database made before retired_entries knows only what the file lists).
 */
function withRetiredIds(read: { config: KeelConfig; error: KeelErrorData | null }, db: Database.Database, file: string): { config: KeelConfig; error: KeelErrorData | null } {
  if (read.error) return read
  let ids: string[]
  try {
    ids = (db.prepare('SELECT entry_id FROM retired_entries').all() as Array<{ entry_id: string }>).map((r) => r.entry_id)
  } catch {
    return read
  }
  const reused = retiredIdReused(read.config, new Set(ids), file)
  return reused ? { config: EMPTY_CONFIG, error: reused.data } : read
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const paths = dataPaths(options.dataDir)
  let { config, error: configError } = readConfig(paths.config)
  if (!fs.existsSync(paths.database)) throw KeelError.of('not-found', `There is no Keel database at ${paths.database}.`, { fix: 'Pass the data directory Keel uses with --data-dir.' })

  let fixed: RepairReport | null = null
  let db: Database.Database
  let lock: DataDirLock | null = null
  if (options.fix) {
    // --fix writes the database, so it is a writer like Keel: it takes the data directory's lock or refuses.
    lock = lockForFix(paths.dataDir)
    try {
      const opened = openDatabase(paths.database, paths.backups)
      db = opened.db
      ;({ config, error: configError } = withRetiredIds({ config, error: configError }, db, paths.config))
      try {
        fixed = repairBindings(opened.db, config.providers, paths.backups, opened.schemaVersion)
      } catch (err) {
        db.close()
        throw err
      }
    } catch (err) {
      lock.release()
      throw err
    }
  } else {
    // Read-only: works next to a running Keel (WAL lets a reader see the last commits without blocking the writer).
    db = new Database(paths.database, { readonly: true, fileMustExist: true })
    ;({ config, error: configError } = withRetiredIds({ config, error: configError }, db, paths.config))
  }
  try {
    const schemaVersion = db.pragma('user_version', { simple: true }) as number
    if (schemaVersion > LATEST_SCHEMA_VERSION) throw KeelError.of('database', `The database was written by a newer Keel (schema ${schemaVersion}).`, { fix: 'Use the newest Keel and its doctor.' })
    const keychain = new Keychain(options.keychainService ?? DEFAULT_KEYCHAIN_SERVICE)
    const probe = await keychain.probe()
    const keys = await keychain.keyInfo(config.providers.map((p) => p.id))
    const store = new SessionStore(db)
    const bindings = new BindingStore(db)
    const catalog = schemaVersion >= 2 ? new CatalogService(db, keychain) : null
    const rows = store.list().filter((s) => options.sessionId === undefined || s.id === options.sessionId)
    if (options.sessionId !== undefined && rows.length === 0) throw KeelError.of('not-found', `There is no session ${options.sessionId}.`)
    let revision = 0
    const fallbackStore = schemaVersion >= 14 ? new FallbackStore(db) : null
    const sessions = rows.map((row) => {
      const stored = bindings.read(row.id)!
      // A legacy row is judged by what the repair makes of it: a repairable row is non-canonical, not unresolved.
      const r = resolveBinding(effectiveBinding(bindings.canonicalOrAsIs(stored, config.providers), config, bindings.known), config, keys, configError !== null)
      const snapshot: IdentitySnapshot = {
        sessionId: row.id,
        revision: ++revision,
        authority: 'persisted',
        binding: r.binding,
        entryName: r.binding ? (config.providers.find((p) => p.id === r.binding!.entryId)?.name ?? null) : null,
        state: r.state,
        identity: r.identity,
      }
      const built = buildSessionDiagnostics({ sessionId: row.id, title: row.title, stored, snapshot, active: null, config, keys, cached: (ns) => catalog?.cached(ns) ?? null, known: bindings.known })
      // Fallbacks (schema 14): the list in force, which of it cannot resolve, and who answered the latest turn.
      if (!fallbackStore) return built
      const profileId = (db.prepare('SELECT profile_id FROM sessions WHERE id = ?').get(row.id) as { profile_id: string | null } | undefined)?.profile_id ?? null
      const { source, chain } = effectiveChain(fallbackStore.readOverride(row.id), (profileId ? findProfile(config, profileId)?.fallback : null) ?? null)
      const fallback: SessionFallbacks = { source, chain, problems: fallbackProblems(chain, config, keys, bindings.known), latest: fallbackStore.latest(row.id) }
      return { ...built, rows: fallback.latest || fallback.chain ? [...built.rows, fallbackDiagnosticRow(fallback)] : built.rows, fallback }
    })
    // Next to a live Keel (read-only) a running turn's open calls are in progress; --fix holds the lock, so none is.
    const keelRunning = !options.fix && recordedHolder(paths.dataDir) !== null
    let toolCalls = findLedgerProblems(db, { keelRunning, sessionId: options.sessionId })
    let answeredCalls: DoctorReport['answeredCalls'] = null
    if (options.fix && toolCalls.some((p) => p.fixable)) {
      const backupPath = backupDatabase(db, paths.backups, 'before-orphan-answers')
      answeredCalls = { callIds: answerOrphans(db).map((c) => c.id), backupPath }
      toolCalls = findLedgerProblems(db, { keelRunning: false, sessionId: options.sessionId })
    }
    const problems = sessions.filter((s) => s.status !== 'ok').length + (configError ? 1 : 0) + toolCalls.length
    return {
      dataDir: paths.dataDir,
      configPath: paths.config,
      configError,
      databasePath: paths.database,
      schemaVersion,
      keychain: { ok: probe === null, service: keychain.service, error: probe?.data ?? null },
      sessions,
      fixed,
      toolCalls,
      answeredCalls,
      problems,
      runningKeel: options.fix ? null : recordedHolder(paths.dataDir),
    }
  } finally {
    db.close()
    lock?.release()
  }
}

/** The lock --fix needs, or a refusal that says which Keel is running and to quit it first. */
function lockForFix(dataDir: string): DataDirLock {
  try {
    return acquireDataDirLock(dataDir, 'doctor')
  } catch (err) {
    if (!(err instanceof DataDirInUseError) || err.sameProcess) throw err
    const who = err.holder ? `Keel (${describeHolder(err.holder)})` : 'Keel'
    throw KeelError.of('conflict', `${who} is running on ${dataDir}; --fix changes the database and refuses while Keel runs, so nothing was changed.`, {
      fix: `Quit Keel${err.holder ? ` (pid ${err.holder.pid})` : ''} first, then run the doctor with --fix again. Without --fix the doctor only reads, and works while Keel runs.`,
    })
  }
}

/** The human-readable form: one block per session, differing cells marked with ≠ and explained. */
export function formatDoctorReport(r: DoctorReport): string {
  const out: string[] = []
  out.push(`Keel doctor — ${r.dataDir}`)
  out.push(`  config    ${r.configPath}${r.configError ? `  INVALID: ${r.configError.message}` : ''}`)
  out.push(`  database  ${r.databasePath} (schema ${r.schemaVersion})`)
  if (r.runningKeel) out.push(`  in use    by ${describeHolder(r.runningKeel)}; this report is read-only`)
  out.push(`  keychain  ${r.keychain.ok ? `ok (service ${r.keychain.service})` : `UNAVAILABLE: ${r.keychain.error?.message} ${r.keychain.error?.fix ?? ''}`}`)
  if (r.fixed) {
    out.push(`  fixed     ${r.fixed.repaired.length} binding(s) canonicalized${r.fixed.backupPath ? ` (backup ${r.fixed.backupPath})` : ''}`)
    for (const u of r.fixed.unrepairable) out.push(`            cannot fix ${u.sessionId}: ${u.reason}`)
  }
  if (r.answeredCalls) out.push(`  fixed     ${r.answeredCalls.callIds.length} open tool call(s) answered "interrupted by a restart: effect unknown" (backup ${r.answeredCalls.backupPath})`)
  if (r.toolCalls.length > 0) {
    out.push('')
    out.push(`TOOL CALLS  ${r.toolCalls.length} without a result or with a result and no call`)
    for (const p of r.toolCalls) out.push(`  ${p.kind}  ${p.toolName} (${p.callId}, session ${p.sessionId}, ${p.state})${p.fixable ? '' : '  not fixable by --fix'}\n      ${p.explanation}`)
  }
  for (const s of r.sessions) {
    out.push('')
    out.push(`${s.status === 'ok' ? 'ok' : s.status.toUpperCase()}  ${s.title}  (${s.sessionId})`)
    out.push(`    ${s.summary}`)
    for (const row of s.rows) {
      const mark = row.drift ? '≠' : ' '
      out.push(`  ${mark} ${row.label.padEnd(16)} persisted: ${row.persisted ?? '—'} | config: ${row.config ?? '—'} | cached: ${row.cached ?? '—'}`)
      if (row.drift) out.push(`      ${row.drift.explanation}`)
    }
    if (s.fallback?.latest) out.push(`    fallback: ${fallbackLine(s.fallback.latest)} (the session's binding is unchanged)`)
    for (const p of s.fallback?.problems ?? []) out.push(`    fallback ${p.entryName} · ${p.model} cannot be used: ${p.reason}`)
  }
  out.push('')
  out.push(r.problems === 0 ? `${r.sessions.length} session(s), no problems.` : `${r.sessions.length} session(s), ${r.problems} problem(s).`)
  return out.join('\n')
}
