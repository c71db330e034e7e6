// Issue 4 through the browser host: the tray menu model mirrored in the app ("Recent sessions"), quick-resume of
// resolved and unresolved sessions, and the next message's key, URL and model asserted at the fake provider.
import { addProvider, assistantMessages, closeSettings, expect, newSession, openSessionItem, pickModel, send, test } from './support/fixtures'
import keytar from 'keytar'

test('quick-resume from the tray menu re-reads the key and sends each session on its own entry; unresolved sends nothing', async ({ page, fake, keel }) => {
  await keel.launch()
  const keyA = keel.newKey('alpha')
  const keyB = keel.newKey('beta')
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Alpha', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/alpha/v1`, model: 'a-1', key: keyA })
  await addProvider(page, { name: 'Beta', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/beta/v1`, model: 'b-1', key: keyB })
  await addProvider(page, { name: 'Gamma', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/gamma/v1`, model: 'g-1' })
  await closeSettings(page)

  for (const [entry, model, text] of [['Alpha', 'a-1', 'alpha talk'], ['Beta', 'b-1', 'beta talk'], ['Gamma', 'g-1', 'gamma talk']] as const) {
    await newSession(page)
    await page.getByLabel('Message').fill(text)
    await pickModel(page, entry, model)
    if (entry !== 'Gamma') {
      await page.getByLabel('Message').press('Enter')
      await expect(assistantMessages(page).last()).toContainText(text)
    } else {
      // The open session's own item (the list's order and titles may still be catching up).
      await openSessionItem(page).getByRole('button', { name: 'More' }).click()
      await page.getByRole('button', { name: 'Rename session New session' }).click()
      await page.getByLabel('Session title').fill('gamma talk')
      await page.getByLabel('Session title').press('Enter')
      await expect(openSessionItem(page).getByRole('button', { name: 'gamma talk', exact: true })).toBeVisible()
    }
  }

  // Beta's key is rotated in the keychain behind Keel's back; quick-resume must read it fresh.
  const rotated = keel.newKey('beta-rotated')
  await keytar.setPassword(keel.keychainService, 'provider:beta', rotated)
  await keel.restart()

  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
  const tray = page.getByRole('menu', { name: 'Recent sessions' })
  await expect(tray.getByRole('menuitem', { name: /gamma talk — Gamma · g-1 \(unresolved\)/ })).toBeVisible()
  await expect(tray.getByRole('menuitem', { name: /beta talk — Beta · b-1/ })).toBeVisible()
  await page.screenshot({ path: 'test-results/tray-menu.png' })

  fake.clear()
  await tray.getByRole('menuitem', { name: /beta talk/ }).click()
  await expect(page.getByRole('heading', { name: 'beta talk' })).toBeVisible()
  await expect(page.getByTestId('identity-provider')).toHaveText('Beta')
  await send(page, 'resumed beta')
  await expect(assistantMessages(page).last()).toContainText('resumed beta')
  expect(fake.requests().at(-1)).toMatchObject({ path: '/beta/v1/chat/completions', bearer: rotated, model: 'b-1' })

  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
  await page.getByRole('menu', { name: 'Recent sessions' }).getByRole('menuitem', { name: /alpha talk/ }).click()
  await expect(page.getByTestId('identity-provider')).toHaveText('Alpha')
  await send(page, 'resumed alpha')
  await expect(assistantMessages(page).last()).toContainText('resumed alpha')
  expect(fake.requests().at(-1)).toMatchObject({ path: '/alpha/v1/chat/completions', bearer: keyA, model: 'a-1' })

  fake.clear()
  await page.getByRole('button', { name: 'App menu' }).click()
  await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
  await page.getByRole('menu', { name: 'Recent sessions' }).getByRole('menuitem', { name: /gamma talk/ }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'No API key for "Gamma"' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled()
  await keel.settled()
  expect(fake.requests()).toEqual([])
})
