// Which MCP servers the user trusted, and for which launch spec (launch.ts launchHash): a server runs only when its
// current spec is the one trusted, so a changed command, args, cwd, env, URL or secret names asks again. Kept in
// keel.db (migration 012), not in config.json: a hand edit of the config must not be able to trust itself.
import type Database from 'better-sqlite3'

export class McpTrustStore {
  constructor(private readonly db: Database.Database) {}

  isTrusted(serverId: string, launchHash: string): boolean {
    const row = this.db.prepare('SELECT launch_hash FROM mcp_trust WHERE server_id = ?').get(serverId) as { launch_hash: string } | undefined
    return row?.launch_hash === launchHash
  }

  /** Trusts this launch spec of the server (replacing what was trusted before). */
  trust(serverId: string, launchHash: string): void {
    this.db
      .prepare('INSERT INTO mcp_trust (server_id, launch_hash, trusted_at) VALUES (?, ?, ?) ON CONFLICT(server_id) DO UPDATE SET launch_hash = excluded.launch_hash, trusted_at = excluded.trusted_at')
      .run(serverId, launchHash, Date.now())
  }

  /** The server was removed: a new server that later gets the same id must be trusted afresh. */
  forget(serverId: string): void {
    this.db.prepare('DELETE FROM mcp_trust WHERE server_id = ?').run(serverId)
  }
}
