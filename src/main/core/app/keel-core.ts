// Composes the core services and serves the contract. Both adapters (Electron IPC, the browser host) call
// `dispatch` and forward events; neither adds behaviour.
import path from 'node:path'
import { MESSAGE_PAGE_DEFAULT, SESSION_PAGE_DEFAULT, channels, isChannel, type Channel, type ChannelInput, type ChannelOutput, type EventName, type EventPayload, type InvokeResult } from '../../../shared/contract'
import type { AppDiagnostics, AppState, ChatMessage, ProviderEntryView, SessionChange, SessionSummary, SessionView, TurnView } from '../../../shared/domain'
import { AgentService } from '../agents/agent-service'
import { toolCallView, turnStepView } from '../agents/agent-steps'
import { ProfileService } from '../agents/profiles'
import { profileToolSet, type McpToolSource } from '../agents/profile-tool-set'
import { resolveSessionWorkspace } from '../agents/session-workspace'
import { profileHandlers } from '../agents/profile-handlers'
import { CatalogService } from '../catalog/catalog-service'
import { AttachmentStore } from '../attachments/attachment-store'
import { attachmentHandlers, checkAttachments, withAttachments } from './handlers/attachments'
import { createConfBackend } from '../config/conf-backend'
import { ConfigService, entryRevision } from '../config/config-service'
import { KeelError, toErrorData } from '../errors'
import { acquireDataDirLock, type DataDirLock } from '../data-dir-lock'
import { IdentityService } from '../identity/identity-service'
import { repairBindings } from '../identity/binding-repair'
import { buildSessionDiagnostics } from '../diagnostics/session-diagnostics'
import { buildAgentDiagnostics } from '../diagnostics/agent-diagnostics'
import { branchDiagnosticRow, latestStepsOnBranch } from '../diagnostics/branch-diagnostics'
import { KEY_SOURCE_ORDER, databaseIntegrity, migrationRecords } from '../diagnostics/app-diagnostics'
import { dataPaths } from '../paths'
import { keyRequired } from '../providers/kinds'
import { allocateEntryId, entryIn, newEntry, patchEntry } from '../providers/provider-entries'
import { DEFAULT_KEYCHAIN_SERVICE, Keychain, keychainAccount, type KeyLookup } from '../secrets/keychain'
import { openDatabase } from '../sessions/database'
import { RetiredEntries } from '../sessions/retired-entries'
import { GrantStore, sessionsAwaitingApproval, withGrants } from '../tools/grants'
import { ResultStore } from '../tools/result-store'
import { grantHandlers } from './handlers/grants'
import { mcpToolOptions, toolSourceConfigHash } from '../tools/mcp-tool'
import type { McpRuntime } from '../mcp/types'
import { toolResultHandlers } from './handlers/tool-results'
import { mcpHandlers } from './handlers/mcp'
import { prefillPrices, usageHandlers } from './handlers/usage'
import { priceFor } from '../usage/prices'
import { effectiveChain, fallbackDiagnosticRow } from '../identity/fallback'
import { fallbackLine } from '../../../shared/fallback'
import { fallbackHandlers } from './handlers/fallbacks'
import { branchHandlers } from './handlers/branches'
import { connectionTestHandlers } from './handlers/connection-test'
import { overrideHandlers, overridesDiagnosticRow, sessionOverridesView } from './handlers/overrides'
import { SessionOverridesStore } from '../sessions/session-overrides'
import { effectiveRequest } from '../../../shared/session-overrides'
import { McpServerEntries } from '../mcp/server-entries'
import { McpTrustStore } from '../mcp/trust-store'
import { McpServers } from '../mcp/mcp-servers'
import { importServers } from '../mcp/import-config'
import { providerSecrets } from '../providers/provider-errors'
import { TRAY_RECENT_LIMIT, buildTrayMenu } from '../desktop/tray-menu'
import { PreferencesService, createConfPreferencesBackend } from '../desktop/preferences'
import { SessionStore, type SessionRow, decodeListCursor, decodeSeqCursor, encodeListCursor } from '../sessions/session-store'
import { UNSAVED_BY_CHANNEL, asStorageFault, probeDataDir, storageFault } from '../storage/storage-faults'
import type { CoreEventListener, KeelCore, KeelCoreOptions } from './keel-core.types'
import { dataHandlers } from './handlers/data'
import { writeBackup } from '../transfer/backup-archive'
import { BackupScheduler } from '../transfer/backup-schedule'
import { keychainNeeds, keychainNeedsOfFile, keychainPresence } from '../transfer/keychain-needs'
import { applyPendingRestore } from '../transfer/restore'
import { Uploads } from '../transfer/uploads'

type Handlers = { [C in Channel]: (input: HandlerInput<C>) => Promise<ChannelOutput<C>> }
type HandlerInput<C extends Channel> = ChannelInput<C> & Record<string, unknown>

/** How long a healthy storage probe (a probe file written in the data directory) answers app.state. */
const STORAGE_PROBE_MS = 2000

export async function openKeelCore(options: KeelCoreOptions): Promise<KeelCore> {
  // One writer per data directory: the lock comes before the database is migrated, bindings are repaired or turns
  // are marked interrupted, so a second process never takes another live process's turn for a crashed one.
  const lock = acquireDataDirLock(options.dataDir, options.runtime)
  try {
    // A restore staged by the last run replaces the data now, before anything opens it (transfer/restore.ts).
    if (lock.held) await applyPendingRestore(dataPaths(options.dataDir), keychainNeedsOfFile(dataPaths(options.dataDir).config), options.restoreStep)
    return await composeKeelCore(options, lock)
  } catch (err) {
    lock.release()
    throw err
  }
}

async function composeKeelCore(options: KeelCoreOptions, lock: DataDirLock): Promise<KeelCore> {
  const paths = dataPaths(options.dataDir)
  // A read-only data directory is found now, not at the user's first write: the database opens read-only and
  // app.state (and so a banner) says so from the start. (The data-dir lock is not held for the same reason.)
  const startupFault = probeDataDir(paths.dataDir)
  /** Until when a healthy storage probe answers app.state (see storageStatus). */
  let storageHealthyUntil = 0
  const opened = openDatabase(paths.database, paths.backups, undefined, { readOnly: startupFault === 'read-only' || !lock.held })
  const db = opened.db
  const listeners = new Set<CoreEventListener>()
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const l of listeners) l(event, payload)
  }

  // Retired entry ids are remembered by the database too, so an id dropped from config.json's retiredProviderIds
  // while Keel was closed is still refused; the config's own list seeds it at each start.
  const retiredEntries = new RetiredEntries(db)
  const config = new ConfigService((options.configBackend ?? createConfBackend)(paths.dataDir), retiredEntries)
  const keychain = new Keychain(options.keychainService ?? DEFAULT_KEYCHAIN_SERVICE)
  const sessions = new SessionStore(db)
  // Counted once here (a scan), then kept by the store: the list's totals leave archived sessions out.
  sessions.archivedCount()
  const grants = new GrantStore(db)
  // Settings → Agents offers the tools of every configured MCP server that is running (grouped by server).
  const profiles = new ProfileService(config, db, () => mcpToolOptions(config.current().mcpServers, mcpRuntime))
  const identity = new IdentityService(config, keychain, sessions, (snap) => emit('identity', snap))
  // A model list that states prices (OpenRouter's) prefills the price table; a hand-typed price is never replaced.
  // A config that cannot be written (invalid on disk, read-only) keeps the table as it is: the cost stays unknown.
  const catalog = new CatalogService(db, keychain, (entry, listed) => {
    try {
      prefillPrices(config, entry.id, listed)
    } catch {
      // Nothing to do: prices are only a prefill.
    }
  })
  // MCP servers: entries in config.json, secrets in the keychain, trust in the database.
  const mcpTrust = new McpTrustStore(db)
  const mcpChanged = (reason: string, serverId: string | null) => emit('mcp', { reason, serverId })
  // The MCP runtime the agent loop, Settings and diagnostics start servers through. Secrets are re-read at each start.
  const mcpRuntime: McpRuntime & Pick<McpServers, 'configChanged' | 'autostart'> = new McpServers({
    entries: () => config.current().mcpServers,
    readSecret: (account) => keychain.readSecret(account, 'read the MCP secret'),
    trust: mcpTrust,
    electronNode: options.runtime === 'electron',
  })
  mcpRuntime.onChange((serverId) => mcpChanged('status', serverId))
  const mcpEntries = new McpServerEntries({ config, keychain, trust: mcpTrust, runtime: mcpRuntime, changed: mcpChanged })
  // A session's MCP tools: servers started on demand by the runtime, entries as config.json has them now.
  const mcpEntry = (serverId: string) => config.current().mcpServers.find((s) => s.id === serverId)
  const mcpTools: McpToolSource = { runtime: mcpRuntime, entry: mcpEntry }
  // Grants of a tool source are tied to its config as it is now: built-in's constant, an MCP server's launch hash.
  const sourceHash = (source: string) => toolSourceConfigHash(source, mcpEntry)
  const profileFallbackChain = (sessionId: string) => {
    const p = profiles.profileForSession(sessionId)
    return p.missing ? null : (p.fallback ?? null)
  }
  const sessionOverrides = new SessionOverridesStore(db)
  const sessionFallbackChain = (sessionId: string) => effectiveChain(identity.fallbacks.readOverride(sessionId), profileFallbackChain(sessionId)).chain
  // Attachment files (issue #12): content-addressed in the data directory; staged files nobody sent go after a day.
  const attachmentStore = new AttachmentStore(paths.attachments, db)
  if (!opened.readOnly) void attachmentStore.removeOrphans().catch(() => undefined)
  const agents = new AgentService(sessions, identity, keychain, {
    chat: (e) => {
      emit('chat', e)
      // Turn boundaries carry the live identity, superseding any persisted snapshot a window holds.
      if (e.type !== 'delta') void identity.publishFor(e.sessionId).catch(() => undefined)
    },
    sessionsChanged: (reason, sessionId) => emit('sessions', { reason, changes: [{ id: sessionId, kind: 'updated' }], all: false }),
    notice: (sessionId, level, text) => emit('notice', { sessionId, level, text }),
    // A reply the disk refuses mid-stream ends as such (and windows show the storage banner), never as a crash.
    storageFault: (err, what) => {
      const fault = asStorageFault(err, paths.dataDir, what)
      if (fault) {
        storageHealthyUntil = 0
        emit('app', { reason: 'storage-fault' })
      }
      return fault?.data ?? null
    },
  }, {
    // Which tools a session's turns offer: its agent profile's (none for a plain chat), unless the embedder gives a
    // tool set. Every call's approval asks the stored grants first (invariant 16), whoever built the tool set.
    toolSet: async (sessionId) => {
      const set = options.toolSet ? await options.toolSet(sessionId) : await profileToolSet(profiles.profileForSession(sessionId), sessions.get(sessionId)?.workspace ?? null, mcpTools)
      if (!set) return null
      const profile = profiles.profileForSession(sessionId)
      return withGrants(set, grants, sessionId, profile.missing ? null : profile.id, sourceHash)
    },
    // The profile's instructions and parameters go with every request of the session (none for the Chat profile),
    // with the session's own overrides over them field by field (issue #12); read at every request, never cached.
    requestProfile: (sessionId) => {
      const profile = profiles.profileForSession(sessionId)
      const own = sessionOverrides.read(sessionId)
      if (profile.missing && !own?.instructions && !own?.params) return undefined
      const { instructions, parameters } = effectiveRequest(profile.missing ? null : profile, own ?? { instructions: null, params: null })
      return { instructions, ...parameters }
    },
    resultStore: new ResultStore(paths.toolResults),
    attachments: attachmentStore,
    priceFor: (entryId, model) => priceFor(config.current().prices, entryId, model),
    // The session's own fallback list, else its profile's (issue #11); read at every request, never cached.
    fallbackChain: (sessionId) => sessionFallbackChain(sessionId),
  })
  // A live snapshot shows what a running turn uses, and a mid-turn re-bind as what the next turn will use.
  identity.setRunningTurns((id) => agents.runningIdentity(id))

  // Legacy binding rows are canonicalized once at startup, after a backup, and the change is logged.
  // (Both write: on a read-only database they wait for a start with a writable data directory.)
  if (!opened.readOnly) repairBindings(db, config.current().providers, paths.backups, opened.schemaVersion)
  // Turns a crash or forced quit left running: their checkpointed text is kept, and recovery decides what next.
  const interrupted = opened.readOnly ? [] : sessions.markInterrupted()
  // Tool calls a crash left proposed, approved or running are answered "interrupted by a restart: effect unknown"
  // (never re-run); calls waiting for approval keep waiting, so their card survives the restart.
  if (!opened.readOnly) agents.ledger.interruptAtStartup()

  // Sessions a window was shown (pages, search hits, opened views), most recent last. When the config or a key
  // changes, these get fresh identity snapshots; every other session is re-read when a page shows it (the
  // `sessions` event says `all`). So a config change costs what the user has seen, not the size of the database.
  const shown = new Map<string, true>()
  const SHOWN_LIMIT = 2000
  const markShown = (ids: readonly string[]) => {
    for (const id of ids) {
      shown.delete(id)
      shown.set(id, true)
    }
    for (const id of shown.keys()) {
      if (shown.size <= SHOWN_LIMIT) break
      shown.delete(id)
    }
  }
  const republishAll = async () => {
    identity.invalidateKeys()
    emit('sessions', { reason: 'identities-changed', changes: [], all: true })
    const ids = sessions.many([...shown.keys()]).map((s) => s.id)
    const snaps = await identity.snapshots(ids)
    for (const snap of snaps.values()) emit('identity', snap)
  }
  config.onChange((next, prev) => {
    for (const entry of prev.providers) {
      const now = next.providers.find((p) => p.id === entry.id)
      if (!now || entryRevision(now) !== entryRevision(entry)) catalog.invalidate(entry.id)
    }
    emit('providers', { reason: 'config-changed' })
    emit('app', { reason: 'config-changed' })
    // Removed or disabled servers stop, changed ones restart (asking for trust again when their launch changed).
    mcpRuntime.configChanged()
    mcpChanged('config-changed', null)
    void republishAll().catch(() => undefined)
  })
  config.onError(() => emit('app', { reason: 'config-error' }))
  if (options.watchConfig !== false) config.watch()

  const requireSession = (id: string) => {
    const s = sessions.get(id)
    if (!s) throw KeelError.of('not-found', 'That session no longer exists.', { fix: 'Pick another session from the list.' })
    return s
  }
  const requireEntry = (id: string) => {
    const e = config.entry(id)
    if (!e) throw KeelError.of('not-found', `There is no provider entry "${id}".`, { entryId: id })
    return e
  }

  const entryViews = async (): Promise<ProviderEntryView[]> => {
    const keys = await identity.keys()
    return config.current().providers.map((e) => {
      const k = keys(e.id)
      const p = k.state
      const keyStatus = p === 'present' ? 'stored' : p === 'unavailable' ? (k.locked ? 'keychain-locked' : 'keychain-unavailable') : keyRequired(e) ? 'missing' : 'not-needed'
      return { ...e, keyStatus, keychainAccount: keychainAccount(e.id), revision: entryRevision(e) }
    })
  }
  const entryView = async (id: string) => (await entryViews()).find((v) => v.id === id)!

  /** Summaries of a page of rows: their identities are evaluated together (one binding query, one keychain read). */
  const summaries = async (rows: readonly SessionRow[], keys?: KeyLookup): Promise<SessionSummary[]> => {
    // Lists show key presence read at most once per DISPLAY_KEYS_MS; one session opened or changed reads afresh.
    const snaps = await identity.snapshots(rows.map((r) => r.id), keys ?? (await identity.displayKeys()))
    markShown(rows.map((r) => r.id))
    const profileOf = profiles.summaries(rows.map((r) => r.id))
    const awaiting = sessionsAwaitingApproval(db, rows.map((r) => r.id))
    const fellBack = identity.fallbacks.latestOfMany(rows.map((r) => r.id))
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      pinned: r.pinned,
      archived: r.archived,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      messageCount: r.messageCount,
      running: agents.isRunning(r.id),
      identity: snaps.get(r.id)!,
      profile: profileOf.get(r.id)!,
      needsApproval: awaiting.has(r.id),
      ...(fellBack.has(r.id) ? { fallback: fallbackLine(fellBack.get(r.id)!) } : {}),
      workspace: r.workspace,
    }))
  }
  // A page's agent turns with their tool calls, steps and pauses (additive: a plain chat's page has none of them).
  const withToolItems = (page: { messages: ChatMessage[]; turns: TurnView[] }): Pick<SessionView, 'messages' | 'turns' | 'toolCalls' | 'steps'> => {
    const ids = page.turns.map((t) => t.id)
    const pauses = agents.ledger.pausesOf(ids)
    const toolCalls = agents.ledger.callsOf(ids).map(toolCallView)
    const steps = agents.ledger.stepsOf(ids).filter((st) => st.finishReason === 'tool-calls').map(turnStepView)
    const usage = agents.usage.turns(ids)
    const fallbacks = identity.fallbacks.ofTurns(ids)
    // Each reply names the entry that produced it (issue #12): the name its step recorded, else the entry's name in
    // the config now (entry ids never change), else its id. Never the session's current binding.
    const named = (m: ChatMessage): ChatMessage => {
      if (!m.producedWith) return m
      const recorded = m.turnId ? usage.get(m.turnId) : undefined
      const entryName = recorded && recorded.entryId === m.producedWith.entryId ? recorded.entryName : (config.entry(m.producedWith.entryId)?.name ?? m.producedWith.entryId)
      return { ...m, producedWith: { ...m.producedWith, entryName } }
    }
    return {
      messages: page.messages.map(named),
      turns: page.turns.map((t) => ({ ...t, ...(pauses.has(t.id) ? { pause: pauses.get(t.id)! } : {}), ...(usage.has(t.id) ? { usage: usage.get(t.id)! } : {}), ...(fallbacks.has(t.id) ? { fallbacks: fallbacks.get(t.id)! } : {}) })),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(steps.length > 0 ? { steps } : {}),
    }
  }
  const summary = async (id: string) => (await summaries([requireSession(id)], await identity.keysForSession(id)))[0]!

  /** Session metadata changed: tell the list, and push the session's fresh identity. */
  const sessionChanged = async (id: string, reason: string, kind: SessionChange['kind'] = 'updated') => {
    emit('sessions', { reason, changes: [{ id, kind }], all: false })
    const s = await summary(id)
    emit('identity', s.identity)
    return s
  }

  let closed = false
  // The tray menu follows sessions and identities, rebuilt at most once per debounce window.
  const preferences = new PreferencesService((options.preferencesBackend ?? createConfPreferencesBackend)(paths.dataDir))
  let windowVisible = true
  let trayRevision = 0
  let trayTimer: NodeJS.Timeout | null = null
  // The tray shows the 8 most recent sessions: one LIMIT query and the identities of those 8, whatever the size of
  // the database. A rebuild that changes nothing is not sent.
  let trayIds = new Set<string>()
  let traySent = ''
  const trayMenu = async () => {
    const recent = sessions.recent(TRAY_RECENT_LIMIT)
    trayIds = new Set(recent.map((r) => r.id))
    return buildTrayMenu(await summaries(recent), { windowVisible, revision: ++trayRevision })
  }
  const scheduleTray = () => {
    if (closed || trayTimer) return
    trayTimer = setTimeout(() => {
      trayTimer = null
      if (closed) return
      void trayMenu()
        .then((m) => {
          const items = JSON.stringify(m.items)
          if (items === traySent) return
          traySent = items
          emit('tray', m)
        })
        .catch(() => undefined)
    }, options.trayDebounceMs ?? 150)
  }
  listeners.add((event, payload) => {
    // Any session change may move a session into (or out of) the 8: re-query. An identity snapshot matters only
    // for a session the tray shows.
    if (event === 'sessions' || event === 'providers') scheduleTray()
    else if (event === 'identity' && trayIds.has((payload as EventPayload<'identity'>).sessionId)) scheduleTray()
  })
  const sessionDiagnostics = async (id: string) => {
    const row = requireSession(id)
    const keys = await identity.keys()
    const evaluation = await identity.evaluate(id, keys)
    const snapshot = identity.snapshotFrom(id, evaluation)
    const profile = profiles.profileForSession(id)
    const agent = buildAgentDiagnostics({
      sessionId: id,
      profile: profile.missing ? { id: profile.id, name: null, revision: null, missing: true } : { id: profile.id, name: profile.name, revision: profile.revision, missing: false },
      sessionRevision: profiles.summaries([id]).get(id)?.revision ?? null,
      ledger: agents.ledger,
      grants: grants.list(),
      // What the next request sends: the latest agent turn of the active branch (issue #12).
      latestSteps: latestStepsOnBranch(sessions, agents.ledger, id),
    })
    const built = buildSessionDiagnostics({
      sessionId: id,
      title: row.title,
      stored: identity.bindings.read(id)!,
      snapshot,
      active: evaluation.runtime?.identity ?? null,
      config: config.current(),
      keys,
      cached: (ns) => catalog.cached(ns),
      known: identity.bindings.known,
    })
    // Selected vs answered, with the reason (invariant 17): a row next to the identity rows, and the list itself.
    const fallback = await identity.sessionFallbacks(id, profileFallbackChain(id))
    const withFallback = fallback.latest || fallback.chain ? [...built.rows, fallbackDiagnosticRow(fallback)] : built.rows
    // The session's own instructions and parameters (issue #12): a row naming what it overrides and what is sent.
    const overrides = sessionOverridesView({ overrides: sessionOverrides, profileForSession: (s) => profiles.profileForSession(s) }, id)
    const withOverrides = overrides.line ? [...withFallback, overridesDiagnosticRow(overrides)] : withFallback
    // Which branch is shown and sent, when the session has versions (issue #12).
    const branchRow = branchDiagnosticRow(sessions, id)
    const rows = branchRow ? [...withOverrides, branchRow] : withOverrides
    return { ...built, rows, agent, fallback, overrides }
  }
  const appDiagnostics = async (): Promise<AppDiagnostics> => {
    const probe = await keychain.probe(keyEntryIds())
    return {
      dataDir: paths.dataDir,
      configPath: paths.config,
      configRevision: config.revision,
      configError: config.lastError,
      watching: config.watching,
      keychain: { ok: probe === null, service: keychain.service, error: probe?.data ?? null },
      keySource: KEY_SOURCE_ORDER,
      databasePath: paths.database,
      schemaVersion: opened.schemaVersion,
      integrity: databaseIntegrity(db),
      migrations: migrationRecords(db),
    }
  }

  /** Entries whose key the keychain probe may read (a read key proves the keychain unlocked, with no D-Bus call). */
  const keyEntryIds = () => config.current().providers.filter(keyRequired).map((p) => p.id)

  /**
   * Whether the data directory takes writes now; a database opened read-only stays so until the next start. A
   * healthy answer (a probe file written) serves for STORAGE_PROBE_MS, since windows ask on every app or providers
   * event; after a refused write (storageFaulted, storageSuspect) every call probes again.
   */
  const storageStatus = (): AppState['storage'] => {
    if (opened.readOnly) {
      const problem = storageFault('read-only', paths.dataDir, 'nothing you change').data
      return { writable: false, problem: { ...problem, message: `Keel's data directory (${paths.dataDir}) was read-only when Keel started: sessions are shown read-only and nothing you change is saved.`, fix: `${problem.fix} Restart Keel afterwards.` } }
    }
    if (!storageFaulted && Date.now() < storageHealthyUntil) return { writable: true, problem: null }
    const fault = probeDataDir(paths.dataDir)
    storageHealthyUntil = fault ? 0 : Date.now() + STORAGE_PROBE_MS
    if (!fault) return { writable: true, problem: null }
    const problem = storageFault(fault, paths.dataDir, 'nothing you change').data
    return { writable: false, problem: { ...problem, message: problem.message.replace(/: nothing you change was not saved\.$/, ': nothing you change can be saved until this is fixed.') } }
  }

  let storageFaulted = false

  // The paged reads (list, search, open, the tray) build their outputs field by field from typed rows; checking a
  // page of summaries against the schema again costs more than reading it, so those are checked under test (and
  // with KEEL_CHECK_OUTPUTS=1) only. Every other output is always checked; the renderer checks all it receives.
  const checkEveryOutput = process.env.VITEST !== undefined || process.env.KEEL_CHECK_OUTPUTS === '1'
  const pagedReads = new Set<Channel>(['sessions.list', 'sessions.summaries', 'sessions.search', 'sessions.open', 'sessions.messages', 'tray.menu'])
  const checkedOutput = (channel: Channel, value: unknown): unknown => (checkEveryOutput || !pagedReads.has(channel) ? channels[channel].output.parse(value) : value)

  // Data in and out (issue #12): backups (and their schedule), restore, export, import.
  const uploads = new Uploads(path.join(paths.dataDir, 'uploads'))
  if (!opened.readOnly) uploads.clear()
  const backupKeychain = () => keychainNeeds(config.current())
  const scheduler = new BackupScheduler({
    backupsDir: paths.backups,
    schedule: () => preferences.get().backupSchedule,
    backup: (now) => writeBackup({ paths, db, kind: 'auto', keychain: backupKeychain(), now }),
    changed: () => emit('app', { reason: 'backups-changed' }),
  })
  const data = dataHandlers({
    paths,
    db,
    scheduler,
    uploads,
    schedule: () => preferences.get().backupSchedule,
    setSchedule: (backupSchedule) => emit('preferences', preferences.set({ backupSchedule })),
    keychainNeeds: backupKeychain,
    keychainPresent: (needs) => keychainPresence(keychain, needs),
    exportSource: {
      db,
      attachmentsDir: path.join(paths.dataDir, 'attachments'),
      entryName: (id) => config.entry(id)?.name ?? null,
      toolCalls: (turnIds) =>
        agents.ledger.callsOf(turnIds).map((c) => ({ id: c.id, turnId: c.turnId, step: c.step, source: c.source, name: c.name, arguments: c.argumentsJson, effect: c.effect, state: c.state, result: c.resultText, createdAt: c.createdAt })),
    },
    importTarget: { db, sessions, attachmentsDir: path.join(paths.dataDir, 'attachments'), unbind: (id) => identity.unbind(id) },
    requireSession,
    changed: (reason) => emit('app', { reason }),
    imported: (ids) => emit('sessions', { reason: 'imported', changes: ids.map((id) => ({ id, kind: 'created' as const })), all: false }),
    ...(options.restoreStep ? { restoreStep: options.restoreStep } : {}),
  })

  const handlers: Handlers = {
    ...data,
    ...profileHandlers({ profiles, requireSession, sessionChanged, canonicalChain: (c) => identity.canonicalChain(c) }),
    ...mcpHandlers({
      entries: mcpEntries,
      runtime: mcpRuntime,
      importServers: (source, text) => importServers({ config, keychain, changed: mcpChanged }, source, text),
    }),
    ...grantHandlers({
      grants,
      call: (id) => {
        const c = agents.ledger.call(id)
        return c ? { id: c.id, sessionId: c.sessionId, toolRef: { source: c.source, name: c.name, schemaHash: c.schemaHash }, effect: c.effect, state: c.state } : null
      },
      awaitingApproval: (sessionId) =>
        agents.ledger
          .openCalls(sessionId)
          .filter((c) => c.state === 'awaiting-approval')
          .map((c) => ({ id: c.id, sessionId: c.sessionId, toolRef: { source: c.source, name: c.name, schemaHash: c.schemaHash }, effect: c.effect, state: c.state })),
      profileOf: (sessionId) => {
        const p = profiles.profileForSession(sessionId)
        return p.missing ? null : p.id
      },
      profileName: (id) => profiles.resolve(id)?.name ?? null,
      argumentsOf: (id) => agents.ledger.call(id)?.argumentsJson ?? null,
      workspaceOf: (sessionId) => {
        const p = profiles.profileForSession(sessionId)
        return p.missing ? null : (sessions.get(sessionId)?.workspace ?? p.workspace)
      },
      resultStore: new ResultStore(paths.toolResults),
      sessionTitles: (ids) => new Map(sessions.many(ids).map((r) => [r.id, r.title])),
      sourceConfigHash: sourceHash,
      // The loop approves this one call: a kept approval is the stored grant alone (asked through withGrants), so
      // revoking it in Settings takes effect at the next call.
      approve: (callId, args) => agents.approve(callId, args),
      deny: (callId, reason) => agents.deny(callId, reason),
      changed: (reason, sessionId) => emit('sessions', { reason, changes: sessionId ? [{ id: sessionId, kind: 'updated' }] : [], all: false }),
    }),
    'app.state': async () => {
      const probe = await keychain.probe(keyEntryIds())
      const state: AppState = {
        dataDir: paths.dataDir,
        storage: storageStatus(),
        databasePath: paths.database,
        schemaVersion: opened.schemaVersion,
        config: { path: paths.config, revision: config.revision, error: config.lastError, watching: config.watching },
        keychain: { ok: probe === null, service: keychain.service, error: probe?.data ?? null },
        default: config.current().default,
        runtime: options.runtime,
      }
      return state
    },

    'providers.list': () => entryViews(),
    'providers.create': async (input) => {
      const { key, id: requestedId, ...draft } = input
      const id = allocateEntryId(config.latest(), requestedId, draft.name)
      const entry = newEntry(id, draft)
      // The key goes in first: if the keychain is unavailable the user hears it before an entry without a key exists.
      if (key) await keychain.storeKey(id, key)
      try {
        config.update((cfg) => {
          allocateEntryId(cfg, id, draft.name) // checked again on the file as it is now: a conflict if taken since
          return { ...cfg, providers: [...cfg.providers, entry], default: cfg.default ?? (entry.defaultModel ? { entryId: id, model: entry.defaultModel } : null) }
        })
      } catch (err) {
        if (key) await keychain.deleteKey(id).catch(() => undefined)
        throw err
      }
      return entryView(id)
    },
    'providers.update': async ({ id, patch }) => {
      // Patched as the file holds it now, so an outside edit made a moment ago is kept.
      config.update((cfg) => {
        entryIn(cfg, id)
        return { ...cfg, providers: cfg.providers.map((p) => (p.id === id ? patchEntry(p, patch) : p)) }
      })
      return entryView(id)
    },
    'providers.delete': async ({ id }) => {
      config.update((cfg) => {
        entryIn(cfg, id)
        return {
          ...cfg,
          providers: cfg.providers.filter((p) => p.id !== id),
          default: cfg.default?.entryId === id ? null : cfg.default,
          retiredProviderIds: [...new Set([...cfg.retiredProviderIds, id])],
        }
      })
      // Recorded as a deletion (the reload above may have recorded it from the file's list already). Should the
      // write fail, the id is still retired for this run and listed in config.json, which seeds it at the next start.
      try {
        retiredEntries.record([id], 'deleted')
      } catch {
        // See above.
      }
      await keychain.deleteKey(id).catch(() => undefined)
      catalog.invalidate(id)
      return { ok: true as const }
    },
    'providers.setKey': async ({ id, key }) => {
      requireEntry(id)
      await keychain.storeKey(id, key)
      catalog.invalidate(id)
      agents.cooldowns.clear(id)
      emit('providers', { reason: 'key-changed' })
      await republishAll()
      return entryView(id)
    },
    'providers.deleteKey': async ({ id }) => {
      requireEntry(id)
      await keychain.deleteKey(id)
      catalog.invalidate(id)
      emit('providers', { reason: 'key-changed' })
      await republishAll()
      return entryView(id)
    },
    'providers.setDefault': async ({ entryId, model }) => {
      config.update((cfg) => {
        entryIn(cfg, entryId)
        return { ...cfg, default: { entryId, model } }
      })
      return { ok: true as const }
    },
    'providers.models': async ({ entryId, refresh }) => catalog.list(requireEntry(entryId), refresh ?? false),
    ...connectionTestHandlers({ entry: (id) => config.entry(id), readKey: (id) => keychain.readKey(id) }),

    'sessions.reresolve': async ({ id }) => {
      requireSession(id)
      await identity.reresolve(id)
      return sessionChanged(id, 'reresolved')
    },
    'sessions.keepRuntime': async ({ id }) => {
      requireSession(id)
      identity.keep(id)
      return sessionChanged(id, 'kept')
    },
    'sessions.refreshModels': async ({ id }) => {
      requireSession(id)
      const evaluation = await identity.evaluate(id)
      // The active identity's entry as the live agent knows it (a pinned session may run on a previous runtime).
      const entry = evaluation.runtime?.entry ?? (evaluation.binding ? config.entry(evaluation.binding.entryId) : undefined)
      if (!entry) throw KeelError.of('unresolved', 'This session has no provider entry to refresh models for.', { fix: 'Pick a provider and model for it first.' })
      return catalog.list(entry, true)
    },
    'sessions.continue': async ({ id }) => {
      requireSession(id)
      const turn = sessions.lastRecoverable(id)
      if (!turn || turn.recovery !== 'pending') throw KeelError.of('conflict', 'There is no interrupted reply waiting to be continued.')
      return agents.continueTurn(id, turn)
    },
    'sessions.dismissRecovery': async ({ id }) => {
      const turn = sessions.lastRecoverable(id)
      if (turn?.recovery === 'pending') sessions.setRecovery(turn.id, 'declined')
      emit('sessions', { reason: 'recovery-dismissed', changes: [{ id, kind: 'updated' }], all: false })
      return { ok: true as const }
    },

    'diagnostics.session': async ({ id }) => sessionDiagnostics(id),
    'diagnostics.app': async () => appDiagnostics(),
    'diagnostics.clearCaches': async () => {
      catalog.invalidate()
      emit('providers', { reason: 'caches-cleared' })
      return { ok: true as const }
    },
    'diagnostics.report': async ({ id }) => {
      const ids = id ? [requireSession(id).id] : sessions.list().map((s) => s.id)
      const report = { generatedAt: new Date().toISOString(), app: await appDiagnostics(), sessions: await Promise.all(ids.map(sessionDiagnostics)) }
      return { json: JSON.stringify(report, null, 2) }
    },

    'sessions.list': async ({ cursor, limit, archived }) => {
      const { rows, more } = sessions.page(cursor ? decodeListCursor(cursor) : null, limit ?? SESSION_PAGE_DEFAULT, archived ?? false)
      const last = rows[rows.length - 1]
      const archivedCount = sessions.archivedCount()
      const total = archived ? archivedCount : sessions.count() - archivedCount
      return { items: await summaries(rows), total, nextCursor: more && last ? encodeListCursor(last) : null }
    },
    'sessions.summaries': async ({ ids }) => summaries(sessions.many(ids)),
    'sessions.search': async ({ query, cursor, limit }) => {
      const offset = cursor ? decodeSeqCursor(cursor, 'cursor') : 0
      const n = limit ?? SESSION_PAGE_DEFAULT
      const { hits, more } = sessions.search(query, offset, n)
      const found = new Map((await summaries(sessions.many([...new Set(hits.map((h) => h.sessionId))]))).map((s) => [s.id, s]))
      return {
        hits: hits.flatMap((h) => {
          const session = found.get(h.sessionId)
          return session ? [{ session, field: h.field, messageId: h.messageId, snippet: h.snippet, ...(h.tool ? { tool: h.tool } : {}) }] : []
        }),
        nextCursor: more ? String(offset + n) : null,
      }
    },
    'sessions.create': async ({ profileId, reuseEmpty }) => {
      const profile = profiles.forNewSession(profileId)
      // Ctrl/Cmd+N on top of an untouched "New session" of the same profile opens that one again (at the top).
      const reusable = reuseEmpty ? sessions.emptyUntitled((id) => profiles.summaries([id]).get(id)?.id === profile.id) : null
      if (reusable) {
        sessions.touch(reusable)
        return sessionChanged(reusable, 'reused')
      }
      const id = sessions.transaction(() => {
        const id = sessions.create()
        identity.initialize(id)
        // A profile bound to an entry + model starts its sessions pinned to them; the identity authority checks it.
        if (profile.binding.mode === 'pinned') identity.pin(id, profile.binding.entryId, profile.binding.model)
        profiles.record(id, profile)
        return id
      })
      return sessionChanged(id, 'created', 'created')
    },
    'sessions.open': async ({ id, around, limit }) => {
      const row = requireSession(id)
      const aroundSeq = around === undefined ? undefined : sessions.seqOf(id, around)
      if (aroundSeq === null) throw KeelError.of('not-found', 'That message is not in this session.', { field: 'around', fix: 'Search again: the message may have been deleted with its session.' })
      // A search hit on another version: its branch becomes the active one, so what is shown is what is sent (issue #12).
      if (around !== undefined && !sessions.tree.onActivePath(id, around)) agents.selectBranch(id, around)
      const page = sessions.messagePage(id, { around: aroundSeq }, limit ?? MESSAGE_PAGE_DEFAULT)
      const running = agents.runningIdentity(id)
      const sum = await summary(id)
      // A window attaching mid-turn gets what is recorded, marked persisted; the next live event supersedes it.
      if (running) sum.identity = identity.persistedSnapshot(id, running)
      const view: SessionView = {
        session: sum,
        ...withToolItems({ ...page, messages: withAttachments(attachmentStore, page.messages) }),
        page: page.page,
        draft: row.draft,
        recovery: await agents.recoveryView(id),
      }
      return view
    },
    'sessions.rename': async ({ id, title }) => {
      requireSession(id)
      sessions.rename(id, title)
      return sessionChanged(id, 'renamed')
    },
    'sessions.pin': async ({ id, pinned }) => {
      requireSession(id)
      sessions.setPinned(id, pinned)
      return sessionChanged(id, 'pinned')
    },
    // The session's own workspace folder, checked and stored as its real path (null: the profile's default again).
    'sessions.setWorkspace': async ({ id, path }) => {
      requireSession(id)
      sessions.setWorkspace(id, path === null ? null : resolveSessionWorkspace(path))
      return sessionChanged(id, 'workspace')
    },
    'sessions.archive': async ({ id, archived }) => {
      requireSession(id)
      sessions.setArchived(id, archived)
      return sessionChanged(id, 'archived')
    },
    'sessions.delete': async ({ id }) => {
      requireSession(id)
      await agents.stop(id)
      sessions.delete(id)
      identity.forget(id)
      shown.delete(id)
      emit('sessions', { reason: 'deleted', changes: [{ id, kind: 'deleted' }], all: false })
      return { ok: true as const }
    },
    'sessions.bind': async ({ id, entryId, model }) => {
      requireSession(id)
      identity.pin(id, entryId, model)
      return sessionChanged(id, 'bound')
    },
    'sessions.followDefault': async ({ id }) => {
      requireSession(id)
      identity.followDefault(id)
      return sessionChanged(id, 'bound')
    },
    'sessions.saveDraft': async ({ id, text }) => {
      if (!sessions.saveDraft(id, text)) throw KeelError.of('not-found', 'That session no longer exists.')
      return { ok: true as const }
    },

    'sessions.messages': async ({ id, before, after, limit }) => {
      requireSession(id)
      if (before !== undefined && after !== undefined) throw KeelError.of('invalid-input', 'Ask for the page before a cursor or after one, not both.', { field: 'after' })
      const at = before !== undefined ? { before: decodeSeqCursor(before, 'before') } : after !== undefined ? { after: decodeSeqCursor(after, 'after') } : {}
      const page = sessions.messagePage(id, at, limit ?? MESSAGE_PAGE_DEFAULT)
      return { ...withToolItems({ ...page, messages: withAttachments(attachmentStore, page.messages) }), page: page.page }
    },
    'tray.menu': async () => trayMenu(),
    'sessions.quickResume': async ({ id }) => {
      requireSession(id)
      // Re-resolve: binding + current config + a fresh keychain read by entry id. Unresolved sessions open as such;
      // a Keep the user chose stays (resume is not Apply).
      await identity.resume(id)
      const s = await sessionChanged(id, 'quick-resume')
      emit('focus', { sessionId: id, view: 'session' })
      return s
    },
    'preferences.get': async () => preferences.get(),
    'preferences.set': async (patch) => {
      const next = preferences.set(patch)
      emit('preferences', next)
      if (patch.backupSchedule) void scheduler.rescheduled()
      return next
    },

    'chat.send': async ({ sessionId, text, attachments }) => {
      requireSession(sessionId)
      // Limits, types and the model's image input are checked before the profile's turn begins or anything is sent.
      // Without files nothing is awaited here: the turn's keychain read is queued at once, as the call arrives (a key
      // deleted right after a send must not slip in before the turn boundary's read; live-key-removed.test.ts).
      const files = attachments?.length ? await checkAttachments({ attachments: attachmentStore, catalog, identity }, sessionId, attachments) : []
      // The session's profile as of this turn: refused if it was deleted, and an edit since the last turn is said.
      const profileChange = profiles.beginTurn(sessionId)
      if (profileChange) emit('notice', { sessionId, level: 'info', text: profileChange })
      return agents.send(sessionId, text, files)
    },
    'chat.stop': async ({ sessionId }) => {
      await agents.stop(sessionId)
      return { ok: true as const }
    },
    'chat.continueTurn': async ({ sessionId, steps }) => {
      requireSession(sessionId)
      await agents.continuePaused(sessionId, steps)
      return { ok: true as const }
    },
    'tools.runAgain': async ({ callId }) => agents.runAgain(callId),
    ...branchHandlers({
      agents,
      identity,
      requireSession,
      beginTurn: (sessionId) => {
        const profileChange = profiles.beginTurn(sessionId)
        if (profileChange) emit('notice', { sessionId, level: 'info', text: profileChange })
      },
      changed: (id) => sessionChanged(id, 'bound'),
    }),
    ...usageHandlers({ usage: agents.usage, config, requireSession }),
    ...attachmentHandlers({ attachments: attachmentStore, catalog, identity }),
    ...fallbackHandlers({ identity, requireSession, profileChain: profileFallbackChain, changed: (id) => sessionChanged(id, 'fallbacks-changed') }),
    ...overrideHandlers({ overrides: sessionOverrides, profileForSession: (id) => profiles.profileForSession(id), changed: (id) => sessionChanged(id, 'overrides-changed') }),
    ...toolResultHandlers({
      call: (id) => agents.ledger.call(id),
      resultStore: new ResultStore(paths.toolResults),
      // The entry the call's turn used (its key read fresh): tool output may have read the key from a file. A
      // keychain that cannot be read leaves the key out: the same text is in the row's preview already.
      secretsOf: async (callId) => {
        const c = agents.ledger.call(callId)
        const entryId = c ? sessions.turn(c.turnId)?.entryId : undefined
        const entry = entryId ? config.entry(entryId) : null
        if (!entryId || !entry) return []
        const key = await keychain.readKey(entryId).catch(() => null)
        return providerSecrets(entry, key)
      },
    }),
  }

  // Interrupted turns whose identity still matches continue now; the others wait for the user.
  void agents.recoverInterrupted(interrupted).catch(() => undefined)
  // Servers marked "start with Keel" (trusted, enabled) start now; a failure becomes their status.
  mcpRuntime.autostart()
  // An automatic backup that fell due while Keel was closed is made now; the scheduler then waits for the next.
  if (!opened.readOnly) void scheduler.check()

  const core: KeelCore = {
    dataDir: paths.dataDir,
    async dispatch(channel: unknown, input: unknown): Promise<InvokeResult> {
      if (closed) return { ok: false, error: { kind: 'internal', message: 'Keel is shutting down.' } }
      if (!isChannel(channel)) return { ok: false, error: { kind: 'invalid-input', message: `Unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}.` } }
      const parsed = channels[channel].input.safeParse(input ?? {})
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        const field = issue.path.join('.') || '(input)'
        return { ok: false, error: { kind: 'invalid-input', message: `Invalid input for ${channel}: ${field}: ${issue.message}.`, field } }
      }
      try {
        const handler = handlers[channel] as (i: unknown) => Promise<unknown>
        const value = await handler(parsed.data)
        // The first write that works again after a storage fault: windows drop their "disk full" banner.
        if (storageFaulted && channel in UNSAVED_BY_CHANNEL) {
          storageFaulted = false
          emit('app', { reason: 'storage-recovered' })
        }
        return { ok: true, value: checkedOutput(channel, value) }
      } catch (err) {
        // Keel's own errors are expected outcomes; anything else is a bug worth a stack trace (never the input,
        // which may carry a key).
        // A full or read-only disk is a known condition: say which directory and what was not saved.
        const fault = asStorageFault(err, paths.dataDir, UNSAVED_BY_CHANNEL[channel] ?? 'this change')
        if (fault) {
          storageFaulted = true
          storageHealthyUntil = 0
          emit('app', { reason: 'storage-fault' })
          return { ok: false, error: fault.data }
        }
        if (!(err instanceof KeelError)) console.error(`[keel] unexpected error in ${channel}:`, err instanceof Error ? err.stack : err)
        return { ok: false, error: toErrorData(err) }
      }
    },
    focus(target) {
      emit('focus', target)
    },
    setWindowVisible(visible) {
      if (windowVisible === visible) return
      windowVisible = visible
      scheduleTray()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      if (trayTimer) clearTimeout(trayTimer)
      config.unwatch()
      try {
        await agents.stopAll()
        // Every server process group is stopped before the database (trust, ledger) closes.
        await mcpRuntime.stopAll().catch(() => undefined)
        // A backup being written finishes (or fails) before its database closes.
        await scheduler.stop()
        db.close()
      } finally {
        // Released last: the next writer may open the directory only once this one's database is closed.
        lock.release()
      }
    },
  }
  return core
}
