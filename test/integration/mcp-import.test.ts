// Import from Claude Desktop / VS Code configs through the contract (Settings → MCP servers → Import): every env and
// header value goes to the real keychain and no secret byte reaches config.json, the database, a log or an error;
// a placeholder Keel cannot resolve leaves that secret missing (unresolved, named); malformed input imports nothing.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { CoreHarness, tempDataDir, testKey, testKeychainService } from '../support/core-harness'
import { filesContaining, filesUnder } from '../support/data-scan'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { mcpSecretAccount } from '../../src/shared/mcp'

async function open() {
  const service = testKeychainService()
  const h = await CoreHarness.open(tempDataDir('keel-mcp-import'), service)
  return { h, keychain: new Keychain(service) }
}
const configText = (h: CoreHarness) => {
  const file = path.join(h.dataDir, 'config.json')
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
}

describe('import from Claude Desktop', () => {
  it('moves every env value and header into the keychain; config.json, the database and every log hold none of them', async () => {
    const { h, keychain } = await open()
    const githubToken = testKey('gh')
    const apiKey = testKey('brave')
    const bearer = testKey('bearer')
    const claude = {
      mcpServers: {
        github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: githubToken } },
        'Brave Search': { command: 'npx', args: ['-y', '@modelcontextprotocol/server-brave-search'], env: { BRAVE_API_KEY: apiKey, LOG_LEVEL: 'info' } },
        remote: { url: 'https://mcp.example.test/mcp', headers: { Authorization: `Bearer ${bearer}` } },
      },
      globalShortcut: 'Ctrl+Space',
    }
    const result = await h.call('mcp.import', { source: 'claude-desktop', text: JSON.stringify(claude, null, 2) })
    expect(result.imported).toEqual([
      { id: 'github', name: 'github', secrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'] },
      { id: 'brave-search', name: 'Brave Search', secrets: ['BRAVE_API_KEY', 'LOG_LEVEL'] },
      { id: 'remote', name: 'remote', secrets: ['Authorization'] },
    ])
    expect(result.skipped).toEqual([])

    expect(await keychain.readSecret(mcpSecretAccount('github', 'GITHUB_PERSONAL_ACCESS_TOKEN'))).toBe(githubToken)
    expect(await keychain.readSecret(mcpSecretAccount('brave-search', 'BRAVE_API_KEY'))).toBe(apiKey)
    expect(await keychain.readSecret(mcpSecretAccount('brave-search', 'LOG_LEVEL'))).toBe('info')
    expect(await keychain.readSecret(mcpSecretAccount('remote', 'Authorization'))).toBe(`Bearer ${bearer}`)

    const views = await h.call('mcp.list', {})
    expect(views.map((v) => [v.entry.id, v.entry.transport.type, v.trusted, v.status.state])).toEqual([
      ['github', 'stdio', false, 'untrusted'],
      ['brave-search', 'stdio', false, 'untrusted'],
      ['remote', 'http', false, 'untrusted'],
    ])
    expect(views[0]!.entry.transport).toEqual({ type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], cwd: null, env: {} })
    expect(views[2]!.entry.transport).toEqual({ type: 'http', url: 'https://mcp.example.test/mcp', headers: {} })
    expect(views.every((v) => v.secrets.every((s) => s.stored))).toBe(true)

    const cfg = JSON.parse(configText(h)) as { mcpServers: unknown[] }
    expect(cfg.mcpServers).toHaveLength(3)
    expect(h.events('mcp').some((e) => e.reason === 'imported')).toBe(true)
    const seen = JSON.stringify([views, result, h.events('mcp')])
    await h.close()
    // Everything Keel wrote (config.json, keel.db and its WAL, backups, logs) — after close, so nothing is pending.
    expect(filesUnder(h.dataDir).length).toBeGreaterThan(1)
    for (const secret of [githubToken, apiKey, bearer]) {
      expect(filesContaining(h.dataDir, secret), secret).toEqual([])
      expect(seen).not.toContain(secret)
    }
  })

  it('importing the same config twice gives the second copy distinct ids', async () => {
    const { h, keychain } = await open()
    const first = testKey('one')
    const second = testKey('two')
    const text = (token: string) => JSON.stringify({ mcpServers: { github: { command: 'gh-mcp', env: { TOKEN: token } }, GitHub: { command: 'gh-mcp', args: ['--other'] } } })
    expect((await h.call('mcp.import', { source: 'claude-desktop', text: text(first) })).imported.map((s) => s.id)).toEqual(['github', 'github-2'])
    expect((await h.call('mcp.import', { source: 'claude-desktop', text: text(second) })).imported.map((s) => s.id)).toEqual(['github-3', 'github-4'])
    expect(await keychain.readSecret(mcpSecretAccount('github', 'TOKEN'))).toBe(first)
    expect(await keychain.readSecret(mcpSecretAccount('github-3', 'TOKEN'))).toBe(second)
    expect((await h.call('mcp.list', {})).map((v) => v.entry.id)).toEqual(['github', 'github-2', 'github-3', 'github-4'])
    await h.close()
  })
})

describe('import from VS Code', () => {
  it('mcp.json with comments, trailing commas, headers and ${input:…}: headers to the keychain, the placeholder left missing and named', async () => {
    const { h, keychain } = await open()
    const header = testKey('vscode-header')
    const mcpJson = `{
  // Workspace MCP servers
  "inputs": [
    { "type": "promptString", "id": "perplexity-key", "description": "Perplexity API Key", "password": true },
  ],
  "servers": {
    /* a remote one */
    "Perplexity": {
      "type": "http",
      "url": "https://mcp.example.test/perplexity", // the endpoint
      "headers": { "X-Api-Key": "${header}", "X-Team": "docs", },
    },
    "fetch": {
      "type": "stdio",
      "command": "uvx",
      "args": ["mcp-server-fetch", "--ignore-robots-txt"],
      "env": { "PERPLEXITY_API_KEY": "\${input:perplexity-key}" },
      "envFile": "\${workspaceFolder}/.env",
    },
    "legacy": { "type": "sse", "url": "http://127.0.0.1:9/sse" },
  },
}`
    const result = await h.call('mcp.import', { source: 'vscode', text: mcpJson })
    expect(result.imported.map((s) => [s.id, s.secrets])).toEqual([
      ['perplexity', ['X-Api-Key', 'X-Team']],
      ['fetch', ['PERPLEXITY_API_KEY']],
      ['legacy', []],
    ])
    expect(result.imported[1]!.notes?.join(' ')).toMatch(/PERPLEXITY_API_KEY .*placeholder.*enter its value/)
    expect(result.imported[1]!.notes?.join(' ')).toMatch(/envFile was not read/)
    expect(await keychain.readSecret(mcpSecretAccount('perplexity', 'X-Api-Key'))).toBe(header)
    expect(await keychain.readSecret(mcpSecretAccount('fetch', 'PERPLEXITY_API_KEY'))).toBeNull()

    const fetch = (await h.call('mcp.list', {})).find((v) => v.entry.id === 'fetch')!
    expect(fetch.secrets).toEqual([{ name: 'PERPLEXITY_API_KEY', stored: false }])
    expect(fetch.status).toMatchObject({ state: 'unresolved', missingSecrets: ['PERPLEXITY_API_KEY'] })
    expect(configText(h)).not.toContain('${input:')
    await h.close()
    expect(filesContaining(h.dataDir, header)).toEqual([])
  })

  it('settings.json {"mcp": {"servers": …}} is read too', async () => {
    const { h } = await open()
    const text = '{ "editor.fontSize": 14, "mcp": { "servers": { "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] } } } }'
    const result = await h.call('mcp.import', { source: 'vscode', text })
    expect(result.imported).toEqual([{ id: 'memory', name: 'memory', secrets: [] }])
    await h.close()
  })
})

describe('malformed input imports nothing', () => {
  it('each is refused with an error naming what is wrong (never quoting the text), and nothing is stored', async () => {
    const { h, keychain } = await open()
    const secret = testKey('malformed')
    const cases: Array<['claude-desktop' | 'vscode', string, RegExp]> = [
      ['claude-desktop', `{"mcpServers": {"a": {"command": "x", "env": {"TOKEN": ${secret}}}}}`, /not valid JSON/],
      ['claude-desktop', `{"mcpServers": {"a": {"command": "x", "env": {"TOKEN": "${secret}"}}}`, /not valid JSON: close brace expected \(line 1, column \d+\)/],
      ['claude-desktop', '[1, 2]', /top level must be a JSON object/],
      ['claude-desktop', '{"servers": {"a": {"command": "x"}}}', /no "mcpServers" object \(this looks like a VS Code config/],
      ['vscode', '{"mcpServers": {"a": {"command": "x"}}}', /looks like a Claude Desktop config/],
      ['claude-desktop', '{"mcpServers": []}', /"mcpServers" must be an object/],
      ['claude-desktop', `{"mcpServers": {"ok": {"command": "x", "env": {"TOKEN": "${secret}"}}, "bad": {"command": "y", "args": "--flag"}}}`, /mcpServers\.bad\.args must be an array of strings/],
      ['claude-desktop', `{"mcpServers": {"ok": {"command": "x", "env": {"TOKEN": "${secret}"}}, "bad": "npx thing"}}`, /mcpServers\.bad must be an object/],
      ['claude-desktop', `{"mcpServers": {"ok": {"command": "x", "env": {"TOKEN": {"value": "${secret}"}}}}}`, /mcpServers\.ok\.env\.TOKEN must be a string/],
      ['claude-desktop', `{"mcpServers": {"ok": {"command": "x", "env": {"TOKEN": "${secret}"}}, "web": {"url": "ftp://example.test/mcp"}}}`, /"web" cannot be imported: transport\.url/],
      ['vscode', '{"servers": {}}', /lists no servers/],
      ['vscode', '/* never closed', /comment is never closed/],
      ['vscode', '   ', /empty/],
    ]
    for (const [source, text, message] of cases) {
      const error = await h.fail('mcp.import', { source, text })
      expect(error, text).toMatchObject({ kind: 'invalid-input', field: 'text' })
      expect(error.message, text).toMatch(message)
      expect(error.message, text).toMatch(/Nothing was imported/)
      expect(JSON.stringify(error), text).not.toContain(secret)
    }
    expect(await h.call('mcp.list', {})).toEqual([])
    expect(await keychain.readSecret(mcpSecretAccount('ok', 'TOKEN'))).toBeNull()
    expect(await keychain.readSecret(mcpSecretAccount('a', 'TOKEN'))).toBeNull()
    expect(configText(h) === '' ? [] : (JSON.parse(configText(h)) as { mcpServers?: unknown[] }).mcpServers ?? []).toEqual([])
    await h.close()
    expect(filesContaining(h.dataDir, secret)).toEqual([])
  })

  it('servers Keel cannot run are skipped with the reason, the others imported', async () => {
    const { h } = await open()
    const text = JSON.stringify({ mcpServers: { ok: { command: 'x' }, odd: { type: 'websocket', url: 'ws://x' }, nothing: { args: ['a'] }, templ: { type: 'http', url: '${input:endpoint}' } } })
    const result = await h.call('mcp.import', { source: 'claude-desktop', text })
    expect(result.imported.map((s) => s.id)).toEqual(['ok'])
    expect(result.skipped).toEqual([
      { name: 'odd', reason: expect.stringMatching(/type "websocket"/) },
      { name: 'nothing', reason: expect.stringMatching(/neither a command nor a url/) },
      { name: 'templ', reason: expect.stringMatching(/placeholder/) },
    ])
    await h.close()
  })
})
