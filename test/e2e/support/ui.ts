// Page helpers that drive Keel as a user would. Free of the test runner, so scripts (the README screenshots) use
// them too.
import { expect, type Page } from '@playwright/test'

/** Adds a provider through Settings, as a user would. */
export async function addProvider(page: Page, p: { name: string; kind: string; baseUrl?: string; model?: string; key?: string }): Promise<void> {
  const settings = page.getByRole('dialog', { name: 'Settings' })
  if (!(await settings.isVisible())) await page.getByRole('button', { name: 'Settings' }).click()
  await settings.getByRole('button', { name: 'Add provider' }).click()
  await settings.getByLabel('Name', { exact: true }).fill(p.name)
  await settings.getByLabel('Kind').selectOption({ label: p.kind })
  if (p.baseUrl) await settings.getByLabel('Base URL').fill(p.baseUrl)
  if (p.model) await settings.getByLabel('Default model', { exact: true }).fill(p.model)
  if (p.key) await settings.getByLabel('API key').fill(p.key)
  await settings.getByRole('button', { name: 'Save' }).click()
  await expect(settings.getByText(p.name, { exact: true }).first()).toBeVisible()
}

/**
 * Starts a session with the sidebar's New session button — by its group, because a listed session keeps main's
 * default title "New session" until its first message renames it — and waits until that session is open: the
 * previous session's composer goes at once, the new one's appears when main has created the session.
 */
export async function newSession(page: Page): Promise<void> {
  await page.getByRole('group', { name: 'Session actions' }).getByRole('button', { name: 'New session', exact: true }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'New session', exact: true })).toBeVisible()
  await expect(page.getByLabel('Message')).toBeVisible()
}

/** The list item of the session that is open (marked current), whatever its title is at the moment. */
export function openSessionItem(page: Page) {
  return page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').filter({ has: page.locator('[aria-current="true"]') })
}

export async function closeSettings(page: Page): Promise<void> {
  await page.keyboard.press('Escape')
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeHidden()
}

export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message')
  await box.fill(text)
  await box.press('Enter')
}

export function assistantMessages(page: Page) {
  return page.getByRole('article', { name: 'assistant message', exact: true })
}

/** Pins the open session to an entry + model through the model picker, as a user would. */
export async function pickModel(page: Page, entryName: string, model: string): Promise<void> {
  await page.getByRole('button', { name: 'Change model' }).click()
  const picker = page.getByRole('dialog', { name: 'Choose model' })
  const group = picker.getByRole('button', { name: entryName, exact: true })
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click()
  await picker.getByLabel('Model id').fill(model)
  await picker.getByRole('button', { name: 'Use model' }).click()
  await expect(picker).toBeHidden()
  await expect(page.getByTestId('identity-model')).toHaveText(model)
}

/** Adds a stdio MCP server through Settings → MCP servers, as a user would (Settings must be open or is opened). */
export async function addMcpServer(page: Page, s: { name: string; command: string; args: string[]; secrets?: Record<string, string> }): Promise<void> {
  const settings = page.getByRole('dialog', { name: 'Settings' })
  if (!(await settings.isVisible())) await page.getByRole('button', { name: 'Settings' }).click()
  await settings.getByRole('button', { name: 'Add MCP server' }).click()
  const form = settings.getByRole('form', { name: 'New MCP server' })
  await form.getByLabel('Name', { exact: true }).fill(s.name)
  await form.getByLabel('Command', { exact: true }).fill(s.command)
  await form.getByLabel('Arguments').fill(s.args.join('\n'))
  let row = 0
  for (const [name, value] of Object.entries(s.secrets ?? {})) {
    row += 1
    await form.getByRole('button', { name: 'Add secret' }).click()
    await form.getByLabel(`Name of new secret ${row}`).fill(name)
    await form.getByLabel(`Value of new secret ${row}`).fill(value)
  }
  await form.getByRole('button', { name: 'Add server' }).click()
  await expect(settings.getByRole('list', { name: 'MCP servers' }).getByRole('listitem', { name: s.name, exact: true })).toBeVisible()
}

/** Trusts an untrusted MCP server from its row (the prompt shows what will run) and waits for the prompt to close. */
export async function trustMcpServer(page: Page, name: string): Promise<void> {
  const row = page.getByRole('dialog', { name: 'Settings' }).getByRole('list', { name: 'MCP servers' }).getByRole('listitem', { name, exact: true })
  await row.getByRole('button', { name: `Trust and start ${name}…` }).click()
  const prompt = page.getByRole('dialog', { name: `Trust ${name}?` })
  await prompt.getByRole('button', { name: 'Trust and start' }).click()
  await expect(prompt).toBeHidden()
}
