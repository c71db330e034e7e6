// Issue #12's "rough edges found by a new user", through the browser host as a user meets them: Remove key waits
// for Save (the real keychain keeps the key on Cancel), the header follows a rename it cannot see in the sidebar,
// Test connection (checked on the wire) and the warnings before saving, an 800×600 window, Ctrl/Cmd+N reusing an
// empty session, and Archive with its Archived view.
import fs from 'node:fs'
import path from 'node:path'
import keytar from 'keytar'
import type { Locator, Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

const settingsDialog = (page: Page) => page.getByRole('dialog', { name: 'Settings' })

/** How many text lines an element takes: its height over its line height (no sleeping, no pixel guesses). */
async function lineCount(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    // Runs in the page (the test's tsconfig has no DOM library).
    const view = el.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { lineHeight: string; fontSize: string } }
    const style = view.getComputedStyle(el)
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2
    return Math.round(el.getBoundingClientRect().height / lineHeight)
  })
}

async function openProviderForm(page: Page, name?: string) {
  const settings = settingsDialog(page)
  if (!(await settings.isVisible())) await page.getByRole('button', { name: 'Settings' }).first().click()
  if (name) await settings.getByRole('button', { name: `Edit ${name}` }).click()
  else await settings.getByRole('button', { name: 'Add provider' }).click()
  return settings.getByRole('form', { name: name ? `Edit ${name}` : 'New provider' })
}

test('Remove key asks first and waits for Save: Cancel keeps the key in the keychain and on the wire', async ({ page, fake, keel }) => {
  await keel.launch()
  const key = keel.newKey('keep')
  await addProvider(page, { name: 'Work', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'w-1', key })
  let form = await openProviderForm(page, 'Work')
  await form.getByRole('button', { name: 'Remove key' }).click()
  // Asked first; Cancel in the question changes nothing.
  const confirm = page.getByRole('dialog', { name: 'Remove the stored key?' })
  await expect(confirm).toContainText('when you save')
  await confirm.getByRole('button', { name: 'Cancel' }).click()
  await expect(confirm).toBeHidden()
  await expect(form.getByRole('button', { name: 'Remove key' })).toBeVisible()
  // Confirmed: pending only. The key is still in the keychain, and Cancel on the form leaves it there.
  await form.getByRole('button', { name: 'Remove key' }).click()
  await confirm.getByRole('button', { name: 'Remove on save' }).click()
  await expect(confirm).toBeHidden()
  expect(await keytar.getPassword(keel.keychainService, 'provider:work')).toBe(key)
  await expect(form.getByRole('status').filter({ hasText: 'will be removed from the keychain when you save' })).toBeVisible()
  await form.getByRole('button', { name: 'Cancel' }).click()
  await expect(form).toBeHidden()
  expect(await keytar.getPassword(keel.keychainService, 'provider:work')).toBe(key)
  await closeSettings(page)
  await newSession(page)
  await send(page, 'still keyed')
  await expect(assistantMessages(page).last()).toContainText('Echo [w-1]: still keyed')
  expect(fake.requests().filter((r) => r.protocol === 'openai-chat').at(-1)).toMatchObject({ path: '/work/v1/chat/completions', bearer: key })

  // Remove, confirm, Save: now it is gone from the keychain and the session says so before sending anything.
  form = await openProviderForm(page, 'Work')
  await form.getByRole('button', { name: 'Remove key' }).click()
  await confirm.getByRole('button', { name: 'Remove on save' }).click()
  await form.getByRole('button', { name: 'Save' }).click()
  await expect(form).toBeHidden()
  await expect.poll(() => keytar.getPassword(keel.keychainService, 'provider:work')).toBeNull()
  await closeSettings(page)
  await expect(page.getByRole('alert').filter({ hasText: 'No API key for "Work"' })).toBeVisible()
})

test('the header follows the open session\'s own summary when the sidebar search filters it out', async ({ page, fake, keel }) => {
  await keel.launch()
  await addProvider(page, { name: 'Work', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'w-1', key: keel.newKey('title') })
  await closeSettings(page)
  await newSession(page)
  await page.getByLabel('Search sessions').fill('zebra crossing')
  await expect(page.getByText('No sessions match.')).toBeVisible()
  // The first message renames the session (main titles it after the message) while the list cannot show it.
  await send(page, 'Harbour tide tables for Sunday')
  await expect(assistantMessages(page).last()).toContainText('Harbour tide tables')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Harbour tide tables for Sunday')
  await expect(page).toHaveTitle('Harbour tide tables for Sunday — Keel')
})

test('Test connection uses the form\'s unsaved values and the typed or stored key (seen on the wire), shows the exact error, and warns before saving', async ({ page, fake, keel }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await keel.launch()
  const typed = keel.newKey('typed')
  fake.script({ protocol: 'models', pathPrefix: '/probe/', models: ['p-1', 'p-2'] })
  fake.script({ protocol: 'models', pathPrefix: '/deny/', status: 401, echoKey: ['raw'] })
  fake.script({ protocol: 'models', pathPrefix: '/nolist/', status: 404 })
  const form = await openProviderForm(page)
  await form.getByLabel('Name', { exact: true }).fill('Probe')
  await form.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await form.getByLabel('Base URL').fill(`${fake.url}/probe/v1`)
  await form.getByLabel('API key').fill(typed)
  await form.getByRole('button', { name: 'Test connection' }).click()
  const result = form.getByLabel('Connection test result')
  await expect(result).toContainText('Connected: 2 models listed')
  await expect(result).toContainText(`Asked ${fake.url}/probe/v1/models with the key typed here.`)
  expect(fake.requests()).toEqual([expect.objectContaining({ path: '/probe/v1/models', bearer: typed })])

  // A server that refuses the key (and echoes it back): the status and its words, never the key.
  await form.getByLabel('Base URL').fill(`${fake.url}/deny/v1`)
  await form.getByRole('button', { name: 'Test connection' }).click()
  await expect(result).toContainText('Connection failed (HTTP 401)')
  await expect(result).toContainText('rejected the API key (HTTP 401)')
  expect(await result.textContent()).not.toContain(typed)

  // Nothing listens there.
  await form.getByLabel('Base URL').fill('http://127.0.0.1:9/v1')
  await form.getByRole('button', { name: 'Test connection' }).click()
  await expect(result).toContainText('Could not reach "Probe" at http://127.0.0.1:9/v1')

  // A custom URL with no models list and no model: warned before saving; the user can still save.
  await form.getByLabel('Base URL').fill(`${fake.url}/nolist`)
  await form.getByLabel('Authentication').selectOption({ label: 'No key needed' })
  await form.getByRole('button', { name: 'Save' }).click()
  const warnings = form.getByRole('alert', { name: 'Before saving' })
  await expect(warnings).toContainText('has no default model and no model list')
  await expect(warnings).toContainText(`${fake.url}/nolist/models answered HTTP 404`)
  await expect(warnings).toBeInViewport()
  await expect(result).toContainText('Connection failed (HTTP 404)')
  expect(fake.requests().at(-1)).toMatchObject({ path: '/nolist/models' })
  expect(fake.requests().at(-1)!.bearer).toBeUndefined()
  await warnings.getByRole('button', { name: 'Save anyway' }).click()
  await expect(settingsDialog(page).getByRole('listitem', { name: 'Probe' })).toBeVisible()

  // Editing a saved entry: without a typed key the stored one is used, at the form's new (unsaved) URL.
  const stored = keel.newKey('stored')
  await addProvider(page, { name: 'Kept', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/old/v1`, model: 'k-1', key: stored })
  const edit = await openProviderForm(page, 'Kept')
  await edit.getByLabel('Base URL').fill(`${fake.url}/probe/v1`)
  fake.clear()
  await edit.getByRole('button', { name: 'Test connection' }).click()
  await expect(edit.getByLabel('Connection test result')).toContainText('with the stored key')
  expect(fake.requests()).toEqual([expect.objectContaining({ path: '/probe/v1/models', bearer: stored })])
  await edit.getByRole('button', { name: 'Cancel' }).click()
  await expect(settingsDialog(page).getByRole('listitem', { name: 'Kept' })).toContainText(`${fake.url}/old/v1`)
})

test('a form error scrolls into view and focuses the field', async ({ page, keel }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await keel.launch()
  const form = await openProviderForm(page)
  await form.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await form.getByLabel('Name', { exact: true }).fill('No URL')
  // Save is at the bottom: the Base URL field is out of view when it is pressed.
  await form.getByRole('button', { name: 'Save' }).scrollIntoViewIfNeeded()
  await expect(form.getByLabel('Name', { exact: true })).not.toBeInViewport()
  await form.getByRole('button', { name: 'Save' }).click()
  const url = form.getByLabel('Base URL')
  await expect(url).toBeFocused()
  await expect(url).toBeInViewport()
  await expect(url).toHaveAttribute('aria-invalid', 'true')
  await expect(form.getByRole('alert')).toContainText('Base URL is required')
})

test('an 800×600 window: the sidebar collapses itself, opens on request, and titles and the identity line stay one row', async ({ page, fake, keel }) => {
  await page.setViewportSize({ width: 800, height: 600 })
  await keel.launch()
  const sidebar = page.getByRole('navigation', { name: 'Sidebar' })
  await expect(sidebar.getByRole('button', { name: 'Expand sidebar' })).toBeVisible()
  await expect(page.getByLabel('Search sessions')).toBeHidden()
  expect((await sidebar.boundingBox())!.width).toBeLessThan(80)

  const longName = 'A provider entry with a rather long name for a narrow window'
  const longModel = 'vendor/a-very-long-model-identifier-with-a-version-2026-11-25-preview'
  await page.getByRole('button', { name: 'Settings' }).click()
  await addProvider(page, { name: longName, kind: 'OpenAI-compatible', baseUrl: `${fake.url}/long/v1`, model: longModel, key: keel.newKey('narrow') })
  await closeSettings(page)
  await newSession(page)
  const longTitle = 'A first message long enough to become a title that cannot fit in an eight hundred pixel window at all'
  await send(page, longTitle)
  await expect(assistantMessages(page).last()).toContainText('A first message')
  const heading = page.getByRole('heading', { level: 1 })
  await expect(heading).not.toHaveText('New session')
  expect(await lineCount(heading)).toBe(1)
  await expect(heading).toHaveAttribute('title', (await heading.textContent())!)
  const identity = page.getByTestId('identity-line')
  await expect(page.getByTestId('identity-model')).toHaveText(longModel)
  const identityBox = (await identity.boundingBox())!
  const providerBox = (await page.getByTestId('identity-provider').boundingBox())!
  // One row: the line is no taller than its tallest item (a badge), and the entry name is on that row.
  expect(identityBox.height).toBeLessThan(providerBox.height * 1.9)
  await expect(page.getByTestId('identity-provider')).toHaveAttribute('title', longName)
  await expect(page.getByTestId('identity-model')).toHaveAttribute('title', longModel)

  // Opened with the button (Ctrl/Cmd+B closes it again): the list's titles are one row too, full text in a title.
  await sidebar.getByRole('button', { name: 'Expand sidebar' }).click()
  await expect(page.getByLabel('Search sessions')).toBeVisible()
  const rowTitle = page.getByRole('list', { name: 'Sessions' }).locator('.session-item__title').first()
  expect(await lineCount(rowTitle)).toBe(1)
  await expect(rowTitle).toHaveAttribute('title', /^A first message/)
  await page.keyboard.press('ControlOrMeta+b')
  await expect(sidebar.getByRole('button', { name: 'Expand sidebar' })).toBeVisible()
  // A narrow window's collapse is not a saved choice: the preference still says expanded.
  await keel.settled()
  const prefsFile = path.join(keel.dataDir, 'preferences.json')
  const prefs = (fs.existsSync(prefsFile) ? JSON.parse(fs.readFileSync(prefsFile, 'utf8')) : {}) as { sidebarCollapsed?: boolean }
  expect(prefs.sidebarCollapsed ?? false).toBe(false)
})

test('in a wide window the collapsed sidebar is a saved preference (button and Ctrl/Cmd+B)', async ({ page, keel }) => {
  await keel.launch()
  const sidebar = page.getByRole('navigation', { name: 'Sidebar' })
  await sidebar.getByRole('button', { name: 'Collapse sidebar' }).click()
  await expect(sidebar.getByRole('button', { name: 'Expand sidebar' })).toHaveAttribute('aria-expanded', 'false')
  await expect.poll(() => JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'preferences.json'), 'utf8')).sidebarCollapsed).toBe(true)
  await page.reload()
  await expect(sidebar.getByRole('button', { name: 'Expand sidebar' })).toBeVisible()
  await expect(page.getByLabel('Search sessions')).toBeHidden()
  // The rail still starts a session and opens Settings.
  await expect(sidebar.getByRole('group', { name: 'Session actions' }).getByRole('button', { name: 'New session' })).toBeVisible()
  await page.keyboard.press('ControlOrMeta+b')
  await expect(page.getByLabel('Search sessions')).toBeVisible()
  await expect.poll(() => JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'preferences.json'), 'utf8')).sidebarCollapsed).toBe(false)
})

test('Ctrl/Cmd+N reuses the empty "New session" instead of piling up more; empty sessions are not in Recent sessions', async ({ page, fake, keel }) => {
  await keel.launch()
  await addProvider(page, { name: 'Work', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'w-1', key: keel.newKey('ctrln') })
  await closeSettings(page)
  const list = page.getByRole('list', { name: 'Sessions' })
  const untitled = list.getByRole('button', { name: 'New session', exact: true })
  await page.keyboard.press('ControlOrMeta+n')
  await expect(page.getByLabel('Message')).toBeVisible()
  await expect(untitled).toHaveCount(1)
  await page.getByLabel('Message').press('ControlOrMeta+n')
  await expect(page.getByLabel('Message')).toBeVisible()
  await keel.settled()
  await expect(untitled).toHaveCount(1)
  await expect(list.getByRole('listitem')).toHaveCount(1)

  // Used, it is a conversation: Ctrl/Cmd+N starts a new one.
  await send(page, 'a real conversation')
  await expect(assistantMessages(page).last()).toContainText('a real conversation')
  await page.keyboard.press('ControlOrMeta+n')
  await expect(page.getByRole('heading', { level: 1, name: 'New session', exact: true })).toBeVisible()
  await expect(list.getByRole('listitem')).toHaveCount(2)

  // Recent sessions (the tray's list) names the conversation and not the empty session.
  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
  const recent = page.getByRole('menu', { name: 'Recent sessions' })
  await expect(recent.getByRole('menuitem', { name: /a real conversation/ })).toBeVisible()
  await expect(recent.getByRole('menuitem', { name: /^New session —/ })).toHaveCount(0)
})

test('Archive and the Archived view, by keyboard: archived sessions leave the list and Recent sessions, and come back', async ({ page, fake, keel }) => {
  await keel.launch()
  await addProvider(page, { name: 'Work', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'w-1', key: keel.newKey('archive') })
  await closeSettings(page)
  for (const text of ['groceries for the week', 'planning the trip']) {
    await newSession(page)
    await send(page, text)
    await expect(assistantMessages(page).last()).toContainText(text)
  }
  const list = page.getByRole('list', { name: 'Sessions' })
  const row = list.getByRole('listitem').filter({ hasText: 'groceries for the week' })
  await row.getByRole('button', { name: 'More' }).focus()
  await page.keyboard.press('Enter')
  const archive = page.getByRole('button', { name: 'Archive session groceries for the week' })
  await archive.focus()
  await page.keyboard.press('Enter')
  await expect(list.getByRole('button', { name: 'groceries for the week' })).toHaveCount(0)
  await expect(list.getByRole('button', { name: 'planning the trip' })).toBeVisible()

  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
  const recent = page.getByRole('menu', { name: 'Recent sessions' })
  await expect(recent.getByRole('menuitem', { name: /planning the trip/ })).toBeVisible()
  await expect(recent.getByRole('menuitem', { name: /groceries/ })).toHaveCount(0)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Escape')
  // Search still finds it, marked archived.
  await page.getByLabel('Search sessions').fill('groceries')
  await expect(page.getByRole('list', { name: 'Sessions (search results)' }).getByRole('listitem').first()).toContainText('Archived · ')
  await page.getByLabel('Search sessions').fill('')
  await expect(list.getByRole('button', { name: 'planning the trip', exact: true })).toBeVisible()

  const toggle = page.getByRole('button', { name: 'Archived', exact: true })
  await toggle.focus()
  await page.keyboard.press('Enter')
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  const archived = page.getByRole('list', { name: 'Archived sessions' })
  await expect(archived.getByRole('button', { name: 'groceries for the week', exact: true })).toBeVisible()
  await expect(archived.getByRole('button', { name: 'planning the trip' })).toHaveCount(0)
  // An archived session opens as any other (its messages untouched), its header says it is archived, and
  // Unarchive (there, or in the list's More menu) brings it back.
  await archived.getByRole('button', { name: 'groceries for the week', exact: true }).click()
  await expect(assistantMessages(page).last()).toContainText('groceries for the week')
  const header = page.getByRole('banner', { name: 'Session identity' })
  await expect(header.getByTestId('session-archived')).toContainText('Archived')
  await header.getByRole('button', { name: 'Unarchive' }).click()
  await expect(page.getByText('No archived sessions.')).toBeVisible()
  await expect(header.getByTestId('session-archived')).toHaveCount(0)
  await toggle.click()
  await expect(toggle).toHaveAttribute('aria-pressed', 'false')
  await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: 'groceries for the week' })).toBeVisible()
})
