// Agent turns as a user sees them, through the host: a profile with the file tools and a workspace folder, the
// fake provider scripted with tool calls (strict call/result pairing on, so a broken history would be a 400).
// The model reads a file (allowed), proposes an edit (asks): the transcript shows each call between the message
// and the reply, the approval card shows the diff, and the user's answer reaches the disk and the model.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { toolResultsSent, type FakeProvider, type RecordedRequest } from '../fake-provider/server'
import { addProvider, assertNoKeyBytes, assistantMessages, closeSettings, expect, newSession, send, test, type Keel } from './support/fixtures'
import { axeViolations } from './support/a11y'

const PROFILE = 'Workspace editor'

/**
 * A keyed entry added through Settings, then a profile with read_file (allowed) and edit_file (asks) on a temp
 * workspace written into config.json (hand-editable) as the default profile; the host restarts to read it.
 */
async function agentSession(page: Page, fake: FakeProvider, keel: Keel, stepLimit = 10): Promise<{ workspace: string; file: string }> {
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'keel-e2e-ws-')))
  const file = path.join(workspace, 'notes.txt')
  fs.writeFileSync(file, 'title: harbour\ncolour: blue\n')
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('agents') })
  await closeSettings(page)
  await keel.stop()
  const configFile = path.join(keel.dataDir, 'config.json')
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'))
  config.agentProfiles = [
    {
      id: 'workspace-editor',
      name: PROFILE,
      instructions: 'Edit the files you are asked to.',
      tools: [
        { source: 'builtin', name: 'read_file' },
        { source: 'builtin', name: 'edit_file' },
      ],
      approvals: [
        { source: 'builtin', name: 'read_file', approval: 'allow' },
        { source: 'builtin', name: 'edit_file', approval: 'ask' },
      ],
      stepLimit,
      workspace,
    },
  ]
  config.defaultProfileId = 'workspace-editor'
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2))
  await keel.launch()
  await newSession(page)
  return { workspace, file }
}

/** The fake's completion requests, oldest first. */
function completions(fake: FakeProvider): RecordedRequest[] {
  return fake.requests().filter((r) => r.protocol === 'openai-chat')
}

/** The tool-call row of the transcript for `tool` in `state`. */
function toolRow(page: Page, tool: string, state: string) {
  return page.getByRole('log').getByRole('article', { name: new RegExp(`^Tool call ${tool} \\(Built-in, \\w+\\): ${state}$`) })
}

/** The ledger's rows, read from the SQLite file the host writes. */
function ledger(dataDir: string): Array<{ tool_name: string; provider_call_id: string; state: string; result_text: string | null }> {
  const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT tool_name, provider_call_id, state, result_text FROM tool_calls ORDER BY created_at, position').all() as never
  } finally {
    db.close()
  }
}

const READ = { id: 'call_read', name: 'read_file', arguments: { path: 'notes.txt' } }
const EDIT = { id: 'call_edit', name: 'edit_file', arguments: { path: 'notes.txt', old_string: 'colour: blue', new_string: 'colour: green' } }

function scriptReadThenEdit(fake: FakeProvider, finalReply: string): void {
  fake.sequence([
    { toolCalls: [READ] },
    { toolResultFor: 'call_read', reply: 'The colour is blue; changing it.', toolCalls: [EDIT] },
    { toolResultFor: 'call_edit', reply: finalReply },
  ])
}

test('an agent reads a file, asks to edit it, the user allows once: the file changes and the reply uses the results', async ({ page, fake, keel }) => {
  const { file } = await agentSession(page, fake, keel)
  scriptReadThenEdit(fake, 'Done: the colour is now green.')
  await send(page, 'Make the colour green')

  // The read ran on its own; the edit waits, its card showing the diff (nothing written yet).
  await expect(toolRow(page, 'read_file', 'succeeded')).toBeVisible()
  await expect(toolRow(page, 'edit_file', 'awaiting approval')).toBeVisible()
  const card = page.getByTestId('approval-card')
  await expect(card).toBeFocused()
  await expect(card.getByRole('heading', { name: 'Approve edit_file?' })).toBeVisible()
  const diff = card.getByTestId('approval-diff')
  await expect(diff).toContainText('-colour: blue')
  await expect(diff).toContainText('+colour: green')
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: blue\n')
  // The rows sit between the user message and the card, in order; the result of the read opens on demand.
  const read = toolRow(page, 'read_file', 'succeeded')
  await read.getByRole('button', { name: /Result/ }).click()
  await expect(read.getByLabel('Result of read_file')).toContainText('colour: blue')
  await read.getByRole('button', { name: /Arguments/ }).press('Enter')
  await expect(read.getByLabel('Arguments of read_file')).toContainText('"path": "notes.txt"')
  // The tool rows (opened and closed) and the card pass axe's WCAG 2.1 AA checks.
  expect(await axeViolations(page, '.session-pane')).toEqual([])

  await card.getByRole('button', { name: 'Allow once' }).click()
  await expect(assistantMessages(page).last()).toHaveText('Done: the colour is now green.')
  await expect(toolRow(page, 'edit_file', 'succeeded')).toBeVisible()
  await expect(card).toHaveCount(0)
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: green\n')
  // The step's own text stays in the transcript, before its call.
  await expect(page.getByRole('article', { name: 'assistant message (before tool calls)' })).toHaveText('The colour is blue; changing it.')

  await keel.settled()
  const sent = completions(fake)
  expect(sent).toHaveLength(3)
  expect(toolResultsSent(sent[0]!)).toEqual([])
  expect(toolResultsSent(sent[1]!).map((r) => r.callId)).toEqual(['call_read'])
  expect(JSON.stringify(toolResultsSent(sent[1]!)[0]!.content)).toContain('colour: blue')
  expect(toolResultsSent(sent[2]!).map((r) => r.callId)).toEqual(['call_read', 'call_edit'])
  expect(JSON.stringify(toolResultsSent(sent[2]!)[1]!.content)).toContain('+colour: green')
  await page.screenshot({ path: test.info().outputPath('agent-turn.png') })
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('a restart in the middle of an approval keeps the card; allowing runs the edit once and answers each call once', async ({ page, fake, keel }) => {
  const { file } = await agentSession(page, fake, keel)
  scriptReadThenEdit(fake, 'Edited after the restart.')
  await send(page, 'Make the colour green')
  await expect(page.getByTestId('approval-card')).toBeVisible()
  await keel.settled()
  expect(completions(fake)).toHaveLength(2)

  await keel.restart()
  // The session list says the session waits for the user; opening it shows the card again, from the ledger.
  const listed = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ hasText: 'Make the colour green' })
  await expect(listed).toContainText('Needs approval')
  await listed.getByRole('button', { name: /Make the colour green/ }).click()
  const card = page.getByTestId('approval-card')
  await expect(card.getByTestId('approval-diff')).toContainText('+colour: green')
  await expect(toolRow(page, 'read_file', 'succeeded')).toBeVisible()
  await expect(toolRow(page, 'edit_file', 'awaiting approval')).toBeVisible()
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: blue\n')

  await card.getByRole('button', { name: 'Allow once' }).click()
  await expect(assistantMessages(page).last()).toHaveText('Edited after the restart.')
  await keel.settled()
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: green\n')
  // One row per call, each answered once, in the ledger and on the wire.
  const rows = ledger(keel.dataDir)
  expect(rows.map((r) => [r.tool_name, r.provider_call_id, r.state])).toEqual([
    ['read_file', 'call_read', 'succeeded'],
    ['edit_file', 'call_edit', 'succeeded'],
  ])
  const sent = completions(fake)
  expect(sent).toHaveLength(3)
  expect(toolResultsSent(sent[2]!).map((r) => r.callId)).toEqual(['call_read', 'call_edit'])
  await expect(page.getByRole('log').getByRole('article', { name: /^Tool call edit_file/ })).toHaveCount(1)
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('Deny with a reason: the file stays, the model reads the reason in the next request', async ({ page, fake, keel }) => {
  const { file } = await agentSession(page, fake, keel)
  scriptReadThenEdit(fake, 'Understood, I left the file alone.')
  await send(page, 'Make the colour green')
  const card = page.getByTestId('approval-card')
  await expect(card).toBeFocused()
  // By keyboard: Escape starts a denial, the reason field takes the text, Enter denies.
  await page.keyboard.press('Escape')
  const reason = card.getByLabel('Reason for the model (optional)')
  await expect(reason).toBeFocused()
  await reason.fill('keep blue, it is the house style')
  await reason.press('Enter')

  await expect(assistantMessages(page).last()).toHaveText('Understood, I left the file alone.')
  await expect(toolRow(page, 'edit_file', 'denied')).toBeVisible()
  await keel.settled()
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: blue\n')
  const sent = completions(fake)
  expect(sent).toHaveLength(3)
  const results = toolResultsSent(sent[2]!)
  expect(results.map((r) => r.callId)).toEqual(['call_read', 'call_edit'])
  expect(JSON.stringify(results[1]!.content)).toContain('denied by the user: keep blue, it is the house style')
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('a turn at its step limit pauses with a panel (Continue, Stop); Continue runs the next step with the results', async ({ page, fake, keel }) => {
  await agentSession(page, fake, keel, 1)
  fake.sequence([{ toolCalls: [READ] }, { toolResultFor: 'call_read', reply: 'The colour is blue.' }])
  await send(page, 'What colour is it?')
  const panel = page.getByRole('group', { name: 'The turn reached its step limit' })
  await expect(panel).toContainText('step limit (1 steps)')
  await expect(toolRow(page, 'read_file', 'succeeded')).toBeVisible()
  await expect(panel.getByRole('button', { name: 'Stop' })).toBeEnabled()
  await keel.settled()
  expect(completions(fake)).toHaveLength(1)

  await panel.getByRole('button', { name: 'Continue for 1 more step' }).click()
  await expect(assistantMessages(page).last()).toHaveText('The colour is blue.')
  await expect(panel).toHaveCount(0)
  await keel.settled()
  const sent = completions(fake)
  expect(sent).toHaveLength(2)
  expect(toolResultsSent(sent[1]!).map((r) => r.callId)).toEqual(['call_read'])
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('a failed edit offers Run again: the dialog names the tool and the side effect; confirming asks, then runs it once', async ({ page, fake, keel }) => {
  const { file } = await agentSession(page, fake, keel)
  // The file does not hold what the model means to replace: the edit fails, and nothing is written.
  fs.writeFileSync(file, 'title: harbour\ncolour: red\n')
  fake.sequence([
    { toolCalls: [EDIT] },
    { toolResultFor: 'call_edit', reply: 'The edit did not apply.' },
    { toolResults: true, reply: 'Edited this time.', hold: 'after-rerun' },
  ])
  await send(page, 'Make the colour green')
  await page.getByTestId('approval-card').getByRole('button', { name: 'Allow once' }).click()
  await expect(assistantMessages(page).last()).toHaveText('The edit did not apply.')
  const failed = toolRow(page, 'edit_file', 'failed')
  const again = failed.getByRole('button', { name: 'Run edit_file again' })
  await expect(again).toBeEnabled()
  await keel.settled()
  expect(completions(fake)).toHaveLength(2)
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: red\n')

  // The user puts the expected text back, then runs the call again by keyboard; Cancel first runs nothing.
  fs.writeFileSync(file, 'title: harbour\ncolour: blue\n')
  await again.focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Run edit_file again?' })
  await expect(dialog).toContainText('edit_file')
  await expect(dialog).toContainText('may repeat a side effect')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toHaveCount(0)
  expect(ledger(keel.dataDir).map((r) => r.state)).toEqual(['failed'])

  await again.click()
  await dialog.getByRole('button', { name: 'Run again' }).click()
  await expect(dialog).toHaveCount(0)
  // A new call, asked for like any edit; the failed row keeps its result.
  const card = page.getByTestId('approval-card')
  await expect(card.getByTestId('approval-diff')).toContainText('+colour: green')
  await expect(toolRow(page, 'edit_file', 'awaiting approval')).toBeVisible()
  await card.getByRole('button', { name: 'Allow once' }).click()
  // While the turn that follows the re-run streams, Run again waits (the fake holds the reply).
  await expect(toolRow(page, 'edit_file', 'succeeded')).toBeVisible()
  await expect(again).toBeDisabled()
  fake.release('after-rerun')
  await expect(assistantMessages(page).last()).toHaveText('Edited this time.')
  await expect(toolRow(page, 'edit_file', 'failed')).toBeVisible()
  await expect(again).toBeEnabled()
  await keel.settled()
  expect(fs.readFileSync(file, 'utf8')).toBe('title: harbour\ncolour: green\n')
  const rows = ledger(keel.dataDir)
  expect(rows.map((r) => [r.tool_name, r.state])).toEqual([
    ['edit_file', 'failed'],
    ['edit_file', 'succeeded'],
  ])
  // One more request, carrying the old call's failure and the new call's result: the tool ran once more, no more.
  const sent = completions(fake)
  expect(sent).toHaveLength(3)
  const results = toolResultsSent(sent[2]!)
  expect(results.map((r) => r.callId)).toEqual(['call_edit', rows[1]!.provider_call_id])
  expect(JSON.stringify(results[0]!.content)).toContain('old_string was not found')
  expect(JSON.stringify(results[1]!.content)).toContain('+colour: green')
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('a long result shows its preview; Show full result loads the whole of it', async ({ page, fake, keel }) => {
  const { file } = await agentSession(page, fake, keel)
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i + 1}: ${'x'.repeat(20)}`)
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  fake.sequence([{ toolCalls: [READ] }, { toolResultFor: 'call_read', reply: 'It is long.' }])
  await send(page, 'Read the notes')
  await expect(assistantMessages(page).last()).toHaveText('It is long.')
  const read = toolRow(page, 'read_file', 'succeeded')
  await read.getByRole('button', { name: /Result/ }).click()
  await expect(read.getByLabel('Result of read_file')).toContainText('line 1:')
  await expect(read.getByLabel('Result of read_file')).not.toContainText('line 400:')
  await read.getByRole('button', { name: 'Show full result' }).press('Enter')
  await expect(read.getByLabel('Full result of read_file')).toContainText('line 400:')
  await expect(read.getByRole('button', { name: 'Show full result' })).toHaveCount(0)
})

test('search finds a tool call by its result: the hit reads "tool read_file:" and opens the session at its turn', async ({ page, fake, keel }) => {
  await agentSession(page, fake, keel)
  // "blue" is only in the file the tool read: not in the user's message, the step's text or the reply.
  fake.sequence([{ toolCalls: [READ] }, { toolResultFor: 'call_read', reply: 'I read the notes.' }])
  await send(page, 'Read my notes')
  await expect(assistantMessages(page).last()).toHaveText('I read the notes.')
  await newSession(page)
  await expect(toolRow(page, 'read_file', 'succeeded')).toHaveCount(0)

  const list = page.getByRole('list', { name: 'Sessions (search results)' })
  await page.getByRole('searchbox', { name: 'Search sessions' }).fill('blue')
  await expect(list.getByRole('listitem')).toHaveCount(1)
  const hit = list.getByRole('listitem').first()
  await expect(hit).toContainText('tool read_file:')
  await expect(hit.locator('mark')).toHaveText(['blue'])
  await hit.getByRole('button').click()
  await expect(toolRow(page, 'read_file', 'succeeded')).toBeVisible()
  await expect(assistantMessages(page).last()).toHaveText('I read the notes.')
  assertNoKeyBytes(keel.dataDir, keel.keys)
})

test('a session on the built-in Workspace agent is refused until a workspace is set from the header; then it reads there', async ({ page, fake, keel }) => {
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'keel-e2e-session-ws-')))
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'title: harbour\ncolour: blue\n')
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('agents') })
  await closeSettings(page)
  await page.getByRole('button', { name: 'New session with profile…' }).click()
  await page.getByRole('menu', { name: 'New session with profile' }).getByRole('menuitem', { name: 'Workspace agent' }).click()
  await expect(page.getByTestId('session-profile-name')).toHaveText('Workspace agent')
  const line = page.getByTestId('session-workspace')
  await expect(line).toContainText('No workspace')

  // Without a folder the message is refused, pointing at the header; the text stays and nothing is sent.
  await send(page, 'What colour is it?')
  await expect(page.getByText(/Choose a workspace folder for this session \(session header → Workspace\)/).first()).toBeVisible()
  await expect(page.getByLabel('Message')).toHaveValue('What colour is it?')
  expect(completions(fake)).toHaveLength(0)

  // By keyboard: the header's button opens the dialog with the field focused; a relative path is refused inline.
  await line.getByRole('button', { name: 'Set workspace…' }).focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Session workspace' })
  const field = dialog.getByLabel('Workspace folder')
  await expect(field).toBeFocused()
  await field.fill('projects/harbour')
  await field.press('Enter')
  await expect(dialog.getByRole('alert')).toContainText('not an absolute path')
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(field).toHaveValue('projects/harbour')
  await field.fill(workspace)
  await field.press('Enter')
  await expect(dialog).toHaveCount(0)
  await expect(page.getByTestId('session-workspace-path')).toHaveText(workspace)
  expect(await axeViolations(page, '[data-testid="session-workspace"]', null)).toEqual([])

  fake.sequence([{ toolCalls: [READ] }, { toolResultFor: 'call_read', reply: 'The colour is blue.' }])
  await send(page, 'What colour is it?')
  await expect(assistantMessages(page).last()).toHaveText('The colour is blue.')
  await expect(toolRow(page, 'read_file', 'succeeded')).toBeVisible()
  await keel.settled()
  const sent = completions(fake)
  expect(sent).toHaveLength(2)
  expect(((sent[0]!.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name)).toContain('read_file')
  expect(JSON.stringify(toolResultsSent(sent[1]!)[0]!.content)).toContain('colour: blue')
  assertNoKeyBytes(keel.dataDir, keel.keys)
})
