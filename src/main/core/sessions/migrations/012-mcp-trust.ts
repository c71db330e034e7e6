import type { Migration } from './index'

// Trust of MCP servers (issue #10): the first start of a new server, and the first start after its command, args,
// cwd, plain env, URL or secret names changed, asks the user to trust exactly what will run. A row says "the user
// trusted server <id> when its launch spec hashed to <launch_hash>" (launch.ts); a changed spec has another hash and
// so no row, and asks again. One row per server: trusting a new spec replaces the old one. No server is trusted by
// a database made before MCP existed, so nothing to carry over.
// Version 12: the next free number after 011 (session workspace).
export const mcpTrust: Migration = {
  version: 12,
  name: 'mcp trust',
  up(db) {
    db.exec(`CREATE TABLE mcp_trust (
      server_id TEXT PRIMARY KEY,
      launch_hash TEXT NOT NULL,
      trusted_at INTEGER NOT NULL
    )`)
    return { summary: 'added the trust record of MCP servers (none trusted yet)' }
  },
}
