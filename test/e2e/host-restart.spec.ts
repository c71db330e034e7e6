// A page left open across a restart of the browser host holds the earlier run's token, which the new run refuses.
// It must say so and point to the new URL — never show "No sessions yet" or the welcome screen, which read as if
// the sessions were gone. Opening the new URL shows them again.
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

const STALE = 'This page belongs to an earlier run of the Keel host: open the new URL printed in the terminal.'

test('after a host restart the old page says to open the new URL instead of showing an empty Keel', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })
  await closeSettings(page)
  await newSession(page)
  await send(page, 'still here after the restart')
  await expect(assistantMessages(page).last()).toContainText('still here after the restart')

  const next = await keel.restartBehindPage()

  // The open page reconnects on its own schedule (backing off up to 15 s while the host was down), is refused, and
  // says why. The bound covers that schedule; the wait ends as soon as the message shows.
  await expect(page.getByRole('alert').filter({ hasText: STALE })).toBeVisible({ timeout: 30_000 })
  await expect(page.getByRole('region', { name: 'Not connected' })).toContainText('Open the new URL printed in the terminal')
  await expect(page.getByText('No sessions yet.')).toHaveCount(0)

  // A reload keeps the tab's old token: same message, still no "No sessions yet", no welcome screen.
  await page.reload()
  await expect(page.getByRole('alert').filter({ hasText: STALE })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Not connected' })).toBeVisible()
  await expect(page.getByText('No sessions yet.')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Add provider' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Reload' })).toHaveCount(0)

  // The new URL shows the sessions, untouched.
  await page.goto(next.url)
  await expect(page.getByRole('alert').filter({ hasText: STALE })).toHaveCount(0)
  await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: 'still here after the restart' }).click()
  await expect(assistantMessages(page).first()).toContainText('Echo [llama3.3]: still here after the restart')
})
