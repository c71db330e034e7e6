// Every control has an accessible name, every field a label: axe-core checks the main views and dialogs of the
// running app (WCAG 2.1 A/AA rules), with real data from the core.
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

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
