// Issue 3, user-visible: config edits while a session is live, key rotation without restart, crash recovery that
// asks when the identity changed — driven in Chromium through the host, asserted at the recording fake provider.
import fs from 'node:fs'
import path from 'node:path'
import keytar from 'keytar'
import Database from 'better-sqlite3'
import { addProvider, assistantMessages, closeSettings, expect, newSession, pickModel, send, test } from './support/fixtures'

const chats = (fake: { requests(): Array<{ protocol: string; path: string }> }) => fake.requests().filter((r) => r.protocol !== 'models')

test('a pinned session whose entry is edited in config.json shows the difference; Keep stays, Apply switches', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Edge', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/old/v1`, model: 'e-1', key: keel.newKey('edge') })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Edge', 'e-1')
  await send(page, 'before the edit')
  await expect(assistantMessages(page).last()).toContainText('before the edit')

  const file = path.join(keel.dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  cfg.providers[0].baseUrl = `${fake.url}/new/v1`
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2))

  const panel = page.getByRole('region', { name: 'Config changed' })
  await expect(panel).toContainText('Pinned to the previous runtime')
  await expect(panel.getByRole('row', { name: /baseUrl/ })).toContainText(`${fake.url}/old/v1`)
  await expect(panel.getByRole('row', { name: /baseUrl/ })).toContainText(`${fake.url}/new/v1`)
  await panel.getByRole('button', { name: 'Keep' }).click()
  await expect(page.getByTestId('identity-state')).toHaveText('Previous runtime kept')
  await send(page, 'kept')
  await expect(assistantMessages(page).last()).toContainText('kept')
  expect(chats(fake).at(-1)).toMatchObject({ path: '/old/v1/chat/completions' })

  await page.getByRole('region', { name: 'Runtime kept' }).getByRole('button', { name: 'Apply' }).click()
  await expect(page.getByTestId('identity-state')).toHaveCount(0)
  await send(page, 'applied')
  await expect(assistantMessages(page).last()).toContainText('applied')
  expect(chats(fake).at(-1)).toMatchObject({ path: '/new/v1/chat/completions' })
})

test('an invalid config edit is rejected with the field named, and the last good config stays in force', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Solid', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/solid/v1`, model: 's-1', key: keel.newKey('solid') })
  await closeSettings(page)
  const file = path.join(keel.dataDir, 'config.json')
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'))
  cfg.providers[0].baseUrl = 'not a url'
  const broken = JSON.stringify(cfg, null, 2)
  fs.writeFileSync(file, broken)
  await expect(page.getByText(/config\.json is invalid: .*providers\[0\]\.baseUrl/).first()).toBeVisible()
  await newSession(page)
  await send(page, 'still working?')
  await expect(assistantMessages(page).last()).toContainText('Echo [s-1]: still working?')
  expect(chats(fake).at(-1)).toMatchObject({ path: '/solid/v1/chat/completions' })
  expect(fs.readFileSync(file, 'utf8')).toBe(broken)
})

test('a key changed in Settings is used from the next message, without restart', async ({ page, fake, keel }) => {
  await keel.launch()
  const first = keel.newKey('first')
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Rotor', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/rotor/v1`, model: 'r-1', key: first })
  await closeSettings(page)
  await newSession(page)
  await send(page, 'one')
  await expect(assistantMessages(page).last()).toContainText('one')
  expect(chats(fake).at(-1)).toMatchObject({ bearer: first })

  const second = keel.newKey('second')
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  await page.getByRole('button', { name: 'Edit Rotor' }).click()
  await page.getByLabel('API key').fill(second)
  await page.getByRole('button', { name: 'Save' }).click()
  await closeSettings(page)
  await send(page, 'two')
  await expect(assistantMessages(page).last()).toContainText('two')
  expect(chats(fake).at(-1)).toMatchObject({ bearer: second })
})

test('crash mid-turn, then the key changes: no automatic continuation; Keel asks, and Continue uses the new key', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Fragile', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/fragile/v1`, model: 'f-1', key: keel.newKey('fragile') })
  await closeSettings(page)
  await newSession(page)
  fake.script({ hang: true, times: 1 })
  await send(page, 'a long story please')
  await expect(page.getByRole('article', { name: 'assistant message (streaming)' })).toBeVisible()
  // Crash once the streamed text is checkpointed (the promise is "at most a fraction of a second" lost).
  const db = new Database(path.join(keel.dataDir, 'keel.db'), { readonly: true })
  await expect.poll(() => (db.prepare("SELECT partial_text FROM turns WHERE status = 'running'").get() as { partial_text: string } | undefined)?.partial_text ?? '').not.toBe('')
  db.close()
  await keel.crash()

  const rotated = keel.newKey('rotated')
  await keytar.setPassword(keel.keychainService, 'provider:fragile', rotated)
  fake.clear()
  await keel.launch()
  await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: 'a long story please' }).click()
  const recovery = page.getByRole('region', { name: 'Interrupted reply' })
  await expect(recovery).toContainText('credential')
  await expect(assistantMessages(page).first()).toBeVisible()
  // Keel asked instead of continuing; once it has settled, it has sent nothing on its own.
  await keel.settled()
  expect(chats(fake)).toEqual([])
  fake.script({ reply: 'and so it ended.', times: 1 })
  await recovery.getByRole('button', { name: 'Continue', exact: true }).click()
  await expect(assistantMessages(page).last()).toContainText('and so it ended.')
  await keel.settled()
  expect(chats(fake)).toHaveLength(1)
  expect(chats(fake)[0]).toMatchObject({ bearer: rotated, path: '/fragile/v1/chat/completions' })
  // The note the model got is not in the conversation.
  await expect(page.getByText('[Keel] Your previous reply was cut off')).toHaveCount(0)
})

test('picking another model while a reply streams: the header keeps the running model and names the next turn\'s', async ({ page, fake, keel }) => {
  await keel.launch()
  await addProvider(page, { name: 'Alpha', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/alpha/v1`, model: 'a-1', key: keel.newKey('alpha') })
  await addProvider(page, { name: 'Beta', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/beta/v1`, model: 'b-1', key: keel.newKey('beta') })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Alpha', 'a-1')
  fake.script({ hold: 'long-reply', times: 1, pathPrefix: '/alpha/' })
  await send(page, 'a long reply please')
  await fake.waitForRequests(1)

  // Mid-reply, the user picks Beta: the reply keeps streaming from Alpha, and the header says both.
  await page.getByRole('button', { name: 'Change model' }).click()
  const picker = page.getByRole('dialog', { name: 'Choose model' })
  const group = picker.getByRole('button', { name: 'Beta', exact: true })
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click()
  await picker.getByLabel('Model id').fill('b-1')
  await picker.getByRole('button', { name: 'Use model' }).click()
  await expect(picker).toBeHidden()
  await expect(page.getByTestId('identity-model')).toHaveText('a-1')
  await expect(page.getByTestId('identity-authority')).toHaveText('live')
  await expect(page.getByTestId('identity-next')).toHaveText('next turn: Beta · b-1')

  fake.release('long-reply')
  await expect(assistantMessages(page).last()).toContainText('a long reply please')
  await expect(page.getByTestId('identity-model')).toHaveText('b-1')
  await expect(page.getByTestId('identity-next')).toHaveCount(0)
  await send(page, 'now on beta')
  await expect(assistantMessages(page).last()).toContainText('Echo [b-1]: now on beta')
  expect(chats(fake).map((r) => r.path)).toEqual(['/alpha/v1/chat/completions', '/beta/v1/chat/completions'])
})
