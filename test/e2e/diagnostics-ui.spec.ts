// The diagnostics panel, driven in Chromium through the browser host and the real core: a pinned session whose
// entry is edited in config.json on disk shows the drift cell by cell with main's explanation, and Apply config
// moves the next turn to the new URL (asserted at the fake provider).
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

function diagnosticsDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Diagnostics' })
}

/** One row of the "Identity views" table, found by its row header. */
function viewRow(page: Page, label: string) {
  return diagnosticsDialog(page)
    .getByRole('table', { name: 'Identity views' })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: label, exact: true }) })
}

function editConfig(dataDir: string, edit: (config: { providers: Array<{ name: string; baseUrl: string }> }) => void): void {
  const file = path.join(dataDir, 'config.json')
  const config = JSON.parse(fs.readFileSync(file, 'utf8'))
  edit(config)
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
}

test('a config edit of a pinned session shows as drift in Diagnostics; Apply config sends the next turn to the new URL', async ({ page, fake, keel }) => {
  await keel.launch()
  const key = keel.newKey('diag')
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key })
  await addProvider(page, { name: 'Desk', kind: 'LM Studio', baseUrl: `${fake.url}/lms/v1`, model: 'qwen/qwen3.6-27b' })
  await closeSettings(page)

  // Pin the session to Work gateway through the model picker.
  await newSession(page)
  await page.getByRole('button', { name: 'Change model' }).click()
  const picker = page.getByRole('dialog', { name: 'Choose model' })
  const group = picker.getByRole('region', { name: 'Work gateway' })
  await group.getByLabel('Model id').fill('gpt-work')
  await group.getByRole('button', { name: 'Use model' }).click()
  await expect(picker).toBeHidden()
  await expect(page.getByTestId('identity-mode')).toHaveText('Pinned')

  await send(page, 'before the edit')
  await expect(assistantMessages(page).last()).toContainText('Echo [gpt-work]: before the edit')

  // Move the entry to another URL by editing config.json on disk, as a user would.
  const newUrl = `${fake.url}/work-v2/v1`
  editConfig(keel.dataDir, (config) => {
    const entry = config.providers.find((p) => p.name === 'Work gateway')!
    entry.baseUrl = newUrl
  })
  await expect(page.getByTestId('identity-state')).toHaveText('Config changed')

  await page.getByRole('banner', { name: 'Session identity' }).getByRole('button', { name: 'Diagnostics' }).click()
  const dialog = diagnosticsDialog(page)
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('diagnostics-status')).toHaveText('config-changed')
  const baseUrl = viewRow(page, 'Base URL')
  const configCell = baseUrl.locator('td[data-column="config"]')
  await expect(configCell).toHaveAttribute('data-drift', 'true')
  await expect(configCell).toContainText(newUrl)
  await expect(baseUrl.locator('td[data-column="active"]')).toContainText(`${fake.url}/work/v1`)
  await expect(baseUrl.locator('td[data-column="active"]')).not.toHaveAttribute('data-drift')
  // The explanation is shown under the row and describes the differing cell.
  await expect(dialog.getByText(`The config now points this entry at ${newUrl}.`)).toBeVisible()
  await expect(configCell).toHaveAccessibleDescription(new RegExp(`points this entry at ${newUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`))
  await page.screenshot({ path: 'test-results/diagnostics.png' })

  await dialog.getByRole('button', { name: 'Apply config' }).click()
  await expect(configCell).not.toHaveAttribute('data-drift')
  await expect(baseUrl.locator('td[data-column="active"]')).toContainText(newUrl)
  await expect(baseUrl.locator('[data-drift="true"]')).toHaveCount(0)
  await expect(dialog.getByTestId('diagnostics-status')).not.toHaveText('config-changed')
  await expect(dialog.getByRole('button', { name: 'Apply config' })).toBeDisabled()

  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('identity-state')).toHaveCount(0)
  await send(page, 'after apply')
  await expect(assistantMessages(page).last()).toContainText('Echo [gpt-work]: after apply')

  await keel.settled()
  const chats = fake.requests().filter((r) => r.protocol === 'openai-chat')
  expect(chats.map((r) => r.path)).toEqual(['/work/v1/chat/completions', '/work-v2/v1/chat/completions'])
  for (const r of chats) {
    expect(r.bearer).toBe(key)
    expect(r.model).toBe('gpt-work')
  }
})

test('Diagnostics opens from the app menu and Ctrl+Shift+D; Copy report falls back to a Report field', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  const key = keel.newKey('menu')
  await addProvider(page, { name: 'Acme', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/acme/v1`, model: 'acme-1', key })
  await closeSettings(page)
  await newSession(page)
  await send(page, 'hello')
  await expect(assistantMessages(page).last()).toContainText('Echo [acme-1]: hello')

  // The app menu, by keyboard: ArrowDown opens it on its first item, Escape closes it and returns focus.
  const menuButton = page.getByRole('button', { name: 'App menu' })
  await menuButton.focus()
  await page.keyboard.press('ArrowDown')
  const menu = page.getByRole('menu', { name: 'App menu' })
  await expect(menu.getByRole('menuitem')).toHaveText(['Settings', 'Diagnostics', 'New session', 'Recent sessions'].map((t) => new RegExp(`^${t}`)))
  await expect(menu.getByRole('menuitem', { name: 'Settings' })).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(menu).toBeHidden()
  await expect(menuButton).toBeFocused()

  await page.keyboard.press('Enter')
  await page.keyboard.press('ArrowDown')
  await expect(menu.getByRole('menuitem', { name: 'Diagnostics' })).toBeFocused()
  await page.keyboard.press('Enter')
  const dialog = diagnosticsDialog(page)
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('diagnostics-status')).toHaveText('ok')
  await expect(dialog.getByText('All views agree.')).toBeVisible()
  await expect(dialog.getByRole('table', { name: 'Identity views' }).locator('[data-drift="true"]')).toHaveCount(0)
  await expect(dialog.getByRole('columnheader')).toHaveText(['Field', 'Active', 'Persisted', 'Config', 'Cached'])
  // Copy report: to the clipboard, with a toast that goes away by itself. Its timer runs on a clock the test moves
  // past the toast's 5 s, so the check does not depend on how busy the machine is.
  await page.clock.install()
  await dialog.getByRole('button', { name: 'Copy report' }).click()
  const toast = page.getByRole('status').getByText('Report copied')
  await expect(toast).toBeVisible()
  await page.clock.fastForward(6_000)
  await expect(toast).toBeHidden()
  await dialog.getByRole('button', { name: 'Close diagnostics' }).click()
  await expect(dialog).toBeHidden()

  // Without a clipboard the report is shown for copying by hand, and it holds no secret.
  await page.evaluate(() => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) }, configurable: true })
  })
  await page.keyboard.press('Control+Shift+D')
  await expect(dialog).toBeVisible()
  await dialog.getByRole('button', { name: 'Copy report' }).click()
  const report = dialog.getByRole('textbox', { name: 'Report' })
  await expect(report).toBeVisible()
  const json = JSON.parse(await report.inputValue())
  expect(json.sessions).toHaveLength(1)
  expect(json.app.dataDir).toBeTruthy()
  expect(await report.inputValue()).not.toContain(key)
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
})

test('the provider form offers Authentication: local kinds default to no key, which hides the key field', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Add provider' }).click()
  const auth = settings.getByLabel('Authentication')
  await expect(auth).toHaveValue('api-key')
  await expect(settings.getByLabel('API key')).toBeVisible()
  await settings.getByLabel('Kind').selectOption({ label: 'LM Studio' })
  await expect(auth).toHaveValue('none')
  await expect(settings.getByLabel('API key')).toHaveCount(0)

  // A keyless OpenAI-compatible server: chosen explicitly, saved, and used without a key.
  await settings.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await expect(auth).toHaveValue('api-key')
  await auth.selectOption({ label: 'No key needed' })
  await expect(settings.getByLabel('API key')).toHaveCount(0)
  // The choice sticks when the kind changes again.
  await settings.getByLabel('Kind').selectOption({ label: 'OpenRouter' })
  await settings.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await expect(auth).toHaveValue('none')
  await settings.getByLabel('Name', { exact: true }).fill('Open server')
  await settings.getByLabel('Base URL').fill(`${fake.url}/open/v1`)
  await settings.getByLabel('Default model', { exact: true }).fill('open-1')
  await settings.getByRole('button', { name: 'Save' }).click()
  await expect(settings.getByText('No key needed')).toBeVisible()
  await page.getByRole('button', { name: 'Edit Open server' }).click()
  await expect(settings.getByLabel('Authentication')).toHaveValue('none')
  await settings.getByLabel('Authentication').selectOption({ label: 'API key' })
  await expect(settings.getByLabel('API key')).toBeVisible()
  await settings.getByRole('button', { name: 'Cancel' }).click()
  await closeSettings(page)

  await newSession(page)
  await send(page, 'no key please')
  await expect(assistantMessages(page).last()).toContainText('Echo [open-1]: no key please')
  const chat = fake.requests().find((r) => r.protocol === 'openai-chat')!
  expect(chat.bearer).toBeUndefined()
  const config = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(config.providers[0].auth).toBe('none')
})
