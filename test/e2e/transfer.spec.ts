// Data in and out through the browser host (issue #12): export a session as Markdown and JSON from its actions,
// back up the whole of Keel from Settings → Data and download the file (no key in it), import ChatGPT's
// conversations.json (bound to nothing), and restore the backup: staged, then applied by a restart.
import fs from 'node:fs'
import path from 'node:path'
import type { Download } from '@playwright/test'
import { unzipSync } from 'fflate'
import { addProvider, assistantMessages, closeSettings, expect, newSession, openSessionItem, send, test } from './support/fixtures'

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/chatgpt-conversations.json')

async function bytesOf(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray())
}

test('export a session, back up, import ChatGPT conversations and restore the backup', async ({ page, fake, keel }) => {
  await keel.launch()
  const key = keel.newKey('transfer')
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key })
  await closeSettings(page)
  await newSession(page)
  await send(page, 'export me please')
  await expect(assistantMessages(page).first()).toHaveText('Echo [gpt-work]: export me please')

  // Export as Markdown and as JSON from the session's actions.
  const exportAs = async (format: 'Markdown' | 'JSON') => {
    await openSessionItem(page).getByRole('button', { name: 'More' }).click()
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: new RegExp(`^Export session .* as ${format}$`) }).click()
    return download
  }
  const md = await exportAs('Markdown')
  expect(md.suggestedFilename()).toMatch(/\.md$/)
  const mdText = (await bytesOf(md)).toString('utf8')
  expect(mdText).toContain(`## Assistant — Work gateway · gpt-work (openai-chat, ${fake.url}/work/v1)`)
  expect(mdText).toContain('Echo [gpt-work]: export me please')
  const json = await exportAs('JSON')
  expect(json.suggestedFilename()).toMatch(/\.keel\.json$/)
  const jsonText = (await bytesOf(json)).toString('utf8')
  const doc = JSON.parse(jsonText)
  expect(doc.format).toBe('keel-session')
  expect(doc.session.messages[1].producedWith).toMatchObject({ entryId: 'work-gateway', entryName: 'Work gateway', model: 'gpt-work' })
  for (const text of [mdText, jsonText]) expect(text.includes(key)).toBe(false)

  // Settings → Data: back up now, download it.
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  const data = settings.getByRole('region', { name: 'Data' })
  await data.getByRole('button', { name: 'Back up now' }).click()
  const backups = data.getByRole('list', { name: 'Backups' })
  await expect(backups.getByRole('listitem')).toHaveCount(1)
  await expect(backups).toContainText('manual')
  const backupName = (await backups.locator('.data-section__backup-name').first().textContent())!
  const downloading = page.waitForEvent('download')
  await data.getByRole('button', { name: `Download ${backupName}` }).click()
  const backup = await bytesOf(await downloading)
  expect(backup.equals(fs.readFileSync(path.join(keel.dataDir, 'backups', backupName)))).toBe(true)
  const entries = unzipSync(backup)
  expect(Object.keys(entries)).toEqual(expect.arrayContaining(['manifest.json', 'keel.db', 'config.json']))
  expect(JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8')).keychain).toEqual([{ account: 'provider:work-gateway', purpose: 'API key of provider "Work gateway"' }])
  for (const bytes of [backup, ...Object.values(entries).map((e) => Buffer.from(e))]) expect(bytes.includes(Buffer.from(key))).toBe(false)

  // Import ChatGPT's conversations.json: listed, with their text, bound to nothing.
  await data.getByLabel('File to import').setInputFiles(FIXTURE)
  const result = data.getByRole('status', { name: 'Import result' })
  await expect(result).toContainText('Imported 2 sessions from ChatGPT')
  await expect(result).toContainText('Lighthouse keeper (6 messages)')
  await closeSettings(page)
  const list = page.getByRole('list', { name: 'Sessions' })
  await list.getByRole('button', { name: /Lighthouse keeper/ }).first().click()
  await expect(page.getByRole('heading', { level: 1, name: 'Lighthouse keeper' })).toBeVisible()
  await expect(page.getByText('Robert Stevenson, for the Northern Lighthouse Board.')).toBeVisible()
  await expect(page.getByText(/not bound to any provider entry/).first()).toBeVisible()

  // Restore the backup: staged now, applied at the next start; the imported sessions were made after it.
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  await data.getByRole('button', { name: `Restore ${backupName}` }).click()
  await page.getByRole('dialog', { name: 'Restore this backup?' }).getByRole('button', { name: 'Restore at next start' }).click()
  const pending = data.getByRole('status', { name: 'Restore waiting' })
  await expect(pending).toContainText(`Restart Keel to finish restoring ${backupName}`)
  await expect(pending).toContainText('provider:work-gateway')
  await expect(pending).toContainText('(in this keychain)')
  await keel.restart()
  await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem')).toHaveCount(1)
  await expect(page.getByRole('list', { name: 'Sessions' })).not.toContainText('Lighthouse keeper')
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  await expect(data).toContainText(`Restored ${backupName}`)
  await expect(data).toContainText(/The data it replaced is in keel-before-restore-/)
})
