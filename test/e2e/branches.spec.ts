// Message actions and branches through the browser host (issue #12): Regenerate (same model, and another one from
// the picker), Edit + resend, Retry after a provider error, and moving between versions with the keyboard (‹ n / m ›,
// named buttons, the position read out). The provider receives only the branch shown; a reload keeps it; a search
// hit on another version opens that version.
import type { Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, pickModel, send, test } from './support/fixtures'
import { axeViolations as violations } from './support/a11y'

type Sent = { role: string; content: unknown }
const userTexts = (body: unknown) => ((body as { messages: Sent[] }).messages ?? []).filter((m) => m.role !== 'system').map((m) => [m.role, typeof m.content === 'string' ? m.content : JSON.stringify(m.content)])

const replyVersions = (page: Page) => page.getByRole('group', { name: 'Versions of this reply' })
const promptVersions = (page: Page) => page.getByRole('group', { name: 'Versions of this prompt' })
const userMessages = (page: Page) => page.getByRole('article', { name: 'user message', exact: true })

test('regenerate, edit, retry and version navigation by keyboard; only the shown branch is sent; a reload keeps it', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('branches') })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Work gateway', 'gpt-work')

  await send(page, 'hello')
  await expect(assistantMessages(page)).toHaveText(['Echo [gpt-work]: hello'])

  // Regenerate on the same model: a second version of the reply, the first one kept.
  fake.script({ reply: 'Second take', times: 1 })
  await page.getByRole('button', { name: 'Regenerate', exact: true }).click()
  await expect(assistantMessages(page)).toHaveText(['Second take'])
  await expect(replyVersions(page).getByTestId('version-position')).toHaveText('Version 2 / 2')
  expect(userTexts(fake.requests().at(-1)!.body)).toEqual([['user', 'hello']])
  expect(await violations(page, '.branch-actions')).toEqual([])

  // ‹ with the keyboard: Tab to the button, Enter; then → on the navigator goes forward again.
  const previous = page.getByRole('button', { name: 'Previous version of this reply' })
  await previous.focus()
  await expect(previous).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(assistantMessages(page)).toHaveText(['Echo [gpt-work]: hello'])
  await expect(replyVersions(page).getByTestId('version-position')).toHaveText('Version 1 / 2')
  await expect(page.getByRole('button', { name: 'Previous version of this reply' })).toBeDisabled()
  await page.getByRole('button', { name: 'Next version of this reply' }).focus()
  await page.keyboard.press('ArrowRight')
  await expect(assistantMessages(page)).toHaveText(['Second take'])
  await expect(replyVersions(page).getByTestId('version-position')).toHaveText('Version 2 / 2')

  // Edit + resend: the prompt gets a second version, answered with only what came before it.
  await page.getByRole('button', { name: 'Edit', exact: true }).click()
  const editor = page.getByRole('textbox', { name: 'Edited prompt' })
  await expect(editor).toHaveValue('hello')
  expect(await violations(page, '.message-edit')).toEqual([])
  await editor.fill('hello again')
  await page.getByRole('button', { name: 'Send edited prompt' }).click()
  await expect(userMessages(page)).toHaveText(['hello again'])
  await expect(assistantMessages(page)).toHaveText(['Echo [gpt-work]: hello again'])
  await expect(promptVersions(page).getByTestId('version-position')).toHaveText('Version 2 / 2')
  expect(userTexts(fake.requests().at(-1)!.body)).toEqual([['user', 'hello again']])

  // Retry after a provider error: nothing retyped, the error goes, the reply comes.
  fake.script({ status: 500, message: 'the gateway fell over', times: 1 })
  await send(page, 'fail once')
  const error = page.getByRole('alert', { name: 'Turn error' })
  await expect(error).toContainText('the gateway fell over')
  expect(await violations(page, '.branch-actions--retry')).toEqual([])
  await page.getByRole('button', { name: 'Retry', exact: true }).click()
  await expect(assistantMessages(page).nth(1)).toHaveText('Echo [gpt-work]: fail once')
  await expect(error).toHaveCount(0)
  expect(userTexts(fake.requests().at(-1)!.body)).toEqual([
    ['user', 'hello again'],
    ['assistant', 'Echo [gpt-work]: hello again'],
    ['user', 'fail once'],
  ])
  await expect(page.getByLabel('Message')).toHaveValue('')

  // Regenerate on another model, picked in the model picker: the session switches, and the reply says so.
  await page.getByRole('button', { name: 'Regenerate with another model…' }).last().click()
  const picker = page.getByRole('dialog', { name: 'Regenerate with another model' })
  const group = picker.getByRole('button', { name: 'Work gateway', exact: true })
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click()
  expect(await violations(page, 'dialog[open]')).toEqual([])
  await picker.getByLabel('Model id').fill('gpt-other')
  await picker.getByRole('button', { name: 'Use model' }).click()
  await expect(picker).toBeHidden()
  await expect(assistantMessages(page).nth(1)).toHaveText('Echo [gpt-other]: fail once')
  await expect(page.getByTestId('identity-model')).toHaveText('gpt-other')
  expect(fake.requests().at(-1)!.model).toBe('gpt-other')

  // Back to the first prompt (and its newest reply): the next message continues from there only.
  await page.getByRole('button', { name: 'Previous version of this prompt' }).click()
  await expect(userMessages(page)).toHaveText(['hello'])
  await expect(assistantMessages(page)).toHaveText(['Second take'])
  await send(page, 'go on')
  await expect(assistantMessages(page).nth(1)).toHaveText('Echo [gpt-other]: go on')
  expect(userTexts(fake.requests().at(-1)!.body)).toEqual([
    ['user', 'hello'],
    ['assistant', 'Second take'],
    ['user', 'go on'],
  ])

  // A reload shows the same branch, with its versions.
  await page.reload()
  await page.getByRole('list', { name: 'Sessions' }).getByText('hello', { exact: true }).click()
  await expect(userMessages(page)).toHaveText(['hello', 'go on'])
  await expect(assistantMessages(page)).toHaveText(['Second take', 'Echo [gpt-other]: go on'])
  await expect(promptVersions(page).getByTestId('version-position')).toHaveText('Version 1 / 2')
  await expect(replyVersions(page).getByTestId('version-position')).toHaveText('Version 2 / 2')

  // A search hit on the other version of the prompt opens that version (it becomes the branch shown and sent).
  await page.getByRole('searchbox', { name: 'Search sessions' }).fill('fail once')
  const hits = page.getByRole('list', { name: 'Sessions (search results)' }).getByRole('listitem')
  await hits.filter({ hasText: 'fail once' }).first().getByRole('button').first().click()
  await expect(userMessages(page)).toHaveText(['hello again', 'fail once'])
  await expect(promptVersions(page).getByTestId('version-position')).toHaveText('Version 2 / 2')
  await expect(assistantMessages(page).nth(1)).toHaveText('Echo [gpt-other]: fail once')
})
