// Keel's vocabulary as zod schemas. Everything that crosses the IPC contract is defined here, once; main, preload,
// renderer and the browser host all import these. Pure: no Node, no DOM, no Electron.
import { z } from 'zod'
import { AttachmentRef } from './attachments'
import { TurnUsageView } from './usage'
import { SessionFallbacks, StepFallbackView } from './fallback'
import { MessageVersions } from './branches'
import { SessionOverridesView } from './session-overrides'
import { STREAM_TIMEOUT_MAX_MS, STREAM_TIMEOUT_MIN_MS } from './stream-timeouts'
import { BackupSchedule } from './transfer'

export const PROVIDER_KINDS = [
  'openai',
  'anthropic',
  'openrouter',
  'gemini',
  'ollama',
  'lmstudio',
  'openai-compatible',
] as const
export const ProviderKind = z.enum(PROVIDER_KINDS)
export type ProviderKind = z.infer<typeof ProviderKind>

export const PROVIDER_APIS = ['openai-chat', 'openai-responses', 'anthropic-messages'] as const
export const ProviderApi = z.enum(PROVIDER_APIS)
export type ProviderApi = z.infer<typeof ProviderApi>

/** A provider entry id: a stable slug chosen at creation, never changed or reused. */
export const EntryId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter or digit')
export type EntryId = z.infer<typeof EntryId>

// C0 and C1 controls and DEL: a NUL or a line break in a one-line field breaks what displays or sends it.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const NO_CONTROL_CHARS = 'must not contain control characters (line breaks, tabs, NUL)'

/** A one-line text field (names, titles, ids): trimmed, and refused when it holds a control character. */
export const SingleLineText = (min: number, max: number) =>
  z.string().trim().min(min).max(max).refine((s) => !CONTROL_CHARS.test(s), NO_CONTROL_CHARS)

/** A wire model id, sent exactly as the provider lists it (may contain slashes: `qwen/qwen3.6-27b`). */
export const ModelId = SingleLineText(1, 256)

function hasUserinfo(u: string): boolean {
  try {
    const url = new URL(u)
    return url.username !== '' || url.password !== ''
  } catch {
    return false
  }
}

export const HttpUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')
  // A password in the URL would be shown wherever the base URL is (provider list, diagnostics, error text).
  .refine((u) => !hasUserinfo(u), 'must not contain a user name or password; put the secret in the API key, which is kept in the keychain')

/** RFC 9110 token characters: what a header name may be made of. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Visible ASCII, spaces and tabs: what a header value can carry (no CR/LF/NUL, no non-ASCII). */
const HTTP_FIELD_VALUE = /^[\t\x20-\x7e]*$/

/** Whether a header name / value can be sent as is (the provider form checks with these before saving). */
// `__proto__` is a token, but a JavaScript object cannot hold it as a key (zod drops it), so it is refused here.
export const isHeaderName = (name: string): boolean => HTTP_TOKEN.test(name) && name !== '__proto__'
export const isHeaderValue = (value: string): boolean => HTTP_FIELD_VALUE.test(value)

const HeaderRecord = z
  .record(z.string().min(1).max(128), z.string().max(4096).regex(HTTP_FIELD_VALUE, 'a header value must be printable ASCII (no line breaks, NUL or non-ASCII characters)'))
  // Names are checked here rather than by the key schema, whose failure zod reports only as "Invalid key in record".
  .superRefine((map, ctx) => {
    for (const name of Object.keys(map)) {
      if (!HTTP_TOKEN.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: "a header name must be letters, digits and !#$%&'*+-.^_`|~ only (no spaces, colons or line breaks)" })
    }
  })

/** The message for a header named `__proto__` (the provider form says the same). */
export const PROTO_HEADER_MESSAGE = 'the header name "__proto__" cannot be used (Keel cannot store a header under that name); remove it or rename it'

// A header named `__proto__` arrives as an own key of the parsed JSON (IPC, the browser host, config.json), but
// zod's record drops it without a word, so the entry would be saved without a header the user typed. The raw
// object is checked before zod sees it, and such a map is refused.
export const HeaderMap = z.preprocess((raw: Record<string, string>, ctx) => {
  if (typeof raw === 'object' && raw !== null && Object.prototype.hasOwnProperty.call(raw, '__proto__')) {
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: PROTO_HEADER_MESSAGE })
  }
  return raw
}, HeaderRecord)

/**
 * An API key as entered: trimmed, and refused unless an HTTP header can carry it (printable ASCII), since every
 * request would otherwise fail. The message never repeats the key.
 */
export const ApiKey = z
  .string()
  .trim()
  .min(1)
  .max(8192)
  .refine((k) => /^[\x20-\x7e]*$/.test(k), 'the API key contains characters an HTTP header cannot carry (only printable ASCII is allowed); paste the key again, without anything around it')

const TimeoutMs = z
  .number()
  .int('must be a whole number of milliseconds')
  .min(STREAM_TIMEOUT_MIN_MS, `must be at least ${STREAM_TIMEOUT_MIN_MS} ms`)
  .max(STREAM_TIMEOUT_MAX_MS, `must be at most ${STREAM_TIMEOUT_MAX_MS} ms (${STREAM_TIMEOUT_MAX_MS / 1000} s)`)

/** Per-entry stream timeouts (see stream-timeouts.ts for the defaults and bounds). */
export const StreamTimeouts = z.object({ firstByteMs: TimeoutMs.optional(), idleMs: TimeoutMs.optional() })
export type StreamTimeouts = z.infer<typeof StreamTimeouts>

export const ProviderEntry = z.object({
  id: EntryId,
  name: SingleLineText(1, 80),
  kind: ProviderKind,
  api: ProviderApi,
  baseUrl: HttpUrl,
  headers: HeaderMap.optional(),
  defaultModel: ModelId.optional(),
  /** A static model list from config, used when the endpoint has no models listing. */
  models: z.array(ModelId).optional(),
  /** A loopback or private server; derived from the URL when absent. */
  local: z.boolean().optional(),
  /** Whether requests need an API key from the keychain; derived from the kind when absent. */
  auth: z.enum(['api-key', 'none']).optional(),
  /** How long to wait on this entry's reply streams; each absent value takes the remote or local default. */
  timeouts: StreamTimeouts.optional(),
})
export type ProviderEntry = z.infer<typeof ProviderEntry>

export const AppDefault = z.object({ entryId: EntryId, model: ModelId })
export type AppDefault = z.infer<typeof AppDefault>

/** Where a session's credential was found (or why there is none). */
export const KeyStatus = z.enum(['stored', 'missing', 'not-needed', 'keychain-unavailable', 'keychain-locked'])
export type KeyStatus = z.infer<typeof KeyStatus>

export const ProviderEntryView = ProviderEntry.extend({
  keyStatus: KeyStatus,
  keychainAccount: z.string(),
  revision: z.string(),
})
export type ProviderEntryView = z.infer<typeof ProviderEntryView>

export const BindingMode = z.enum(['follow-default', 'pinned'])
export type BindingMode = z.infer<typeof BindingMode>

/** What the user asked for, as persisted on the session row: entry id + wire model id, never a resolved class. */
export const Binding = z.object({ entryId: EntryId, model: ModelId, mode: BindingMode })
export type Binding = z.infer<typeof Binding>

export const CredentialSource = z.enum(['keychain', 'none'])

/** The resolved runtime identity of a session: immutable, and free of secrets (it names the keychain account). */
export const RuntimeIdentity = z.object({
  entryId: EntryId,
  entryName: z.string(),
  kind: ProviderKind,
  api: ProviderApi,
  baseUrl: z.string(),
  model: z.string(),
  credential: z.object({
    account: z.string(),
    source: CredentialSource,
    present: z.boolean(),
    /** A one-way fingerprint of the key in use (never the key): shows when a key was rotated. */
    fingerprint: z.string().nullable(),
  }),
  catalogNamespace: z.string(),
  configRevision: z.string(),
  local: z.boolean(),
  resolvedAt: z.number(),
  identityKey: z.string(),
})
export type RuntimeIdentity = z.infer<typeof RuntimeIdentity>

export const UnresolvedReason = z.enum([
  'no-binding',
  'entry-missing',
  'key-missing',
  'keychain-unavailable',
  /** The keychain is there but locked: the key may well be stored, it just cannot be read now. */
  'keychain-locked',
  'config-invalid',
  /** The row names a resolved class ("custom"), not an entry: the user must pick the entry. */
  'not-an-entry',
  /** "Keep" was chosen for a previous runtime that cannot be rebuilt after a restart: the user must choose again. */
  'kept-runtime-lost',
])
export type UnresolvedReason = z.infer<typeof UnresolvedReason>

/** One field that differs between the runtime a session runs on and what the config resolves to now. */
export const IdentityDifference = z.object({ field: z.string(), active: z.string().nullable(), config: z.string().nullable() })
export type IdentityDifference = z.infer<typeof IdentityDifference>

export const IdentityState = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('resolved') }),
  /** A pinned session whose entry changed in config: it stays on its previous runtime until Apply. */
  z.object({
    kind: z.literal('config-changed'),
    message: z.string(),
    differences: z.array(IdentityDifference),
    /** The user chose Keep: stay on the previous runtime without asking again for this change. */
    kept: z.boolean(),
  }),
  z.object({
    kind: z.literal('unresolved'),
    reason: UnresolvedReason,
    message: z.string(),
    fix: z.string(),
  }),
])
export type IdentityState = z.infer<typeof IdentityState>

export const IdentitySnapshot = z.object({
  sessionId: z.string(),
  /** Monotonic per process: a renderer drops any snapshot older than the one it shows. */
  revision: z.number().int().nonnegative(),
  /** `live` comes from the agent in main; `persisted` is read from the session row only. */
  authority: z.enum(['live', 'persisted']),
  binding: Binding.nullable(),
  /** The display name of the bound entry in the current config (null when it no longer exists). */
  entryName: z.string().nullable(),
  state: IdentityState,
  identity: RuntimeIdentity.nullable(),
  /**
   * While a turn runs, `binding`/`state`/`identity` are what that turn uses; when the session was re-bound (or its
   * key or config changed) meanwhile, this is what the next turn will use. Null (or absent) otherwise.
   */
  next: z.object({ binding: Binding.nullable(), state: IdentityState, identity: RuntimeIdentity.nullable() }).nullable().optional(),
})
export type IdentitySnapshot = z.infer<typeof IdentitySnapshot>

/**
 * What a session's summary says about its agent profile (agent-profiles.ts): `missing` when the profile was
 * deleted (the session is never switched to another one in silence).
 */
export const SessionProfile = z.object({
  id: z.string(),
  name: z.string(),
  /** The revision the session ran its last turn with (the current one for a session without turns). */
  revision: z.string(),
  missing: z.boolean(),
  /** The profile changed since the session's last turn: the next turn uses the new version and says so. */
  changed: z.boolean(),
})
export type SessionProfile = z.infer<typeof SessionProfile>

export const SessionSummary = z.object({
  id: z.string(),
  title: z.string(),
  pinned: z.boolean(),
  archived: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int(),
  running: z.boolean(),
  /** A tool call of this session waits for the user's approval (the list and the tray say "needs approval"). */
  needsApproval: z.boolean().optional(),
  /** The latest turn was answered by a fallback: "answered by X — fallback from Y: reason" (issue #11); else absent. */
  fallback: z.string().nullable().optional(),
  identity: IdentitySnapshot,
  /** The agent profile the session runs. */
  profile: SessionProfile,
  /** The session's own workspace folder (overrides the profile's default); null or absent: none chosen. */
  workspace: z.string().nullable().optional(),
})
export type SessionSummary = z.infer<typeof SessionSummary>

export const ProducedWith = z.object({
  entryId: z.string(),
  model: z.string(),
  baseUrl: z.string(),
  api: z.string(),
  /** The entry's display name for the reply's identity line (issue #12): as its step recorded it, else as now. */
  entryName: z.string().optional(),
})

export const ChatMessage = z.object({
  id: z.string(),
  turnId: z.string().nullable(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** complete, or how an assistant reply ended early. */
  status: z.enum(['complete', 'stopped', 'interrupted']),
  createdAt: z.number(),
  producedWith: ProducedWith.nullable(),
  /** Set when other versions exist at this point of the conversation (edit, regenerate, retry; issue #12). */
  versions: MessageVersions.optional(),
  /** The files a user message was sent with, in order (issue #12). */
  attachments: z.array(AttachmentRef).optional(),
  /** On the active branch's last message only: the versions that could follow it but are not on the branch (a
   * regenerate that failed leaves the earlier reply here, one click away). */
  replyVersions: z.array(z.string()).optional(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

/** A user-renderable error: a kind, what it concerns, and what to do next. Never contains a secret. */
export const KeelErrorKind = z.enum([
  'invalid-input',
  'forbidden',
  'not-found',
  'conflict',
  'keychain-unavailable',
  'keychain-locked',
  'config-invalid',
  'database',
  /** The disk holding the data directory is full (SQLITE_FULL, ENOSPC). */
  'disk-full',
  /** The data directory cannot be written (read-only mount or permissions). */
  'read-only',
  'unresolved',
  'auth',
  'model-not-found',
  'rate-limited',
  'server',
  'network',
  'malformed-stream',
  /** A provider stopped sending (before headers, after headers, or mid-reply) for longer than the entry allows. */
  'timeout',
  /** A 2xx answer to a streaming request that is not a stream (an HTML login page, a JSON body, …). */
  'unexpected-response',
  'bad-request',
  'internal',
])
export type KeelErrorKind = z.infer<typeof KeelErrorKind>

export const KeelErrorData = z.object({
  kind: KeelErrorKind,
  message: z.string(),
  fix: z.string().optional(),
  entryId: z.string().optional(),
  status: z.number().optional(),
  field: z.string().optional(),
})
export type KeelErrorData = z.infer<typeof KeelErrorData>

/** Why an agent turn stopped to wait for the user (approvals, the step limit, a changed identity). */
export const TurnPauseView = z.object({
  reason: z.enum(['awaiting-approval', 'step-limit', 'identity-changed', 'unresolved']),
  message: z.string(),
  /** step-limit: the limit that was reached. */
  limit: z.number().int().optional(),
  /** identity-changed: how the runtime the next step would use differs from the turn's. */
  differences: z.array(IdentityDifference).optional(),
})
export type TurnPauseView = z.infer<typeof TurnPauseView>

export const TurnView = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'error', 'stopped', 'interrupted']),
  error: KeelErrorData.nullable(),
  /** Text checkpointed while streaming; shown for a running or interrupted turn. */
  partialText: z.string(),
  userMessageId: z.string().nullable(),
  startedAt: z.number(),
  /** Set while an agent turn waits for the user (its status is then 'stopped'). */
  pause: TurnPauseView.nullable().optional(),
  /** What the turn's steps consumed, as their providers reported it (issue #11); absent for turns before usage. */
  usage: TurnUsageView.nullable().optional(),
  /** Steps where the selected binding failed and fallbacks were tried: selected vs answered, and why (issue #11). */
  fallbacks: z.array(StepFallbackView).optional(),
})

/** A tool call of an agent turn, from the tool-call ledger, as the transcript shows it. */
export const ToolCallView = z.object({
  id: z.string(),
  providerCallId: z.string(),
  turnId: z.string(),
  step: z.number().int(),
  toolName: z.string(),
  /** 'builtin' or 'mcp:<server id>'. */
  source: z.string(),
  effect: z.enum(['read', 'write', 'execute', 'network']),
  state: z.enum(['proposed', 'awaiting-approval', 'approved', 'denied', 'running', 'succeeded', 'failed', 'timed-out', 'cancelled', 'interrupted']),
  /** The arguments as the model sent them (JSON text; shown whole on the approval card). */
  arguments: z.string(),
  /** The start of the result; null while the call has none. */
  resultPreview: z.string().nullable(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** How many images the result holds (an MCP tool's); tools.images gives them. Absent: none. */
  images: z.number().int().min(1).optional(),
})
export type ToolCallView = z.infer<typeof ToolCallView>

/** A step (one provider request) of an agent turn that ended in tool calls, with the text the model wrote in it. */
export const TurnStepView = z.object({
  turnId: z.string(),
  step: z.number().int(),
  text: z.string(),
  finishReason: z.enum(['tool-calls', 'text', 'stopped', 'error']).nullable(),
})
export type TurnStepView = z.infer<typeof TurnStepView>
export type TurnView = z.infer<typeof TurnView>

/** A turn a crash or forced quit interrupted, and what Keel does about it (invariant 9). */
export const RecoveryView = z.object({
  turnId: z.string(),
  status: z.enum(['pending', 'continuing', 'continued', 'declined', 'failed']),
  /** Empty when the re-resolved identity equals the one the turn ran on (then continuation is automatic). */
  differences: z.array(IdentityDifference),
  message: z.string(),
})
export type RecoveryView = z.infer<typeof RecoveryView>

/**
 * Where a run of messages sits in its session. Cursors are opaque keys (never offsets), so loading the next page
 * stays correct while messages are appended underneath.
 */
export const MessagePageInfo = z.object({
  /** Pass as `before` to sessions.messages for the page above; null when the session's first message is loaded. */
  olderCursor: z.string().nullable(),
  /** Pass as `after` for the page below; null when the latest message is loaded. */
  newerCursor: z.string().nullable(),
  /** The position after the last message here (null for no messages): `after` it, what was appended since. */
  endCursor: z.string().nullable(),
  /** How many messages the whole session holds. */
  total: z.number().int().nonnegative(),
})
export type MessagePageInfo = z.infer<typeof MessagePageInfo>

/** A contiguous run of a session's messages (oldest first) and the turns that belong to those messages. */
export const MessagePage = z.object({
  messages: z.array(ChatMessage),
  turns: z.array(TurnView),
  /** The tool calls and steps of the agent turns in `turns`, in order. */
  toolCalls: z.array(ToolCallView).optional(),
  steps: z.array(TurnStepView).optional(),
  page: MessagePageInfo,
})
export type MessagePage = z.infer<typeof MessagePage>

/** An open session: its latest page of messages (or the page around a search hit), not all of them. */
export const SessionView = z.object({
  session: SessionSummary,
  messages: z.array(ChatMessage),
  turns: z.array(TurnView),
  /** The tool calls and steps of the agent turns in `turns`, in order. */
  toolCalls: z.array(ToolCallView).optional(),
  steps: z.array(TurnStepView).optional(),
  page: MessagePageInfo,
  draft: z.string(),
  recovery: RecoveryView.nullable(),
})
export type SessionView = z.infer<typeof SessionView>

/** One page of the session list, in list order: pinned first, then most recently active (ties by id). */
export const SessionPage = z.object({
  items: z.array(SessionSummary),
  /** How many sessions the whole list holds. */
  total: z.number().int().nonnegative(),
  /** Keyset cursor after the last item (not an offset: stable while sessions change); null on the last page. */
  nextCursor: z.string().nullable(),
})
export type SessionPage = z.infer<typeof SessionPage>

/** Text with the matched terms marked, as segments, so the renderer never parses markup. */
export const HighlightedText = z.array(z.object({ text: z.string(), match: z.boolean() }))
export type HighlightedText = z.infer<typeof HighlightedText>

/**
 * A full-text match, best first: in a session's title, in one message (open it with `around: messageId`), or in one
 * tool call's name, arguments or result (`tool`; `messageId` is the user message of the call's turn, so `around`
 * opens the page that holds the call).
 */
export const SearchHit = z.object({
  session: SessionSummary,
  field: z.enum(['title', 'message', 'tool']),
  messageId: z.string().nullable(),
  snippet: HighlightedText,
  tool: z.object({ callId: z.string(), name: z.string(), turnId: z.string() }).optional(),
})
export type SearchHit = z.infer<typeof SearchHit>

export const SearchPage = z.object({ hits: z.array(SearchHit), nextCursor: z.string().nullable() })
export type SearchPage = z.infer<typeof SearchPage>

/**
 * What a `sessions` event says changed. `updated`: metadata, identity, messages or running state changed (re-read
 * its summary with sessions.summaries, and re-place it: its sort key may have moved). `deleted`: drop it.
 */
export const SessionChange = z.object({ id: z.string(), kind: z.enum(['created', 'updated', 'deleted']) })
export type SessionChange = z.infer<typeof SessionChange>

export const ConfigStatus = z.object({
  path: z.string(),
  revision: z.number().int(),
  /** Set while the file on disk is invalid: the last good config stays in force. */
  error: KeelErrorData.nullable(),
  watching: z.boolean(),
})

export const KeychainStatus = z.object({
  ok: z.boolean(),
  service: z.string(),
  error: KeelErrorData.nullable(),
})

/** Whether Keel can write its data directory now: checked with a write probe at startup and on every app.state. */
export const StorageStatus = z.object({
  writable: z.boolean(),
  /** A disk-full or read-only error naming the directory, or null when writes work. */
  problem: KeelErrorData.nullable(),
})

export const AppState = z.object({
  dataDir: z.string(),
  storage: StorageStatus,
  databasePath: z.string(),
  schemaVersion: z.number().int(),
  config: ConfigStatus,
  keychain: KeychainStatus,
  default: AppDefault.nullable(),
  runtime: z.enum(['electron', 'host']),
})
export type AppState = z.infer<typeof AppState>

export const ModelList = z.object({
  entryId: z.string(),
  models: z.array(z.string()),
  source: z.enum(['live', 'cache', 'static', 'none']),
  fetchedAt: z.number().nullable(),
  error: KeelErrorData.nullable(),
  /** entry id + base URL + credential reference: a list is only ever shown for its own namespace. */
  namespace: z.string(),
})
export type ModelList = z.infer<typeof ModelList>

/** A diagnostics cell: a value (or null for "none") in one of the four views. */
export const DiagnosticRow = z.object({
  field: z.string(),
  label: z.string(),
  active: z.string().nullable(),
  persisted: z.string().nullable(),
  config: z.string().nullable(),
  cached: z.string().nullable(),
  /** Which views disagree with the active one, and why, in words. Null when all views agree. */
  drift: z.object({ columns: z.array(z.enum(['persisted', 'config', 'cached'])), explanation: z.string() }).nullable(),
})
export type DiagnosticRow = z.infer<typeof DiagnosticRow>

/** A tool reference as a step offered it (grants are keyed by it: a changed schema hash asks again). */
export const OfferedToolView = z.object({ source: z.string(), name: z.string(), schemaHash: z.string() })

/** The agent side of a session's diagnostics (issue #9): its profile, what its last turn offered, its grants. */
export const AgentDiagnostics = z.object({
  /** The profile the session runs; `revision` is the current one, `sessionRevision` the one its last turn used. */
  profile: z.object({ id: z.string(), name: z.string().nullable(), revision: z.string().nullable(), sessionRevision: z.string().nullable(), missing: z.boolean() }),
  /** The latest turn that ran in steps (null when none has), and each step's identity key and offered tools. */
  lastTurn: z
    .object({
      turnId: z.string(),
      steps: z.array(
        z.object({
          step: z.number().int(),
          identityKey: z.string(),
          finishReason: z.enum(['tool-calls', 'text', 'stopped', 'error']).nullable(),
          /** null: recorded before Keel kept the offered tools (migration 009). */
          tools: z.array(OfferedToolView).nullable(),
        }),
      ),
    })
    .nullable(),
  /** What the last step offered (the same as the last step's `tools`); empty when no step ran. */
  toolsOffered: z.array(OfferedToolView).nullable(),
  /** The grants that apply to this session's calls: its own, its profile's ('agent') and 'always'. */
  grants: z.array(
    z.object({
      id: z.string(),
      scope: z.enum(['session', 'agent', 'always']),
      source: z.string(),
      toolName: z.string(),
      schemaHash: z.string(),
      effect: z.enum(['read', 'write', 'execute', 'network']),
      createdAt: z.number(),
    }),
  ),
})
export type AgentDiagnostics = z.infer<typeof AgentDiagnostics>

export const SessionDiagnostics = z.object({
  sessionId: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'unresolved', 'drifted', 'non-canonical', 'config-changed']),
  summary: z.string(),
  snapshot: IdentitySnapshot,
  rows: z.array(DiagnosticRow),
  appDefault: AppDefault.nullable(),
  /** How the stored binding would be canonicalized, when it is not canonical. */
  canonicalization: z.array(z.string()),
  /** The agent side (profile, tools offered per step, grants in force); absent where it is not read (the doctor). */
  agent: AgentDiagnostics.optional(),
  /** The session's fallback list, its unresolvable bindings and its latest turn's record (issue #11). */
  fallback: SessionFallbacks.optional(),
  /** The session's own instructions and parameters over its profile's, and what its requests carry (issue #12). */
  overrides: SessionOverridesView.optional(),
})
export type SessionDiagnostics = z.infer<typeof SessionDiagnostics>

export const MigrationRecord = z.object({ at: z.number(), version: z.number(), summary: z.string(), details: z.array(z.unknown()) })

export const AppDiagnostics = z.object({
  dataDir: z.string(),
  configPath: z.string(),
  configRevision: z.number(),
  configError: KeelErrorData.nullable(),
  watching: z.boolean(),
  keychain: KeychainStatus,
  keySource: z.string(),
  databasePath: z.string(),
  schemaVersion: z.number(),
  integrity: z.string(),
  migrations: z.array(MigrationRecord),
})
export type AppDiagnostics = z.infer<typeof AppDiagnostics>

/** The tray menu, computed by the core and mapped to a native menu by the Electron adapter (and mirrored in-app). */
export const TrayItem = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session'),
    sessionId: z.string(),
    label: z.string(),
    title: z.string(),
    /** Provider name · model from the session's identity snapshot. */
    detail: z.string(),
    /** needs-approval: a tool call waits for the user (before the identity markers: it is what to act on now). */
    marker: z.enum(['needs-approval', 'unresolved', 'config-changed']).nullable(),
    pinned: z.boolean(),
    /** The latest turn was answered by a fallback (the selected binding is still `detail`): who answered, and why. */
    fallback: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('separator') }),
  z.object({ type: z.literal('action'), action: z.enum(['new-session', 'toggle-window', 'diagnostics', 'quit']), label: z.string() }),
])
export type TrayItem = z.infer<typeof TrayItem>
export const TrayMenuModel = z.object({ items: z.array(TrayItem), revision: z.number() })
export type TrayMenuModel = z.infer<typeof TrayMenuModel>

export const ThemePreference = z.enum(['system', 'light', 'dark'])
export const Preferences = z.object({
  theme: ThemePreference,
  closeToTray: z.boolean(),
  /** Whether the "Keel keeps running in the tray" hint was shown once. */
  closeToTrayHintShown: z.boolean(),
  /** An Electron accelerator that shows Keel and starts a new session; empty to disable. */
  globalShortcut: z.string().max(64),
  notifyWhenHidden: z.boolean(),
  /** The sidebar is collapsed to a rail (Ctrl/Cmd+B); a narrow window collapses it whatever this says. */
  sidebarCollapsed: z.boolean(),
  /** Automatic backups of the whole of Keel and how many to keep (Settings → Data; src/shared/transfer.ts). */
  backupSchedule: BackupSchedule,
})
export type Preferences = z.infer<typeof Preferences>
