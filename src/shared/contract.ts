// The one IPC contract between the renderer and main (Electron IPC or the browser host's WebSocket).
// Every channel has a zod schema for its input and its output; every event has a schema for its payload.
// Main validates every input; the renderer validates what it receives. Channel names carry the `keel:` prefix
// on the wire (see `wireChannel`).
import { z } from 'zod'
import {
  ApiKey,
  AppDefault,
  AppState,
  EntryId,
  HeaderMap,
  HttpUrl,
  IdentitySnapshot,
  KeelErrorData,
  AppDiagnostics,
  ModelId,
  ModelList,
  Preferences,
  SessionDiagnostics,
  TrayMenuModel,
  ProviderApi,
  ProviderEntryView,
  ProviderKind,
  MessagePage,
  SearchPage,
  SessionChange,
  SessionPage,
  SessionSummary,
  SessionView,
  StreamTimeouts,
  SingleLineText,
  ToolCallView,
  TurnPauseView,
} from './domain'
import { ApprovalScope, CallPreview, EDITED_ARGUMENTS_MAX, GrantView } from './grants'
import { AgentProfileView, ProfileDraft, ProfileId, ProfilePatch, ProfilesState } from './agent-profiles'
import { McpCheckReport, McpImportResult, McpImportSource, McpSecretName, McpServerDraft, McpServerId, McpServerView } from './mcp'
import { ModelPrice, UsageDay, UsageGroupBy, UsageRow, UsageSummary } from './usage'
import { FallbackChain } from './agent-profiles'
import { SessionFallbacks } from './fallback'
import { BackupInfo, BackupName, BackupSchedule, DataStatus, ExportFormat, ImportFormat, ImportResult, PendingRestore } from './transfer'
import { SessionOverridesInput, SessionOverridesView } from './session-overrides'
import { ConnectionTestResult } from './connection-test'
import { ATTACHMENT_LIMITS, AttachmentChoice, AttachmentId, AttachmentName, AttachmentRef } from './attachments'

const SessionId = z.string().min(1).max(64)
const Ok = z.object({ ok: z.literal(true) })
/** An opaque paging cursor handed out by the core (never built by the renderer). */
const Cursor = z.string().min(1).max(200)
export const SESSION_PAGE_DEFAULT = 50
export const MESSAGE_PAGE_DEFAULT = 50
const SessionPageLimit = z.number().int().min(1).max(200)
const MessagePageLimit = z.number().int().min(1).max(500)

const ProviderDraft = z.object({
  name: SingleLineText(1, 80),
  kind: ProviderKind,
  api: ProviderApi.optional(),
  baseUrl: HttpUrl.optional(),
  headers: HeaderMap.optional(),
  defaultModel: ModelId.optional(),
  models: z.array(ModelId).optional(),
  local: z.boolean().optional(),
  auth: z.enum(['api-key', 'none']).optional(),
  timeouts: StreamTimeouts.optional(),
})

export const channels = {
  'app.state': { input: z.object({}), output: AppState },

  'providers.list': { input: z.object({}), output: z.array(ProviderEntryView) },
  'providers.create': {
    input: ProviderDraft.extend({ id: EntryId.optional(), key: ApiKey.optional() }),
    output: ProviderEntryView,
  },
  'providers.update': {
    input: z.object({
      id: EntryId,
      patch: ProviderDraft.partial().extend({
        headers: HeaderMap.nullable().optional(),
        defaultModel: ModelId.nullable().optional(),
        models: z.array(ModelId).nullable().optional(),
        /** null goes back to the defaults. */
        timeouts: StreamTimeouts.nullable().optional(),
      }),
    }),
    output: ProviderEntryView,
  },
  'providers.delete': { input: z.object({ id: EntryId }), output: Ok },
  /** The key travels renderer → main once, into the keychain; it is never sent back. */
  'providers.setKey': { input: z.object({ id: EntryId, key: ApiKey }), output: ProviderEntryView },
  'providers.deleteKey': { input: z.object({ id: EntryId }), output: ProviderEntryView },
  'providers.setDefault': { input: AppDefault, output: Ok },
  'providers.models': { input: z.object({ entryId: EntryId, refresh: z.boolean().optional() }), output: ModelList },
  /**
   * The provider form's "Test connection": lists the models of the form's unsaved values with the key typed there
   * or, without one, the key stored for `entryId`. Saves nothing; the key is never sent back.
   */
  'providers.testConnection': {
    input: z.object({ draft: ProviderDraft.extend({ name: SingleLineText(1, 80).optional() }), entryId: EntryId.optional(), key: ApiKey.optional() }),
    output: ConnectionTestResult,
  },

  /**
   * One page of the list (pinned, then recency); pass `nextCursor` back as `cursor` for the next page. Archived
   * sessions are left out; `archived: true` lists only them (the sidebar's Archived view).
   */
  'sessions.list': { input: z.object({ cursor: Cursor.optional(), limit: SessionPageLimit.optional(), archived: z.boolean().optional() }), output: SessionPage },
  /** The current summaries of some sessions (a page patching itself after a `sessions` event); missing ids are left out. */
  'sessions.summaries': { input: z.object({ ids: z.array(SessionId).max(200) }), output: z.array(SessionSummary) },
  /** Full-text search over titles and message text, ranked, with highlighted snippets. Any text is a valid query. */
  'sessions.search': {
    input: z.object({ query: z.string().max(200), cursor: Cursor.optional(), limit: SessionPageLimit.optional() }),
    output: SearchPage,
  },
  /**
   * A new session on `profileId`, or on the default profile. `reuseEmpty` (Ctrl/Cmd+N): an existing untitled
   * session of that profile with no messages is returned (moved to the top) instead of piling up another one.
   */
  'sessions.create': { input: z.object({ profileId: ProfileId.optional(), reuseEmpty: z.boolean().optional() }), output: SessionSummary },
  /** Runs an existing session as another agent profile from its next turn (e.g. after its profile was deleted). */
  'sessions.setProfile': { input: z.object({ id: SessionId, profileId: ProfileId }), output: SessionSummary },
  /** The latest page of messages, or with `around` the page centred on that message (a search hit). */
  'sessions.open': {
    input: z.object({ id: SessionId, around: z.string().min(1).max(64).optional(), limit: MessagePageLimit.optional() }),
    output: SessionView,
  },
  /** The page above `before` (scrolling up) or below `after` (scrolling down after a jump); neither: the latest. */
  'sessions.messages': {
    input: z.object({ id: SessionId, before: Cursor.optional(), after: Cursor.optional(), limit: MessagePageLimit.optional() }),
    output: MessagePage,
  },
  'sessions.rename': { input: z.object({ id: SessionId, title: SingleLineText(1, 200) }), output: SessionSummary },
  'sessions.pin': { input: z.object({ id: SessionId, pinned: z.boolean() }), output: SessionSummary },
  'sessions.archive': { input: z.object({ id: SessionId, archived: z.boolean() }), output: SessionSummary },
  /** The session's own workspace folder (an existing folder, absolute path), or null to use the profile's again. */
  'sessions.setWorkspace': { input: z.object({ id: SessionId, path: z.string().max(4096).nullable() }), output: SessionSummary },
  /** The fallback list a session uses (its own, or its profile's) and which of its bindings cannot resolve now (issue #11). */
  'sessions.fallbacks': { input: z.object({ id: SessionId }), output: SessionFallbacks },
  /** A session's own fallback list, overriding its profile's ({ bindings: [] } turns fallback off); null: the profile's again. */
  'sessions.setFallbacks': { input: z.object({ id: SessionId, chain: FallbackChain.nullable() }), output: SessionFallbacks },
  /** Which bindings of a fallback list cannot resolve now (Settings → Agents shows them next to the list). */
  'fallbacks.check': { input: z.object({ chain: FallbackChain }), output: SessionFallbacks.shape.problems },
  /** A session's own instructions and parameters over its profile's, and what its next request carries (issue #12). */
  'sessions.overrides': { input: z.object({ id: SessionId }), output: SessionOverridesView },
  /** Sets both overrides; null clears one back to the profile's (temperature 0–2, max output tokens > 0, an effort level). */
  'sessions.setOverrides': { input: SessionOverridesInput.extend({ id: SessionId }), output: SessionOverridesView },
  'sessions.delete': { input: z.object({ id: SessionId }), output: Ok },
  /** Picking a provider/model for a session pins it; only that session changes. */
  'sessions.bind': { input: z.object({ id: SessionId, entryId: EntryId, model: ModelId }), output: SessionSummary },
  'sessions.followDefault': { input: z.object({ id: SessionId }), output: SessionSummary },
  'sessions.saveDraft': { input: z.object({ id: SessionId, text: z.string().max(1_000_000) }), output: Ok },

  /** Re-resolve from the binding + current config + keychain (also Apply for a config-changed session). */
  'sessions.reresolve': { input: z.object({ id: SessionId }), output: SessionSummary },
  /** Keep the previous runtime of a pinned session whose entry changed in config. */
  'sessions.keepRuntime': { input: z.object({ id: SessionId }), output: SessionSummary },
  /** Refresh the model catalog of the session's active identity (never the app default's). */
  'sessions.refreshModels': { input: z.object({ id: SessionId }), output: ModelList },
  /** Continue a turn a crash interrupted, on the current runtime, after the user saw the difference. */
  'sessions.continue': { input: z.object({ id: SessionId }), output: z.object({ turnId: z.string() }) },
  'sessions.dismissRecovery': { input: z.object({ id: SessionId }), output: Ok },

  /** Agent profiles (built-in and config.json's), the default one, and the tools a profile can offer. */
  'profiles.list': { input: z.object({}), output: ProfilesState },
  'profiles.create': { input: ProfileDraft.extend({ id: ProfileId.optional() }), output: AgentProfileView },
  'profiles.update': { input: z.object({ id: ProfileId, patch: ProfilePatch }), output: AgentProfileView },
  'profiles.duplicate': { input: z.object({ id: ProfileId, name: SingleLineText(1, 80).optional() }), output: AgentProfileView },
  /** Refused for built-in profiles and for the default; the id is retired (never reused). */
  'profiles.delete': { input: z.object({ id: ProfileId }), output: Ok },
  'profiles.setDefault': { input: z.object({ id: ProfileId }), output: Ok },

  'diagnostics.session': { input: z.object({ id: SessionId }), output: SessionDiagnostics },
  'diagnostics.app': { input: z.object({}), output: AppDiagnostics },
  'diagnostics.clearCaches': { input: z.object({}), output: Ok },
  /** A redacted JSON report (no secrets) for one session or all, for Copy report. */
  'diagnostics.report': { input: z.object({ id: SessionId.optional() }), output: z.object({ json: z.string() }) },

  /** Tray quick-resume: re-resolve the session (key re-read by entry id) and bring the window to it. */
  'sessions.quickResume': { input: z.object({ id: SessionId }), output: SessionSummary },
  'tray.menu': { input: z.object({}), output: TrayMenuModel },
  'preferences.get': { input: z.object({}), output: Preferences },
  'preferences.set': { input: Preferences.partial(), output: Preferences },

  /**
   * `attachments`: staged files (attachments.stage) sent with the text, in order; the text may then be empty. Limits,
   * types and whether the model takes images are checked before anything is stored or sent.
   */
  'chat.send': {
    input: z
      .object({ sessionId: SessionId, text: z.string().trim().max(1_000_000), attachments: z.array(AttachmentChoice).max(100).optional() })
      .superRefine((v, ctx) => {
        if (v.text === '' && !(v.attachments && v.attachments.length > 0)) ctx.addIssue({ code: 'custom', path: ['text'], message: 'Type a message or attach a file' })
      }),
    output: z.object({ turnId: z.string() }),
  },
  /**
   * Keeps a file for a message to come (content-addressed in the data directory; a failed send loses nothing) and
   * says what Keel found it to be. The bytes come inline (`dataBase64`) or as an upload sent in pieces first
   * (`uploadId`, for files over the transport's message size). Refused with a clear error: unsupported types, too large.
   */
  'attachments.stage': {
    input: z.object({
      name: AttachmentName,
      /** What the picker or clipboard said; Keel goes by the bytes. */
      mime: z.string().max(200).optional(),
      dataBase64: z.string().max(Math.ceil((ATTACHMENT_LIMITS.chunkBytes * 4) / 3) + 8).optional(),
      uploadId: z.string().uuid().optional(),
    }),
    output: AttachmentRef,
  },
  /** One piece (at most ATTACHMENT_LIMITS.chunkBytes) of a file being uploaded for attachments.stage. */
  'attachments.upload': {
    input: z.object({ uploadId: z.string().uuid(), dataBase64: z.string().min(1).max(Math.ceil((ATTACHMENT_LIMITS.chunkBytes * 4) / 3) + 8) }),
    output: z.object({ size: z.number().int() }),
  },
  /** An attached image's bytes, for its thumbnail (only files Keel keeps, by their content address). */
  'attachments.image': {
    input: z.object({ id: AttachmentId }),
    output: z.object({ mime: z.string(), dataBase64: z.string() }),
  },
  'chat.stop': { input: z.object({ sessionId: SessionId }), output: Ok },
  /**
   * Edit + resend (issue #12): a new version of the user message `messageId` with `text`, answered by a new turn; the
   * earlier version and everything after it stay stored and reachable. Refused while a turn runs.
   */
  'chat.edit': {
    input: z.object({ sessionId: SessionId, messageId: z.string().min(1).max(64), text: z.string().trim().min(1).max(1_000_000) }),
    output: z.object({ turnId: z.string(), messageId: z.string() }),
  },
  /**
   * Regenerate the reply `messageId` as a new version. With `entryId` + `model`, the session is first bound to them
   * exactly as the model picker does (`sessions.bind`: the user's choice, through the identity rules), and the new
   * reply records the identity that produced it. Refused while a turn runs.
   */
  'chat.regenerate': {
    input: z.object({ sessionId: SessionId, messageId: z.string().min(1).max(64), entryId: EntryId.optional(), model: ModelId.optional() }),
    output: z.object({ turnId: z.string() }),
  },
  /** Retry after an error: the failed message of the active branch is answered again, nothing retyped. */
  'chat.retry': { input: z.object({ sessionId: SessionId }), output: z.object({ turnId: z.string() }) },
  /** Moves the session to the version `messageId` (and the newest branch under it): what is shown and sent next. */
  'sessions.selectBranch': { input: z.object({ sessionId: SessionId, messageId: z.string().min(1).max(64) }), output: z.object({ leafId: z.string() }) },

  /** Every stored grant (Settings → Agents), newest first, with the session or profile it covers. */
  'grants.list': { input: z.object({}), output: z.array(GrantView) },
  /** Removes a grant: the next matching call asks again. */
  'grants.revoke': { input: z.object({ id: z.string().min(1).max(64) }), output: Ok },
  /**
   * The approval card's Allow: runs the call waiting for approval (with `editedArguments`, JSON text of an object,
   * instead of what the model proposed) and, unless `scope` is 'once', stores a grant for the tool reference.
   */
  'tools.approve': {
    input: z.object({ callId: z.string().min(1).max(64), scope: ApprovalScope, editedArguments: z.string().max(EDITED_ARGUMENTS_MAX).optional() }),
    output: Ok,
  },
  /** The approval card's diff: what the call (with `editedArguments`, if given) would change, without changing it. */
  'tools.preview': {
    input: z.object({ callId: z.string().min(1).max(64), editedArguments: z.string().max(EDITED_ARGUMENTS_MAX).optional() }),
    output: CallPreview,
  },
  /** The approval card's Deny: the call is answered "denied by the user" (with the reason, if given) for the model. */
  'tools.deny': { input: z.object({ callId: z.string().min(1).max(64), reason: z.string().max(4000).optional() }), output: Ok },
  /** Continues a paused agent turn: `steps` more after the step limit, or on the new identity after a change. */
  'chat.continueTurn': { input: z.object({ sessionId: SessionId, steps: z.number().int().min(1).max(1000).optional() }), output: Ok },
  /**
   * "Run again" for a call that was interrupted, failed, timed out or was cancelled (never automatic): a NEW call in
   * a new turn of its session, asked for approval as usual; the old call keeps its result. Refused while a turn runs.
   */
  'tools.runAgain': { input: z.object({ callId: z.string().min(1).max(64) }), output: z.object({ turnId: z.string(), callId: z.string() }) },
  /**
   * A call's whole result for the tool row's "Show full result", `length` characters (default 256 k) from `offset`:
   * the kept file of a result over the cap, else the ledger's text; redacted of the entry's secrets. `truncated`:
   * more follows (ask again from offset + text.length).
   */
  /** The images a call's tool returned (an MCP server's), for the tool row; none when it kept none. */
  'tools.images': {
    input: z.object({ callId: z.string().min(1).max(64) }),
    output: z.object({ images: z.array(z.object({ mimeType: z.string(), data: z.string() })) }),
  },
  'tools.result': {
    input: z.object({ callId: z.string().min(1).max(64), offset: z.number().int().min(0).optional(), length: z.number().int().min(1).max(4 * 1024 * 1024).optional() }),
    output: z.object({ text: z.string(), offset: z.number().int(), total: z.number().int(), truncated: z.boolean() }),
  },

  /** MCP servers (Settings → MCP servers): config.json's entries with their secrets' presence, status, launch and tools. */
  'mcp.list': { input: z.object({}), output: z.array(McpServerView) },
  /** A new entry (its id made from the name, never a retired one); `secretValues` go to the keychain, never to config.json. */
  'mcp.create': { input: McpServerDraft, output: McpServerView },
  /** Patches an entry as the file holds it now; a secret value of null removes that secret (and its keychain item). */
  'mcp.update': {
    input: z.object({
      id: McpServerId,
      patch: McpServerDraft.partial().extend({ secretValues: z.record(McpSecretName, z.string().min(1).max(16_384).nullable()).optional() }),
    }),
    output: McpServerView,
  },
  /** Removes the entry (the UI confirms first), deletes every keychain item of the server and retires its id. */
  'mcp.delete': { input: z.object({ id: McpServerId }), output: Ok },
  'mcp.setEnabled': { input: z.object({ id: McpServerId, enabled: z.boolean() }), output: McpServerView },
  'mcp.restart': { input: z.object({ id: McpServerId }), output: McpServerView },
  /** Trusts the launch the user was shown; refused when `launchHash` is no longer the entry's (the config changed since). */
  'mcp.trust': { input: z.object({ id: McpServerId, launchHash: z.string().min(1).max(128) }), output: McpServerView },
  /** Starts the server apart from the running one, reports each phase, stops it (Settings → Test). */
  'mcp.test': { input: z.object({ id: McpServerId }), output: McpCheckReport },
  /** Imports a Claude Desktop or VS Code config's servers: env and header values go to the keychain, never to config.json. */
  'mcp.import': { input: z.object({ source: McpImportSource, text: z.string().min(1).max(1_000_000) }), output: McpImportResult },

  /** Settings → Usage: steps ended between two UTC days (inclusive), grouped by day, entry, model, profile or identity. */
  'usage.summary': { input: z.object({ from: UsageDay, to: UsageDay, groupBy: UsageGroupBy }), output: UsageSummary },
  /** The same range, one row per step, as CSV text (empty cells: not reported / no price). */
  'usage.csv': { input: z.object({ from: UsageDay, to: UsageDay }), output: z.object({ csv: z.string(), filename: z.string() }) },
  /** A session's totals, by identity (entry + model) when it used several. */
  'usage.session': { input: z.object({ id: SessionId }), output: z.object({ rows: z.array(UsageRow) }) },
  /** An entry's price table (config.json `prices`), by wire model id. */
  'prices.get': { input: z.object({ entryId: EntryId }), output: z.object({ prices: z.record(z.string(), ModelPrice) }) },
  /** Sets (or with null removes) one model's price; later steps use it, earlier ones keep the price they ended with. */
  'prices.set': { input: z.object({ entryId: EntryId, model: ModelId, price: ModelPrice.omit({ source: true }).nullable() }), output: z.object({ prices: z.record(z.string(), ModelPrice) }) },

  /** Settings → Data (issue #12; docs/transfer.md): the backups folder, the schedule, a restore waiting for the next start. */
  'data.status': { input: z.object({}), output: DataStatus },
  /** A backup of the whole of Keel (database, config, preferences, attachments; never a key) into the backups folder. */
  'data.backupNow': { input: z.object({}), output: BackupInfo },
  /** A backup file's bytes (base64), for the renderer to save where the user wants it. */
  'data.readBackup': { input: z.object({ name: BackupName }), output: z.object({ name: z.string(), base64: z.string() }) },
  /** The automatic backup schedule (kept in preferences.json) and how many automatic backups to keep. */
  'data.setSchedule': { input: BackupSchedule, output: DataStatus },
  /** A chunk of a file the user picked (a backup to restore, a file to import); pass the returned id back for the next. */
  'data.upload': { input: z.object({ uploadId: z.string().regex(/^[0-9a-f]{24}$/).optional(), chunk: z.string().max(1_400_000) }), output: z.object({ uploadId: z.string(), size: z.number().int() }) },
  /**
   * Checks a backup (from the backups folder, or uploaded) and stages it: the next start of Keel backs the current
   * data up, then replaces it. Refused for a file that is not a Keel backup or comes from a newer Keel.
   */
  'data.restore': { input: z.union([z.object({ name: BackupName }), z.object({ uploadId: z.string().regex(/^[0-9a-f]{24}$/) })]), output: PendingRestore },
  'data.cancelRestore': { input: z.object({}), output: Ok },
  /** One session as Markdown (the branch shown) or Keel JSON (the whole tree); never a key. */
  'data.exportSession': { input: z.object({ id: SessionId, format: ExportFormat }), output: z.object({ text: z.string(), filename: z.string() }) },
  /** Every session in one file. */
  'data.exportAll': { input: z.object({ format: ExportFormat }), output: z.object({ text: z.string(), filename: z.string(), count: z.number().int() }) },
  /** Imports a Keel JSON export or ChatGPT's conversations.json (text, or an upload): all of it or nothing. */
  'data.import': {
    input: z.object({ format: ImportFormat, text: z.string().max(1_400_000).optional(), uploadId: z.string().regex(/^[0-9a-f]{24}$/).optional(), fileName: z.string().max(300).optional() }),
    output: ImportResult,
  },
} as const

export type Channel = keyof typeof channels
export type ChannelInput<C extends Channel> = z.input<(typeof channels)[C]['input']>
export type ChannelOutput<C extends Channel> = z.infer<(typeof channels)[C]['output']>

export const ChatEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('turn-started'), sessionId: z.string(), turnId: z.string(), userMessageId: z.string() }),
  z.object({ type: z.literal('delta'), sessionId: z.string(), turnId: z.string(), text: z.string() }),
  z.object({
    type: z.literal('turn-ended'),
    sessionId: z.string(),
    turnId: z.string(),
    status: z.enum(['done', 'stopped', 'error']),
    error: KeelErrorData.nullable(),
    assistantMessageId: z.string().nullable(),
    /** An agent turn that stopped to wait for the user says why. */
    pause: TurnPauseView.nullable().optional(),
  }),
  /** A tool call arrived or changed state (the ledger row as it now is). */
  z.object({ type: z.literal('tool-call'), sessionId: z.string(), turnId: z.string(), call: ToolCallView }),
  /**
   * A tool call's arguments while they stream, before the call exists in the ledger: the text so far (redacted;
   * not valid JSON until complete), at most every 100 ms per call. The call's first `tool-call` event follows
   * with the whole arguments; `index` is its position in the step (the same as the call's).
   */
  z.object({
    type: z.literal('tool-call-delta'),
    sessionId: z.string(),
    turnId: z.string(),
    step: z.number().int(),
    index: z.number().int(),
    providerCallId: z.string(),
    toolName: z.string(),
    argumentsSoFar: z.string(),
  }),
])
export type ChatEvent = z.infer<typeof ChatEvent>

export const events = {
  identity: IdentitySnapshot,
  /** `changes` names the sessions that changed; `all` means every session may have (config, keys): re-read loaded pages. */
  sessions: z.object({ reason: z.string(), changes: z.array(SessionChange), all: z.boolean() }),
  providers: z.object({ reason: z.string() }),
  chat: ChatEvent,
  app: z.object({ reason: z.string() }),
  /** Something the user should read once: a follow-default switch, a continuation, a key change. */
  notice: z.object({ sessionId: z.string().nullable(), level: z.enum(['info', 'warning']), text: z.string() }),
  tray: TrayMenuModel,
  /** Main asks the window to show something: a session (quick-resume), a new session, diagnostics. */
  focus: z.object({ sessionId: z.string().nullable(), view: z.enum(['session', 'new-session', 'diagnostics', 'settings']) }),
  preferences: Preferences,
  /** An MCP server's status, tool list or entry changed (null: several or all): re-read mcp.list. */
  mcp: z.object({ reason: z.string(), serverId: z.string().nullable() }),
} as const

export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>

export const channelNames = Object.keys(channels) as Channel[]
export const eventNames = Object.keys(events) as EventName[]

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name)
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name)
}

/** Invocation results are envelopes so that a typed error survives any transport. */
export const InvokeResult = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: KeelErrorData }),
])
export type InvokeResult<T = unknown> = { ok: true; value: T } | { ok: false; error: KeelErrorData }

/** Electron IPC channel names; the browser host uses the same names as WebSocket message types. */
export const WIRE = { invoke: 'keel:invoke', event: 'keel:event' } as const

/** The surface the preload (or the host's WebSocket bridge) gives the renderer: nothing else. */
export interface KeelBridge {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<InvokeResult<ChannelOutput<C>>>
  subscribe<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void
}
