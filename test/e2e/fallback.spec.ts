// Fallback as the user sees it (issue #11, invariant 17): a session's own fallback list set from its header with the
// model picker, a primary that answers 503, and then — in the header, under the reply and in Diagnostics — who
// answered, which binding was selected and why. The next turn goes to the selected binding again.
import { expect } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, newSession, pickModel, send, test } from './support/fixtures'

test('a 503 on the selected model: the fallback answers, and the header, the reply and Diagnostics say so', async ({ page, fake, keel }) => {
  await keel.launch()
  // Each server lists its own model: a fallback whose model its entry does not list is reported, not used.
  fake.script({ protocol: 'models', pathPrefix: '/primary', models: ['p-1'] })
  fake.script({ protocol: 'models', pathPrefix: '/backup', models: ['b-1'] })
  await addProvider(page, { name: 'Primary', kind: 'Ollama', baseUrl: `${fake.url}/primary/v1`, model: 'p-1' })
  await addProvider(page, { name: 'Backup', kind: 'Ollama', baseUrl: `${fake.url}/backup/v1`, model: 'b-1' })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Primary', 'p-1')

  // The session's own fallback list, through the model picker's groups, with the keyboard-reachable dialog.
  await page.getByRole('button', { name: 'Fallbacks…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Session fallbacks' })
  await dialog.getByRole('button', { name: 'Add a fallback…' }).click()
  const groups = dialog.getByRole('group', { name: 'Pick a fallback model' })
  const backup = groups.getByRole('button', { name: 'Backup', exact: true })
  if ((await backup.getAttribute('aria-expanded')) !== 'true') await backup.click()
  await groups.getByLabel('Model id').fill('b-1')
  await groups.getByRole('button', { name: 'Use model' }).click()
  await expect(dialog.getByRole('list', { name: 'Fallbacks, in the order they are tried' })).toContainText('Backup · b-1')
  await expect(dialog.getByRole('checkbox', { name: 'Server errors (5xx)' })).toBeChecked()
  await dialog.getByRole('button', { name: 'Save for this session' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('session-fallback-source')).toHaveText('1 (this session’s)')

  fake.script({ pathPrefix: '/primary', status: 503, times: 1 })
  await send(page, 'hello there')
  await expect(assistantMessages(page).last()).toContainText('Echo [b-1]: hello there')
  const line = 'answered by Backup · b-1 — fallback from Primary · p-1: HTTP 503'
  await expect(page.getByTestId('session-fallback-line')).toHaveText(line)
  await expect(page.getByTestId('reply-fallback').last()).toHaveText(line)
  // The selected binding is unchanged: the header's identity still names it.
  await expect(page.getByTestId('identity-provider')).toHaveText('Primary')
  await expect(page.getByTestId('identity-model')).toHaveText('p-1')

  await page.getByRole('button', { name: 'Diagnostics', exact: true }).click()
  const diagnostics = page.getByRole('dialog', { name: /Diagnostics/ })
  const row = diagnostics.locator('tr[data-field="fallback"]')
  await expect(row).toContainText('Answered by')
  await expect(row).toContainText(line)
  await expect(row).toContainText('primary · p-1 (selected)')
  await page.keyboard.press('Escape')
  await expect(diagnostics).toBeHidden()

  // The next turn tries the selected binding first: Primary answers, and the header's fallback line is gone.
  await send(page, 'and again')
  await expect(assistantMessages(page).last()).toContainText('Echo [p-1]: and again')
  await expect(page.getByTestId('session-fallback-line')).toHaveCount(0)
  await keel.settled()
  const paths = fake.requests().filter((r) => r.protocol !== 'models').map((r) => `${r.path} ${r.model}`)
  expect(paths).toEqual(['/primary/v1/chat/completions p-1', '/backup/v1/chat/completions b-1', '/primary/v1/chat/completions p-1'])
})
