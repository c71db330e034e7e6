// `npm run doctor -- --mcp`: starts each enabled MCP server of config.json in turn, apart from any running Keel, with
// the same check as Settings → Test (McpServers.check: each phase with its time, the PATH a command was looked up on
// and where it came from, missing secrets by name, the tools listed, the last stderr lines), calls no tool, and stops
// it again. Secrets are read from the keychain and trust from keel.db (read-only): an untrusted server is reported,
// never run — the doctor must not be a way around the trust prompt.
import fs from 'node:fs'
import Database from 'better-sqlite3'
import type { KeelErrorData } from '../../../shared/domain'
import type { McpCheckReport } from '../../../shared/mcp'
import { parseConfigText, type KeelConfig } from '../config/config-schema'
import { KeelError } from '../errors'
import { McpServers } from '../mcp/mcp-servers'
import { McpTrustStore } from '../mcp/trust-store'
import type { LoginEnvironment } from '../mcp/login-environment'
import { dataPaths } from '../paths'
import { DEFAULT_KEYCHAIN_SERVICE, Keychain } from '../secrets/keychain'

export interface McpDoctorOptions {
  dataDir: string
  keychainService?: string
  loginEnvironment?: () => Promise<LoginEnvironment>
}

export interface McpDoctorReport {
  dataDir: string
  configPath: string
  configError: KeelErrorData | null
  /** One check per enabled server, in config order. */
  servers: McpCheckReport[]
  /** Servers not checked, and why (disabled). */
  skipped: Array<{ serverId: string; name: string; reason: string }>
  problems: number
}

export async function runMcpDoctor(options: McpDoctorOptions): Promise<McpDoctorReport> {
  const paths = dataPaths(options.dataDir)
  let config: KeelConfig | null = null
  let configError: KeelErrorData | null = null
  if (fs.existsSync(paths.config)) {
    try {
      config = parseConfigText(fs.readFileSync(paths.config, 'utf8'), paths.config)
    } catch (err) {
      configError = err instanceof KeelError ? err.data : { kind: 'config-invalid', message: 'config.json could not be read.' }
    }
  }
  const entries = config?.mcpServers ?? []
  const trustDb = openTrust(paths.database)
  const keychain = new Keychain(options.keychainService ?? DEFAULT_KEYCHAIN_SERVICE)
  const runtime = new McpServers({
    entries: () => entries,
    readSecret: (account) => keychain.readSecret(account),
    trust: new McpTrustStore(trustDb),
    ...(options.loginEnvironment ? { loginEnvironment: options.loginEnvironment } : {}),
  })
  const servers: McpCheckReport[] = []
  const skipped: McpDoctorReport['skipped'] = []
  try {
    // One at a time: each check's timings are its own, and a machine is not asked to start every server at once.
    for (const entry of entries) {
      if (!entry.enabled) {
        skipped.push({ serverId: entry.id, name: entry.name, reason: 'disabled' })
        continue
      }
      servers.push(await runtime.check(entry.id))
    }
  } finally {
    await runtime.stopAll()
    trustDb.close()
  }
  return { dataDir: paths.dataDir, configPath: paths.config, configError, servers, skipped, problems: servers.filter((s) => !s.ok).length + (configError ? 1 : 0) }
}

/** keel.db read-only when it has the trust table (schema 12+); otherwise nothing is trusted (an empty table in memory). */
function openTrust(file: string): Database.Database {
  if (fs.existsSync(file)) {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mcp_trust'").get()) return db
    db.close()
  }
  const empty = new Database(':memory:')
  empty.exec('CREATE TABLE mcp_trust (server_id TEXT PRIMARY KEY, launch_hash TEXT NOT NULL, trusted_at INTEGER NOT NULL)')
  return empty
}

export function formatMcpDoctorReport(r: McpDoctorReport): string {
  const out: string[] = []
  out.push(`Keel doctor (MCP servers) — ${r.dataDir}`)
  out.push(`  config    ${r.configPath}${r.configError ? `  INVALID: ${r.configError.message}` : ''}`)
  for (const s of r.servers) {
    out.push('')
    out.push(`${s.ok ? 'ok' : 'FAILED'}  ${s.name}  (${s.serverId})`)
    for (const p of s.phases) out.push(`  ${p.ok ? '✓' : '✗'} ${p.phase.padEnd(10)} ${`${Math.round(p.ms)} ms`.padStart(8)}  ${p.detail}`)
    if (s.path !== null) out.push(`    PATH (${s.pathSource === 'login-shell' ? 'from the login shell' : "Keel's own; the login shell could not be read"}): ${s.path}`)
    if (s.missingSecrets.length > 0) out.push(`    missing secrets: ${s.missingSecrets.join(', ')} (store them in Settings → MCP servers)`)
    if (s.ok) out.push(`    tools (${s.tools.length}): ${s.tools.join(', ') || '—'}`)
    if (s.stderrTail.length > 0) {
      out.push('    stderr (last lines):')
      for (const line of s.stderrTail) out.push(`      ${line}`)
    }
  }
  for (const s of r.skipped) out.push('', `skipped  ${s.name}  (${s.serverId}): ${s.reason}`)
  out.push('')
  const n = r.servers.length
  out.push(r.problems === 0 ? `${n} MCP server(s) checked, no problems.` : `${n} MCP server(s) checked, ${r.problems} problem(s).`)
  return out.join('\n')
}
