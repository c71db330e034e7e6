// MCP servers as a user works them, through the browser host with the real core: add the reference "everything"
// server in Settings (started with this Node, never npx) with a secret that goes to the keychain, trust it after
// seeing exactly what runs, see its tools, choose it in an agent profile with one tool left out, and run a turn in
// which the model (the fake provider, strict call/result pairing) calls two of its tools: echo, annotated read-only,
// runs at once; toggle-simulated-logging, annotated as not read-only, asks for approval on a card naming the server.
// After a restart of the host the session resumes: the transcript is there and the server starts again on demand.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { toolResultsSent, type FakeProvider, type RecordedRequest } from '../fake-provider/server'
import { Keychain } from '../../src/main/core/secrets/keychain'
import { EVERYTHING_SERVER } from '../support/mcp-servers'
import { addMcpServer, addProvider, assistantMessages, closeSettings, expect, newSession, send, test, trustMcpServer } from './support/fixtures'
import { axeViolations as axe } from './support/a11y'

const PROFILE = 'Everything helper'

function completions(fake: FakeProvider): RecordedRequest[] {
  return fake.requests().filter((r) => r.protocol === 'openai-chat')
}

/** The tool names a completion request offered the model. */
function offeredTools(request: RecordedRequest): string[] {
  const body = request.body as { tools?: Array<{ function?: { name?: string } }> }
  return (body.tools ?? []).map((t) => t.function?.name ?? '')
}

/** The transcript's row of a call of the everything server's `tool` in `state`. */
function toolRow(page: Page, tool: string, state: string) {
  return page.getByRole('log').getByRole('article', { name: new RegExp(`^Tool call ${tool} \\(MCP: Everything, \\w+\\): ${state}$`) })
}

function serverRow(page: Page, name: string) {
  return page.getByRole('dialog', { name: 'Settings' }).getByRole('list', { name: 'MCP servers' }).getByRole('listitem', { name, exact: true })
}

test('add the everything server in Settings, trust it, see its tools; in an agent turn its read-only tool runs and the other asks on a card naming the server; restart and resume', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('mcp-provider') })

  // Added through the form, with a secret env value that must reach the keychain and nothing else.
  const secret = keel.newKey('mcp-server-token')
  await addMcpServer(page, { name: 'Everything', command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], secrets: { EVERYTHING_TOKEN: secret } })
  const row = serverRow(page, 'Everything')
  await expect(row.getByTestId('mcp-status')).toHaveText('untrusted: not started until you trust it')
  await expect(row).toContainText('EVERYTHING_TOKEN (stored)')
  const config = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(config.mcpServers).toEqual([expect.objectContaining({ id: 'everything', name: 'Everything', secrets: ['EVERYTHING_TOKEN'] })])

  // The trust prompt shows exactly what will run; trusting starts it and its tools are listed.
  await row.getByRole('button', { name: 'Trust and start Everything…' }).click()
  const prompt = page.getByRole('dialog', { name: 'Trust Everything?' })
  await expect(prompt.getByTestId('mcp-trust-launch')).toContainText(process.execPath)
  await expect(prompt.getByTestId('mcp-trust-launch')).toContainText(EVERYTHING_SERVER)
  expect(await axe(page, 'dialog[open]')).toEqual([])
  await page.keyboard.press('Escape')
  await expect(prompt).toBeHidden()
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
  await trustMcpServer(page, 'Everything')
  await expect(row.getByTestId('mcp-status')).toHaveText(/^ready \(\d+ tools\)$/)
  await row.getByText(/^Tools \(\d+\)$/).click()
  const tools = row.getByRole('list', { name: 'Tools of Everything' })
  await expect(tools).toContainText('echo')
  await expect(tools).toContainText('get-sum')
  expect(await axe(page, 'dialog[open]')).toEqual([])

  // Test: each phase with its time, and the tools it listed.
  await row.getByRole('button', { name: 'Test Everything' }).click()
  const check = page.getByRole('dialog', { name: 'Test Everything' })
  await expect(check.getByTestId('mcp-check-report')).toContainText('Everything started and listed')
  await expect(check.getByRole('rowheader', { name: 'initialize' })).toBeVisible()
  await check.getByRole('button', { name: 'Close' }).last().click()
  await expect(check).toBeHidden()

  // A profile that uses the server, with get-env left out; the default profile, so New session runs it.
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'New profile' }).click()
  const form = settings.getByRole('form', { name: 'New agent profile' })
  await form.getByLabel('Name', { exact: true }).fill(PROFILE)
  await form.getByRole('checkbox', { name: 'Use Everything' }).check()
  await form.getByRole('list', { name: 'Tools of Everything' }).getByRole('checkbox', { name: 'get-env' }).uncheck()
  await form.getByRole('button', { name: 'Add profile' }).click()
  await settings.getByRole('button', { name: `Set as default profile: ${PROFILE}` }).click()
  await expect(settings.getByRole('listitem', { name: PROFILE })).toContainText('Default')
  const saved = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(saved.agentProfiles[0].tools).toEqual([{ source: 'mcp:everything', name: '*', except: ['get-env'] }])
  await closeSettings(page)

  // One step, two calls: echo (read-only by its annotations) runs at once; the toggle asks, on a card that names
  // the server. Allowing it runs it, and the model gets both results.
  const TOGGLE = { id: 'call_toggle', name: 'everything__toggle-simulated-logging', arguments: {} }
  fake.sequence([
    { toolCalls: [{ id: 'call_echo', name: 'everything__echo', arguments: { message: 'hello from Keel' } }, TOGGLE] },
    { toolResultFor: 'call_toggle', reply: 'Echoed, and logging is on.' },
  ])
  await newSession(page)
  await send(page, 'Echo hello from Keel and turn logging on')
  await expect(toolRow(page, 'echo', 'succeeded')).toBeVisible()
  const card = page.getByTestId('approval-card')
  await expect(card.getByRole('heading', { name: /^Approve .*toggle-simulated-logging\?$/ })).toBeVisible()
  await expect(card.getByTestId('approval-source')).toHaveText('MCP: Everything')
  expect(await axe(page, '.session-pane')).toEqual([])
  await card.getByRole('button', { name: 'Allow once' }).click()
  await expect(assistantMessages(page).last()).toContainText('Echoed, and logging is on.')
  await expect(toolRow(page, 'toggle-simulated-logging', 'succeeded')).toBeVisible()
  await keel.settled()
  const sent = completions(fake)
  expect(sent).toHaveLength(2)
  expect(offeredTools(sent[0]!)).toContain('everything__echo')
  expect(offeredTools(sent[0]!)).toContain('everything__get-sum')
  expect(offeredTools(sent[0]!)).not.toContain('everything__get-env')
  const results = toolResultsSent(sent[1]!)
  expect(results.map((r) => r.callId)).toEqual(['call_echo', 'call_toggle'])
  expect(JSON.stringify(results[0]!.content)).toContain('Echo: hello from Keel')
  expect(JSON.stringify(results[1]!.content)).toContain('simulated')

  // Diagnostics says the same as Settings, in the same words.
  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Diagnostics' }).click()
  const diagnostics = page.getByRole('dialog', { name: 'Diagnostics' })
  await expect(diagnostics.getByRole('list', { name: 'MCP server status' }).getByRole('listitem', { name: 'Everything' }).getByTestId('mcp-status')).toHaveText(
    /^ready \(\d+ tools\)$/,
  )
  await page.keyboard.press('Escape')
  await expect(diagnostics).toBeHidden()

  // Restart the host: the session is listed, its transcript intact; the next call starts the server again (trust
  // kept) and asks again (Allow once was for that call only).
  await keel.restart()
  await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: /Echo hello from Keel/ }).click()
  await expect(assistantMessages(page).last()).toContainText('Echoed, and logging is on.')
  await expect(toolRow(page, 'echo', 'succeeded')).toBeVisible()
  fake.sequence([{ toolCalls: [{ ...TOGGLE, id: 'call_toggle_2' }] }, { toolResultFor: 'call_toggle_2', reply: 'Logging is off again.' }])
  await send(page, 'Turn logging off')
  await expect(card.getByTestId('approval-source')).toHaveText('MCP: Everything')
  await card.getByRole('button', { name: 'Allow once' }).click()
  await expect(assistantMessages(page).last()).toContainText('Logging is off again.')
  await keel.settled()
  const after = completions(fake)
  expect(after).toHaveLength(4)
  const resumed = toolResultsSent(after[3]!)
  expect(resumed.map((r) => r.callId)).toEqual(['call_echo', 'call_toggle', 'call_toggle_2'])
  expect(JSON.stringify(resumed[2]!.content)).toContain('simulated')
})

test('edit refuses a credential as plain env and keeps the text; a server that exits at once shows the phase, exit code and stderr; removing it asks and deletes its keychain items', async ({ page, keel }) => {
  await keel.launch()
  const secret = keel.newKey('mcp-broken')
  const script = `process.stderr.write('config error: no such profile\\n'); process.exit(3)`
  await addMcpServer(page, { name: 'Broken', command: process.execPath, args: ['-e', script], secrets: { BROKEN_TOKEN: secret } })
  const row = serverRow(page, 'Broken')

  // Edit: a credential typed as plain environment is refused next to the Save button, the field is marked and keeps
  // the text; fixed, the save goes through, with the secret's value replaced (it is never shown, only "stored").
  await row.getByRole('button', { name: 'Edit Broken' }).click()
  const form = page.getByRole('dialog', { name: 'Settings' }).getByRole('form', { name: 'Edit Broken' })
  const env = form.getByLabel('Environment')
  await env.fill('LOG_LEVEL=debug\nBROKEN_API_KEY=abc')
  await form.getByRole('button', { name: 'Save' }).click()
  await expect(form.getByRole('alert')).toContainText('Environment, line 2: BROKEN_API_KEY looks like a secret')
  await expect(env).toHaveAttribute('aria-invalid', 'true')
  await expect(env).toHaveValue('LOG_LEVEL=debug\nBROKEN_API_KEY=abc')
  await expect(form.getByLabel('New value for BROKEN_TOKEN')).toHaveValue('')
  await env.fill('LOG_LEVEL=debug')
  const replaced = keel.newKey('mcp-broken-replaced')
  await form.getByLabel('New value for BROKEN_TOKEN').fill(replaced)
  await form.getByRole('button', { name: 'Save' }).click()
  await expect(form).toHaveCount(0)
  await expect(row).toContainText('BROKEN_TOKEN (stored)')
  // The list shows the edited launch before trusting: a prompt opened on the launch before the edit would (rightly)
  // refuse to trust it once the edit arrives ("changed while this was open"), and its button would stay disabled.
  await expect(row).toContainText('env: LOG_LEVEL=debug')
  const keychain = new Keychain(keel.keychainService)
  expect(await keychain.readSecret('mcp:broken:BROKEN_TOKEN')).toBe(replaced)
  const edited = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(edited.mcpServers[0]).toMatchObject({ secrets: ['BROKEN_TOKEN'], transport: { env: { LOG_LEVEL: 'debug' } } })

  await trustMcpServer(page, 'Broken')
  await expect(row.getByTestId('mcp-status')).toHaveText(/^failed at \w[\w ]* \(exit code 3\)$/)
  await expect(row.getByLabel('Last lines of stderr from Broken')).toContainText('config error: no such profile')
  expect(await axe(page, 'dialog[open]')).toEqual([])

  await row.getByRole('button', { name: 'Remove Broken' }).click()
  const confirm = page.getByRole('dialog', { name: 'Remove MCP server?' })
  await expect(confirm).toContainText('Its keychain items (BROKEN_TOKEN) are deleted too.')
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click()
  // (While the confirmation is open the list beneath is hidden from role queries: wait for it to close first.)
  await expect(confirm).toBeHidden()
  await expect(row).toHaveCount(0)
  const config = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(config.mcpServers).toEqual([])
  expect(await keychain.readSecret('mcp:broken:BROKEN_TOKEN')).toBeNull()
})

test('import from a Claude Desktop config: the server is listed, its env value went to the keychain, not to config.json', async ({ page, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Settings' }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  const token = keel.newKey('mcp-import')
  const claude = { mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'], env: { EVERYTHING_TOKEN: token } } } }
  await settings.getByRole('button', { name: 'Import…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Import MCP servers' })
  // A file picked with the file input (the user's claude_desktop_config.json).
  await dialog.getByLabel('Config file').setInputFiles({ name: 'claude_desktop_config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(claude)) })
  await expect(dialog.getByLabel('Config text')).toHaveValue(/"mcpServers"/)
  expect(await axe(page, 'dialog[open]')).toEqual([])
  await dialog.getByRole('button', { name: 'Import', exact: true }).click()
  const result = dialog.getByTestId('mcp-import-result')
  await expect(result).toContainText('Imported 1 server')
  await expect(result).toContainText('EVERYTHING_TOKEN stored in the keychain')
  await dialog.getByRole('button', { name: 'Done' }).click()
  await expect(serverRow(page, 'everything')).toContainText('EVERYTHING_TOKEN (stored)')
  await expect(serverRow(page, 'everything').getByTestId('mcp-status')).toHaveText('untrusted: not started until you trust it')
  // The fixture's leak scan (every file under the data dir, the host's log) checks the token is nowhere else.
  expect(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8')).not.toContain(token)
  expect(await new Keychain(keel.keychainService).readSecret('mcp:everything:EVERYTHING_TOKEN')).toBe(token)
})
