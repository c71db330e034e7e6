// `npm run doctor -- --mcp` as a user runs it (a real Node process over a data directory, the real keychain, keel.db
// for trust): each enabled server is started in turn — the everything server over stdio — and reported phase by
// phase with timings, the PATH it was looked up on, missing secrets by name and the tools listed; a missing command,
// a missing secret and an untrusted server are each reported (the untrusted one is never run) and make the exit 1.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/core/sessions/database'
import { McpTrustStore } from '../../src/main/core/mcp/trust-store'
import { launchHash } from '../../src/main/core/mcp/launch'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { mcpSecretAccount, type McpCheckReport, type McpServerEntry } from '../../src/shared/mcp'
import { tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { doctorCli } from '../support/doctor-cli'
import { everythingEntry, mcpEntry } from '../support/mcp-servers'

const service = testKeychainService()
const doctor = doctorCli(service)
// The doctor is a real Node process (tsx transpiles it at start) that starts real servers: slow on a loaded machine.
const DOCTOR_MS = 120_000

function dataDirWith(entries: McpServerEntry[], trusted: McpServerEntry[]): string {
  const dataDir = tempDataDir('keel-doctor-mcp')
  const { db } = openDatabase(path.join(dataDir, 'keel.db'), path.join(dataDir, 'backups'))
  const trust = new McpTrustStore(db)
  for (const e of trusted) trust.trust(e.id, launchHash(e))
  db.close()
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ version: 1, mcpServers: entries }, null, 2))
  return dataDir
}

describe('doctor --mcp', () => {
  it('checks each enabled server in turn and exits 1 when one fails; an untrusted server is reported, not run', { timeout: DOCTOR_MS }, async () => {
    const everything = everythingEntry('everything', { name: 'Everything' })
    const needsKey = everythingEntry('needs-key', { secrets: ['API_KEY'] })
    const missingCmd = mcpEntry({ id: 'missing-cmd', transport: { type: 'stdio', command: 'keel-no-such-mcp-server' } })
    const marker = path.join(tempDataDir('keel-doctor-marker'), 'ran')
    const stranger = mcpEntry({ id: 'stranger', transport: { type: 'stdio', command: process.execPath, args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`] } })
    const off = everythingEntry('off', { enabled: false })
    const dataDir = dataDirWith([everything, needsKey, missingCmd, stranger, off], [everything, needsKey, missingCmd, off])

    const r = await doctor(dataDir, '--mcp', '--json')
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as { servers: McpCheckReport[]; skipped: Array<{ serverId: string }>; problems: number }
    expect(report.servers.map((s) => [s.serverId, s.ok])).toEqual([
      ['everything', true],
      ['needs-key', false],
      ['missing-cmd', false],
      ['stranger', false],
    ])
    expect(report.skipped).toEqual([{ serverId: 'off', name: 'off', reason: 'disabled' }])
    expect(report.problems).toBe(3)

    const [ok, keyless, notFound, untrusted] = report.servers
    expect(ok!.phases.map((p) => p.phase)).toEqual(['resolve', 'spawn', 'initialize', 'list-tools'])
    expect(ok!.phases.every((p) => p.ok && p.ms >= 0)).toBe(true)
    expect(ok!.tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']))
    expect(ok!.path).toBeTruthy()
    expect(['login-shell', 'process']).toContain(ok!.pathSource)
    expect(keyless).toMatchObject({ missingSecrets: ['API_KEY'], tools: [] })
    expect(notFound!.phases).toEqual([expect.objectContaining({ phase: 'resolve', ok: false })])
    expect(notFound!.phases[0]!.detail).toContain('keel-no-such-mcp-server')
    expect(notFound!.phases[0]!.detail).toContain(notFound!.path!)
    expect(untrusted!.phases[0]!.detail).toContain('not trusted')
    expect(fs.existsSync(marker)).toBe(false)
  })

  it('exits 0 when every enabled server starts; the text names the phases, the PATH and the tools, never the secret', { timeout: DOCTOR_MS }, async () => {
    const keyed = everythingEntry('keyed', { name: 'Keyed everything', secrets: ['API_KEY'] })
    const dataDir = dataDirWith([keyed], [keyed])
    const secret = testKey('doctor-mcp')
    await new Keychain(service).storeSecret(mcpSecretAccount('keyed', 'API_KEY'), secret)

    const r = await doctor(dataDir, '--mcp')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('ok  Keyed everything  (keyed)')
    for (const phase of ['resolve', 'spawn', 'initialize', 'list-tools']) expect(r.stdout).toMatch(new RegExp(`✓ ${phase}\\s+\\d+ ms`))
    expect(r.stdout).toMatch(/PATH \(from the login shell|PATH \(Keel's own/)
    expect(r.stdout).toMatch(/tools \(\d+\): .*get-env/)
    expect(r.stdout).toContain('1 MCP server(s) checked, no problems.')
    expect(r.stdout + r.stderr).not.toContain(secret)
  })
})
