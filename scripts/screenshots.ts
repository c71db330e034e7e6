// Takes the README's screenshots from the real app: the browser host with the real core, a recording fake
// provider, Debian's Chromium. Run: scripts/with-keyring.sh npx tsx scripts/screenshots.ts
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { startFakeProvider } from '../test/fake-provider/server'
import { startHost } from '../test/e2e/support/host'
import { addProvider, newSession } from '../test/e2e/support/ui'

const OUT = path.resolve(import.meta.dirname, '../docs')

async function main() {
  const fake = await startFakeProvider()
  fake.script({ protocol: 'openai-chat', reply: 'Here is a **typed** helper:\n\n```ts\nexport function identityKey(entryId: string, model: string): string {\n  return `${entryId}:${model}`\n}\n```\n\nIt keeps the entry id and the wire model as two values.' , times: 1 })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-'))
  const host = await startHost(dataDir, { KEEL_KEYCHAIN_SERVICE: `keel-shots-${Date.now()}` })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: (process.env.KEEL_SHOT_SCHEME as 'dark' | 'light') ?? 'dark' })
  try {
    await page.goto(host.url)
    await page.getByRole('button', { name: 'Add provider' }).first().click()
    await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: 'sk-screenshot-not-a-real-key' })
    await addProvider(page, { name: 'LM Studio (desk)', kind: 'LM Studio', baseUrl: `${fake.url}/lms/v1`, model: 'qwen/qwen3.6-27b' })
    // Saving leaves the dialog scrolled to the saved row; show it from the top.
    await page.locator('dialog[open], dialog[open] *').evaluateAll((els) => els.forEach((el) => (el.scrollTop = 0)))
    await page.screenshot({ path: path.join(OUT, 'settings.png') })
    await page.keyboard.press('Escape')

    await newSession(page)
    await page.getByLabel('Message').fill('Write a helper that builds an identity key')
    await page.getByLabel('Message').press('Enter')
    await page.getByRole('article', { name: 'assistant message', exact: true }).last().waitFor()
    await newSession(page)
    await page.getByLabel('Message').fill('Summarise the design doc')
    await page.getByLabel('Message').press('Enter')
    await page.getByRole('article', { name: 'assistant message', exact: true }).last().waitFor()
    await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: 'Write a helper that builds an identity key' }).click()
    await page.getByRole('article', { name: 'assistant message', exact: true }).last().waitFor()
    await page.getByLabel('Message').fill('Now add a test for it')
    await page.screenshot({ path: path.join(OUT, 'chat.png') })

    // A session whose entry lost its key: the explicit unresolved state.
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Edit Work gateway' }).click()
    await page.getByRole('button', { name: 'Remove key' }).click()
    await page.keyboard.press('Escape')
    await page.getByRole('alert').filter({ hasText: 'No API key' }).first().waitFor()
    await page.screenshot({ path: path.join(OUT, 'unresolved.png') })
    console.log(`screenshots written to ${OUT}`)
  } finally {
    await browser.close()
    await host.stop()
    await fake.close()
  }
}

await main()
