// MCP servers (issue #10): the entry as config.json holds it, the view the renderer gets, and the status words.
// One vocabulary for the runtime (src/main/core/mcp), the contract, Settings, diagnostics and the doctor.
// Secret values never appear here: an entry names its secrets (`secrets`), whose values live in the keychain as
// `mcp:<server id>:<NAME>` and are injected only into that server's process (env) or requests (headers).
import { z } from 'zod'
import { HeaderMap, HttpUrl, SingleLineText } from './domain'

/** Stable id of an MCP server entry: the tool source is `mcp:<id>` (see ToolSource in agent-profiles.ts). */
export const McpServerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes (at most 64), starting with a letter or digit')
export type McpServerId = z.infer<typeof McpServerId>

/** An environment variable name (stdio) or an HTTP header name (http) whose value is a secret kept in the keychain. */
export const McpSecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, "_", "." and "-", starting with a letter or "_"')
export type McpSecretName = z.infer<typeof McpSecretName>

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')

export const McpStdioTransport = z.strictObject({
  type: z.literal('stdio'),
  /** A program name looked up on the login shell's PATH, or an absolute path. */
  command: SingleLineText(1, 4096),
  args: z.array(z.string().max(4096)).max(200).default([]),
  cwd: z.string().max(4096).nullable().default(null),
  /** Plain (non-secret) environment for the server; secrets go in `secrets` and the keychain. */
  env: z.record(EnvName, z.string().max(32_768)).default({}),
})
export type McpStdioTransport = z.infer<typeof McpStdioTransport>

export const McpHttpTransport = z.strictObject({
  type: z.literal('http'),
  url: HttpUrl,
  /** Plain (non-secret) headers; `Authorization` and other secrets go in `secrets` and the keychain. */
  headers: HeaderMap.default({}),
})
export type McpHttpTransport = z.infer<typeof McpHttpTransport>

export const McpTransport = z.discriminatedUnion('type', [McpStdioTransport, McpHttpTransport])
export type McpTransport = z.infer<typeof McpTransport>

export const MCP_TIMEOUT_DEFAULT_MS = 60_000

/** One MCP server entry in config.json (`mcpServers`). */
export const McpServerEntry = z.strictObject({
  id: McpServerId,
  name: SingleLineText(1, 80),
  transport: McpTransport,
  enabled: z.boolean().default(true),
  /** Start at launch instead of when a session whose profile uses the server first needs it. */
  startWithKeel: z.boolean().default(false),
  /** Per-call timeout; progress notifications from the server reset it. */
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(MCP_TIMEOUT_DEFAULT_MS),
  /** Names of secret env vars (stdio) or headers (http); values are in the keychain as `mcp:<id>:<NAME>`. */
  secrets: z.array(McpSecretName).max(50).default([]),
})
export type McpServerEntry = z.infer<typeof McpServerEntry>

/** Where a start failed. */
/** Where a server failed: one of the start phases, or 'running' (it crashed or exited after it was ready). */
export const McpPhase = z.enum(['resolve', 'spawn', 'connect', 'initialize', 'list-tools', 'running'])
export type McpPhase = z.infer<typeof McpPhase>

export const McpServerStatus = z.discriminatedUnion('state', [
  z.object({ state: z.literal('disabled') }),
  z.object({ state: z.literal('stopped') }),
  /** A secret the entry names is not in the keychain: not started. */
  z.object({ state: z.literal('unresolved'), missingSecrets: z.array(z.string()), message: z.string() }),
  /** New, or its command/URL/args changed since the user trusted it: not started until trusted. */
  z.object({ state: z.literal('untrusted'), message: z.string() }),
  z.object({ state: z.literal('starting'), since: z.number() }),
  z.object({ state: z.literal('ready'), tools: z.number().int(), since: z.number() }),
  z.object({
    state: z.literal('failed'),
    phase: McpPhase,
    message: z.string(),
    exitCode: z.number().int().nullable(),
    /** The last lines the server wrote to stderr (secrets redacted). */
    stderrTail: z.array(z.string()),
    /** When Keel restarts it after a crash (backoff); null when it will not retry on its own. */
    restartAt: z.number().nullable(),
    attempts: z.number().int(),
  }),
])
export type McpServerStatus = z.infer<typeof McpServerStatus>

export const McpToolAnnotations = z.object({
  title: z.string().optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
})
export type McpToolAnnotations = z.infer<typeof McpToolAnnotations>

export const McpToolView = z.object({
  name: z.string(),
  description: z.string(),
  annotations: McpToolAnnotations,
  /** sha256 of the canonical input schema (grants are tied to it, invariant 16). */
  schemaHash: z.string(),
})
export type McpToolView = z.infer<typeof McpToolView>

/** What the renderer sees of a server: the entry without secret values, whether each secret is stored, status. */
export const McpServerView = z.object({
  entry: McpServerEntry,
  secrets: z.array(z.object({ name: z.string(), stored: z.boolean() })),
  status: McpServerStatus,
  /** Exactly what will run (command line with cwd, or the URL): shown on the trust prompt. */
  launch: z.string(),
  /** Hash of the launch spec the user must trust (passed back to mcp.trust, so a config edit in between asks again). */
  launchHash: z.string(),
  trusted: z.boolean(),
  tools: z.array(McpToolView),
})
export type McpServerView = z.infer<typeof McpServerView>

/** The form's fields: an entry without its id (the core makes one from the name) and with secret values. */
export const McpServerDraft = z.strictObject({
  name: SingleLineText(1, 80),
  transport: McpTransport,
  enabled: z.boolean().optional(),
  startWithKeel: z.boolean().optional(),
  timeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
  /** Secret values by name, stored in the keychain; never written to config.json. */
  secretValues: z.record(McpSecretName, z.string().min(1).max(16_384)).optional(),
})
export type McpServerDraft = z.infer<typeof McpServerDraft>

/** One phase of a server check (Settings → Test, `doctor --mcp`). */
export const McpCheckPhase = z.object({
  phase: McpPhase,
  ok: z.boolean(),
  ms: z.number(),
  detail: z.string(),
})
export const McpCheckReport = z.object({
  serverId: z.string(),
  name: z.string(),
  ok: z.boolean(),
  phases: z.array(McpCheckPhase),
  /** The PATH a stdio command was looked up on (login shell's, or the process's as a fallback), and where it came from. */
  path: z.string().nullable(),
  pathSource: z.enum(['login-shell', 'process']).nullable(),
  missingSecrets: z.array(z.string()),
  tools: z.array(z.string()),
  stderrTail: z.array(z.string()),
})
export type McpCheckReport = z.infer<typeof McpCheckReport>

export const McpImportSource = z.enum(['claude-desktop', 'vscode'])
export const McpImportResult = z.object({
  imported: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      secrets: z.array(z.string()),
      /** What the user must still do: a `${input:…}` secret to enter, an envFile that was not read, … */
      notes: z.array(z.string()).optional(),
    }),
  ),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
})
export type McpImportResult = z.infer<typeof McpImportResult>

/** The keychain account of one MCP secret. */
export function mcpSecretAccount(serverId: string, name: string): string {
  return `mcp:${serverId}:${name}`
}

/** The tool source of a server's tools (ledger, grants, profiles). */
export function mcpSource(serverId: string): `mcp:${string}` {
  return `mcp:${serverId}`
}
