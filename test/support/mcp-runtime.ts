// An McpServers runtime on real parts for tests: a real keel.db (trust), a Keychain with this test's own service,
// and entries the test changes as config.json would. The login environment is this process's (a test must not
// depend on the runner's shell profile); the login shell itself is tested in mcp-login-environment.test.ts.
import path from 'node:path'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { openDatabase } from '../../src/main/core/sessions/database'
import { McpServers, type McpServersOptions } from '../../src/main/core/mcp/mcp-servers'
import { McpTrustStore } from '../../src/main/core/mcp/trust-store'
import { launchHash } from '../../src/main/core/mcp/launch'
import { processEnvironment } from '../../src/main/core/mcp/login-environment'
import type { McpServerEntry, McpServerStatus } from '../../src/shared/mcp'
import { mcpSecretAccount } from '../../src/shared/mcp'
import { tempDataDir, testKeychainService } from './core-harness'

export interface RuntimeHarness {
  runtime: McpServers
  keychain: Keychain
  trust: McpTrustStore
  entries: McpServerEntry[]
  dataDir: string
  /** Trusts the entry's current launch spec, as the trust prompt does. */
  trustEntry(entry: McpServerEntry): void
  storeSecret(serverId: string, name: string, value: string): Promise<void>
  /** Resolves with the status once `match` holds (checked now and at each onChange). */
  waitForStatus(serverId: string, match: (s: McpServerStatus) => boolean, timeoutMs?: number): Promise<McpServerStatus>
  close(): Promise<void>
}

export function openRuntime(entries: McpServerEntry[], options: Partial<McpServersOptions> = {}): RuntimeHarness {
  const dataDir = tempDataDir('keel-mcp')
  const { db } = openDatabase(path.join(dataDir, 'keel.db'), path.join(dataDir, 'backups'))
  const keychain = new Keychain(testKeychainService())
  const trust = new McpTrustStore(db)
  const list = [...entries]
  const runtime = new McpServers({
    entries: () => list,
    readSecret: (account) => keychain.readSecret(account),
    trust,
    loginEnvironment: async () => processEnvironment(),
    ...options,
  })
  return {
    runtime,
    keychain,
    trust,
    entries: list,
    dataDir,
    trustEntry: (entry) => trust.trust(entry.id, launchHash(entry)),
    storeSecret: (serverId, name, value) => keychain.storeSecret(mcpSecretAccount(serverId, name), value),
    waitForStatus(serverId, match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = runtime.status(serverId)
          if (!match(s)) return false
          clearTimeout(timer)
          off()
          resolve(s)
          return true
        }
        const off = runtime.onChange((id) => {
          if (id === serverId) check()
        })
        const timer = setTimeout(() => {
          off()
          reject(new Error(`status of ${serverId} never matched; last: ${JSON.stringify(runtime.status(serverId))}`))
        }, timeoutMs)
        check()
      })
    },
    async close() {
      await runtime.stopAll()
      db.close()
    },
  }
}
