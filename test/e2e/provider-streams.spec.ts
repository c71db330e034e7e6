// Provider streams that misbehave, as the user sees them (issue #7, section 4): the timeouts are set in the
// provider form's Advanced section, a provider that goes quiet mid-reply leaves its partial text marked incomplete
// above an error naming the entry, and a captive-portal page is reported as the page it is.
import { expect } from '@playwright/test'
import { assistantMessages, closeSettings, newSession, send, test } from './support/fixtures'

test('a stalled stream and an HTML page end as errors naming the entry; the partial reply is kept and marked', async ({ page, fake, keel }) => {
  await keel.launch()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  if (!(await settings.getByLabel('Name', { exact: true }).isVisible())) await settings.getByRole('button', { name: 'Add provider' }).click()
  await settings.getByLabel('Name', { exact: true }).fill('Flaky')
  await settings.getByLabel('Kind').selectOption({ label: 'Ollama' })
  await settings.getByLabel('Base URL').fill(`${fake.url}/flaky/v1`)
  await settings.getByLabel('Default model', { exact: true }).fill('f-1')
  await settings.getByText('Advanced: timeouts').click()
  // The defaults are shown, longer for a local server.
  await expect(settings.getByLabel('First-byte timeout (s)')).toHaveAttribute('placeholder', 'Default 280')
  // Only the idle timeout is short: a 0.5 s first-byte timeout fired before the fake's headers on a loaded machine.
  await settings.getByLabel('First-byte timeout (s)').fill('60')
  await settings.getByLabel('Idle timeout (s)').fill('0.5')
  await settings.getByRole('button', { name: 'Save' }).click()
  await expect(settings.getByText('Flaky', { exact: true }).first()).toBeVisible()
  await closeSettings(page)

  await newSession(page)
  fake.script({ stall: 'after-text', times: 1 })
  await send(page, 'tell me everything')
  const error = page.getByRole('alert', { name: 'Turn error' })
  await expect(error).toContainText('The provider stopped responding')
  await expect(error).toContainText('"Flaky" stopped sending in the middle of the reply: nothing arrived for 0.5 s')
  await expect(error).toContainText('raise the idle timeout of "Flaky"')
  const partial = assistantMessages(page).last()
  await expect(partial).toContainText('Echo')
  await expect(partial).toContainText('Incomplete: the reply was cut off (see the error below)')
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible()

  fake.script({ page: { body: '<html><head><title>Harbour Hotel: sign in</title></head><body></body></html>' }, times: 1 })
  await send(page, 'are you there?')
  await expect(page.getByRole('alert', { name: 'Turn error' }).last()).toContainText('"Flaky" answered with an HTML page titled "Harbour Hotel: sign in" instead of a reply stream')
  await expect(page.getByRole('alert', { name: 'Turn error' }).last()).toContainText('The provider did not send a reply stream (HTTP 200)')

  // The entry keeps its timeouts: editing it shows them, in seconds.
  await page.getByRole('button', { name: 'Settings' }).click()
  await settings.getByRole('button', { name: 'Edit Flaky' }).click()
  await expect(settings.getByLabel('First-byte timeout (s)')).toHaveValue('60')
  await expect(settings.getByLabel('Idle timeout (s)')).toHaveValue('0.5')
  await settings.getByRole('button', { name: 'Cancel' }).click()
  await closeSettings(page)

  // After a restart the partial reply is still there, still marked.
  await keel.restart()
  await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: 'tell me everything' }).click()
  await expect(assistantMessages(page).first()).toContainText('Incomplete: the reply was cut off')
  await expect(page.getByRole('alert', { name: 'Turn error' }).first()).toContainText('stopped sending in the middle of the reply')
})
