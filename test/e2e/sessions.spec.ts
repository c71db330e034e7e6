// The session list as a user works it: keyboard shortcut for a new session, rename, search, delete with
// confirmation — and the other sessions' messages untouched.
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

test('new (keyboard), rename, search and delete sessions; messages of the others stay', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })
  await closeSettings(page)
  const list = page.getByRole('list', { name: 'Sessions' })

  await page.keyboard.press('Control+Shift+O')
  await expect(page.getByRole('heading', { level: 1, name: 'New session', exact: true })).toBeVisible()
  await send(page, 'planning the trip')
  await expect(assistantMessages(page).last()).toContainText('planning the trip')
  await newSession(page)
  await send(page, 'groceries for sunday')
  await expect(assistantMessages(page).last()).toContainText('groceries for sunday')

  // Shift+Enter makes a newline instead of sending.
  await page.getByLabel('Message').fill('line one')
  await page.getByLabel('Message').press('Shift+Enter')
  await page.getByLabel('Message').pressSequentially('line two')
  await expect(page.getByLabel('Message')).toHaveValue('line one\nline two')
  await page.getByLabel('Message').fill('')

  const item = list.getByRole('listitem').filter({ hasText: 'planning the trip' })
  await item.getByRole('button', { name: 'More' }).click()
  await page.getByRole('button', { name: 'Rename session planning the trip' }).click()
  await page.getByLabel('Session title').fill('Trip to Lisbon')
  await page.getByLabel('Session title').press('Enter')
  await expect(list.getByRole('button', { name: 'Trip to Lisbon', exact: true })).toBeVisible()

  await page.getByRole('searchbox', { name: 'Search sessions' }).fill('lisbon')
  await expect(list.getByRole('listitem')).toHaveCount(1)
  await page.getByRole('searchbox', { name: 'Search sessions' }).fill('')
  await expect(list.getByRole('listitem')).toHaveCount(2)

  const groceries = list.getByRole('listitem').filter({ hasText: 'groceries for sunday' })
  await groceries.getByRole('button', { name: 'More' }).click()
  await page.getByRole('button', { name: 'Delete session groceries for sunday' }).click()
  const confirm = page.getByRole('dialog', { name: 'Delete session?' })
  await confirm.getByRole('button', { name: 'Cancel' }).click()
  await expect(list.getByRole('listitem')).toHaveCount(2)
  await groceries.getByRole('button', { name: 'More' }).click()
  await page.getByRole('button', { name: 'Delete session groceries for sunday' }).click()
  await page.getByRole('dialog', { name: 'Delete session?' }).getByRole('button', { name: 'Delete', exact: true }).click()
  await expect(list.getByRole('listitem')).toHaveCount(1)

  await list.getByRole('button', { name: 'Trip to Lisbon', exact: true }).click()
  await expect(assistantMessages(page)).toHaveCount(1)
  await expect(assistantMessages(page).first()).toContainText('Echo [llama3.3]: planning the trip')
})
