// Every control has an accessible name, every field a label: axe-core checks the main views and dialogs of the
// running app (WCAG 2.1 A/AA rules), with real data from the core.
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, pickModel, send, test } from './support/fixtures'

async function violations(page: Page, include?: string) {
  if (include) await expect(page.locator(include).first()).toBeVisible()
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
  if (include) builder = builder.include(include)
  const result = await builder.analyze()
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
}

test('the chat view, settings (MCP servers included), model picker and diagnostics have no accessibility violations', async ({ page, fake, keel }) => {
  await keel.launch()
  expect(await violations(page)).toEqual([])
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('a11y') })
  expect(await violations(page, 'dialog[open]')).toEqual([])
  // Settings → MCP servers: the form (with a secret row), a listed server, the import dialog.
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Add MCP server' }).click()
  await settings.getByRole('button', { name: 'Add secret' }).click()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await settings.getByLabel('Name', { exact: true }).fill('Notes')
  await settings.getByLabel('Command', { exact: true }).fill('notes-mcp')
  await settings.getByLabel('Name of new secret 1').fill('NOTES_TOKEN')
  await settings.getByLabel('Value of new secret 1').fill(keel.newKey('a11y-mcp'))
  await settings.getByRole('button', { name: 'Add server' }).click()
  await expect(settings.getByRole('list', { name: 'MCP servers' }).getByRole('listitem', { name: 'Notes' })).toBeVisible()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await settings.getByRole('button', { name: 'Import…' }).click()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await page.keyboard.press('Escape')
  await expect(page.getByRole('dialog', { name: 'Import MCP servers' })).toBeHidden()
  await closeSettings(page)
  await newSession(page)
  await send(page, 'Show me **markdown** and `code`')
  await expect(assistantMessages(page).last()).toContainText('markdown')
  expect(await violations(page)).toEqual([])

  await page.getByRole('button', { name: 'Change model' }).click()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await page.keyboard.press('Escape')
  await page.getByRole('button', { name: 'Diagnostics' }).click()
  await expect(page.getByRole('table', { name: 'Identity views' })).toBeVisible()
  expect(await violations(page, 'dialog[open]')).toEqual([])
})

test('message chrome (Copy, code blocks, the identity line, the switch divider) and the header’s override editor have no accessibility violations', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })
  await addProvider(page, { name: 'Other', kind: 'Ollama', baseUrl: `${fake.url}/other/v1`, model: 'qwen3' })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Local', 'llama3.3')
  fake.script({ reply: 'Try:\n\n```ts\nconst x = 1\n```\n', times: 1 })
  await send(page, 'code please')
  await expect(assistantMessages(page).first()).toContainText('const x = 1')
  await pickModel(page, 'Other', 'qwen3')
  await send(page, 'and now?')
  await expect(page.getByRole('separator', { name: 'Switched to qwen3 on Other' })).toBeVisible()
  // The actions shown (focus inside them) and a Copy that has just answered, with its status text.
  await page.getByRole('group', { name: 'Reply actions' }).first().getByRole('button', { name: 'Copy message' }).focus()
  expect(await violations(page, '[role="log"]')).toEqual([])

  await page.getByRole('button', { name: 'Instructions & parameters…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Session instructions & parameters' })
  expect(await violations(page, 'dialog[open]')).toEqual([])
  // With an error shown (a value out of range) and the field marked.
  await dialog.getByLabel('Temperature').fill('3')
  await dialog.getByRole('button', { name: 'Save for this session' }).click()
  await expect(dialog.getByRole('alert')).toContainText('Temperature must be from 0 to 2')
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await dialog.getByLabel('Temperature').fill('0.5')
  await dialog.getByRole('button', { name: 'Save for this session' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('session-overrides-line')).toContainText('temperature 0.5')
  expect(await violations(page, 'header')).toEqual([])
})
