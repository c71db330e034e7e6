// A locked keychain, as the user sees it: a banner that says it is locked and how to unlock it, and a session that
// says the key cannot be read — never "No API key is stored". A real gnome-keyring on a private bus (the host
// inherits it), locked with the Secret Service Lock method and unlocked as logging in does.
import { addProvider, assistantMessages, closeSettings, expect, send, test } from './support/fixtures'
import { startPrivateKeyring, type PrivateKeyring } from '../support/private-keyring'

let keyring: PrivateKeyring | null = null
const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS
test.afterEach(async () => {
  await keyring?.stop()
  keyring = null
  process.env.DBUS_SESSION_BUS_ADDRESS = savedBus
})

test('locked keychain: banner and session say locked (with how to unlock), never a missing key; unlocking brings the same key back', async ({ page, fake, keel }) => {
  keyring = await startPrivateKeyring()
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/v1`, model: 'm1', key: keel.newKey('locked') })
  await closeSettings(page)
  await page.getByRole('button', { name: 'New session', exact: true }).click()
  await send(page, 'first')
  await expect(assistantMessages(page).last()).toContainText('Echo [m1]: first')

  await keyring.lock()
  await page.reload()

  const banner = page.getByTestId('keychain-banner')
  await expect(banner).toContainText('The OS keychain is locked')
  await expect(banner).toContainText('Keys stored there are kept')
  await expect(banner).toContainText('Unlock the "Login" keyring')
  const unresolved = page.locator('.unresolved[data-reason="keychain-locked"]')
  await expect(unresolved).toContainText('The OS keychain is locked, so the key of "Work" cannot be read. Nothing will be sent.')
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled()
  await expect(page.getByText(/No API key/)).toHaveCount(0)

  await keyring.unlock()
  await banner.getByRole('button', { name: 'Check again' }).click()
  await expect(banner).toBeHidden()
  await page.reload()
  await send(page, 'second')
  await expect(assistantMessages(page).last()).toContainText('Echo [m1]: second')
  // Exactly these two (nothing sent while locked, nothing late): counted once Keel has settled.
  await keel.settled()
  expect(fake.requests().map((r) => r.bearer)).toEqual([keel.keys[0], keel.keys[0]])
})
