// Issue #7 §5–6 in the browser, through the host and the real core: bad provider input gets a clear error in the
// form and nothing is saved; a provider echoing the key (base64, hex, …) never shows it in the window.
import { addProvider, closeSettings, expect, newSession, send, test } from './support/fixtures'

test('a header the wire cannot carry is refused in the form, naming the line', async ({ page, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Add provider' }).click()
  await settings.getByLabel('Name', { exact: true }).fill('Team proxy')
  await settings.getByLabel('Kind').selectOption({ label: 'Ollama' })
  await settings.getByLabel('Headers').fill('X-Team: eu-1\nX-Owner: Zoë')
  await settings.getByRole('button', { name: 'Save' }).click()
  const alert = settings.getByRole('alert')
  await expect(alert).toContainText('Headers, line 2: the value of X-Owner has characters a header cannot carry')
  await expect(alert).toContainText('printable ASCII')
  await expect(settings.getByLabel('Headers')).toHaveAttribute('aria-invalid', 'true')
  await expect(settings.getByText('Team proxy', { exact: true })).toHaveCount(0)
})

test('a key with characters HTTP cannot carry is refused without being shown, and no entry is created', async ({ page, keel }) => {
  await keel.launch()
  const key = 'sk-тест-ключ-abcdef123456'
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Add provider' }).click()
  await settings.getByLabel('Name', { exact: true }).fill('Pasted wrong')
  await settings.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await settings.getByLabel('Base URL').fill('http://127.0.0.1:9/v1')
  await settings.getByLabel('API key').fill(key)
  await settings.getByRole('button', { name: 'Save' }).click()
  const alert = settings.getByRole('alert')
  await expect(alert).toContainText('cannot carry')
  await expect(alert).not.toContainText('тест')
  await expect(alert).not.toContainText('abcdef123456')
  await expect(settings.getByText('Pasted wrong', { exact: true })).toHaveCount(0)
})

test('a base URL with a password in it is refused, saying the secret belongs in the key', async ({ page, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('button', { name: 'Add provider' }).click()
  await settings.getByLabel('Name', { exact: true }).fill('Creds in URL')
  await settings.getByLabel('Kind').selectOption({ label: 'OpenAI-compatible' })
  await settings.getByLabel('Base URL').fill('http://me:PW-s3cret@127.0.0.1:9/v1')
  await settings.getByRole('button', { name: 'Save' }).click()
  const alert = settings.getByRole('alert')
  await expect(alert).toContainText('user name or password')
  await expect(alert).toContainText('API key, which is kept in the keychain')
  await expect(alert).not.toContainText('s3cret')
  await expect(settings.getByText('Creds in URL', { exact: true })).toHaveCount(0)
})

test('a provider that echoes the key in a 401 body, in several encodings, shows the error with none of them', async ({ page, fake, keel }) => {
  await keel.launch()
  const key = keel.newKey('echo')
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Echoer', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/echo/v1`, model: 'e-1', key })
  await closeSettings(page)
  fake.script({ status: 401, echoKey: ['raw', 'base64', 'base64url', 'hex', 'url', 'basic'] })
  await newSession(page)
  await send(page, 'let me in')
  const error = page.getByRole('alert', { name: 'Turn error' })
  await expect(error).toContainText('"Echoer" rejected the API key (HTTP 401)')
  await expect(error).toContainText('[redacted]')
  const bytes = Buffer.from(key)
  const html = (await page.content()).toLowerCase()
  for (const form of [key, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), bytes.toString('hex')]) {
    expect(html).not.toContain(form.toLowerCase())
  }
})
