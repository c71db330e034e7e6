// The keychain items a data directory uses, by account name only: a backup lists them so that whoever restores it
// knows which keys to enter again (a backup never holds a key; they stay in the keychain, invariant 3).
import fs from 'node:fs'
import type { KeelConfig } from '../config/config-schema'
import { keyRequired } from '../providers/kinds'
import { keychainAccount, type Keychain } from '../secrets/keychain'
import { mcpSecretAccount } from '../../../shared/mcp'
import type { KeychainItemNeeded } from './backup-archive'

export function keychainNeeds(config: Pick<KeelConfig, 'providers' | 'mcpServers'>): KeychainItemNeeded[] {
  return [
    ...config.providers.filter(keyRequired).map((p) => ({ account: keychainAccount(p.id), purpose: `API key of provider "${p.name}"` })),
    ...config.mcpServers.flatMap((s) => s.secrets.map((name) => ({ account: mcpSecretAccount(s.id, name), purpose: `${name} of MCP server "${s.name}"` }))),
  ]
}

/**
 * The same, read loosely from a config.json on disk (at start, before the config service exists, for the backup
 * made before a restore): every provider entry's account (whether it needs a key is not judged here) and every MCP
 * secret named. An unreadable file lists nothing.
 */
export function keychainNeedsOfFile(configFile: string): KeychainItemNeeded[] {
  try {
    const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { providers?: unknown; mcpServers?: unknown }
    const providers = Array.isArray(raw.providers) ? raw.providers : []
    const servers = Array.isArray(raw.mcpServers) ? raw.mcpServers : []
    return [
      ...providers.flatMap((p: { id?: unknown; name?: unknown }) => (typeof p?.id === 'string' ? [{ account: keychainAccount(p.id), purpose: `API key of provider "${String(p.name ?? p.id)}" (if it uses one)` }] : [])),
      ...servers.flatMap((s: { id?: unknown; name?: unknown; secrets?: unknown }) =>
        typeof s?.id === 'string' && Array.isArray(s.secrets) ? s.secrets.filter((n): n is string => typeof n === 'string').map((n) => ({ account: mcpSecretAccount(s.id as string, n), purpose: `${n} of MCP server "${String(s.name ?? s.id)}"` })) : [],
      ),
    ]
  } catch {
    return []
  }
}

/** Whether each item is in this keychain now (null: the keychain could not be read). Reads values, returns booleans. */
export async function keychainPresence(keychain: Keychain, needs: readonly KeychainItemNeeded[]): Promise<Array<boolean | null>> {
  const out: Array<boolean | null> = []
  for (const n of needs) {
    try {
      out.push((await keychain.readSecret(n.account, 'check a restored backup\'s keychain items')) !== null)
    } catch {
      out.push(null)
    }
  }
  return out
}
