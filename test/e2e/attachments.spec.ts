// Attachments through the browser host (issue #12): an image pasted into the message box (a real paste event
// carrying a File), a text file picked with the file picker, a refused file that says why, then Send: the thumbnail
// and the chip are in the transcript and the fake provider received the image as image input. And a model whose
// list says it takes no images: the send is refused before anything goes out, and the picked files stay; a file
// dropped on the composer is attached too.
import type { Page } from '@playwright/test'
import { addProvider, assistantMessages, closeSettings, expect, newSession, test } from './support/fixtures'
import { axeViolations as violations } from './support/a11y'

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const NOTES = 'Shopping list: rope, lantern, tide table.'

/** What a screenshot tool's copy puts on the clipboard: a paste event whose clipboardData holds a PNG file. */
async function pasteImage(page: Page, name: string): Promise<void> {
  await page.getByLabel('Message').evaluate(
    (box, { b64, fileName }) => {
      // The page's own DOM classes (this file is type-checked without the DOM library).
      const dom = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } }
        ClipboardEvent: new (type: string, init: object) => never
        File: new (parts: unknown[], name: string, options: object) => unknown
      }
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const data = new dom.DataTransfer()
      data.items.add(new dom.File([bytes], fileName, { type: 'image/png' }))
      box.dispatchEvent(new dom.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    },
    { b64: PNG_B64, fileName: name },
  )
}

const completions = (fake: { requests(): Array<{ protocol: string; body?: unknown }> }) => fake.requests().filter((r) => r.protocol !== 'models')

test('paste an image and pick a text file: both shown in the transcript, the image reached the model as image input', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llava' })
  await closeSettings(page)
  await newSession(page)

  await pasteImage(page, 'screenshot.png')
  const staged = page.getByRole('list', { name: 'Attachments' })
  await expect(staged.getByRole('img', { name: 'screenshot.png' })).toBeVisible()
  await page.getByTestId('attach-input').setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTES) },
    { name: 'archive.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 255, 254, 0]) },
  ])
  await expect(staged.getByTestId('staged-attachment').filter({ hasText: 'notes.txt' })).toContainText('text · 41 B')
  // A file Keel cannot attach says so on its chip, and is removed by the user.
  await expect(staged.getByRole('alert')).toContainText('"archive.bin" is not a file Keel can attach')
  // The staged thumbnail, the chip and the refused chip (with its reason and Remove) are accessible.
  expect(await violations(page, 'form')).toEqual([])
  await staged.getByRole('button', { name: 'Remove archive.bin' }).click()
  await expect(staged.getByTestId('staged-attachment')).toHaveCount(2)

  await page.getByLabel('Message').fill('What do you see?')
  await page.getByLabel('Message').press('Enter')
  // The fake echoes every text part of the message: the file's text, then what was typed.
  await expect(assistantMessages(page).first()).toContainText(`${NOTES}`)
  await expect(assistantMessages(page).first()).toContainText('What do you see?')
  const sent = page.getByRole('article', { name: 'user message' })
  await expect(sent.getByRole('list', { name: 'Attached files' }).getByRole('img', { name: 'screenshot.png' })).toBeVisible()
  await expect(sent.getByTestId('message-attachment').filter({ hasText: 'notes.txt' })).toBeVisible()
  expect(await violations(page, '[role="log"]')).toEqual([])
  // The composer's files went with the message.
  await expect(page.getByRole('list', { name: 'Attachments' })).toHaveCount(0)

  await keel.settled()
  const [request] = completions(fake)
  const user = (request!.body as { messages: Array<{ role: string; content: unknown }> }).messages.at(-1)!
  expect(user.content).toEqual([
    { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
    { type: 'text', text: `<attachment name="notes.txt" type="text/plain">\n${NOTES}\n</attachment>` },
    { type: 'text', text: 'What do you see?' },
  ])

  // After a restart the transcript still shows them (the files are in the data directory).
  await keel.restart()
  await page.getByRole('list', { name: 'Sessions' }).getByText('What do you see?').click()
  await expect(page.getByRole('article', { name: 'user message' }).getByRole('img', { name: 'screenshot.png' })).toBeVisible()
})

test('a model whose list says it takes no images: refused before sending, with the files kept; a dropped file attaches too', async ({ page, fake, keel }) => {
  fake.script({ protocol: 'models', models: ['gpt-x'], modelInputs: { 'gpt-x': ['text'] } })
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-x', key: keel.newKey('attachments') })
  await closeSettings(page)
  await newSession(page)

  await pasteImage(page, 'chart.png')
  await expect(page.getByRole('list', { name: 'Attachments' }).getByRole('img', { name: 'chart.png' })).toBeVisible()
  await page.getByLabel('Message').fill('Explain the chart')
  await page.getByLabel('Message').press('Enter')
  await expect(page.getByRole('form', { name: 'Composer' })).toContainText('gpt-x on Work gateway does not accept images')
  // Nothing lost: the text is back in the box and the image is still attached.
  await expect(page.getByLabel('Message')).toHaveValue('Explain the chart')
  await expect(page.getByRole('list', { name: 'Attachments' }).getByRole('img', { name: 'chart.png' })).toBeVisible()
  await keel.settled()
  expect(completions(fake)).toHaveLength(0)

  // A file dropped on the composer is attached as well (a drop event carrying a File, as from a file manager).
  await page.getByRole('form', { name: 'Composer' }).evaluate((form) => {
    const dom = globalThis as unknown as {
      DataTransfer: new () => { items: { add(file: unknown): void } }
      DragEvent: new (type: string, init: object) => never
      File: new (parts: unknown[], name: string, options: object) => unknown
    }
    const data = new dom.DataTransfer()
    data.items.add(new dom.File(['dropped text'], 'dropped.txt', { type: 'text/plain' }))
    form.dispatchEvent(new dom.DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }))
    form.dispatchEvent(new dom.DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
  })
  await expect(page.getByRole('list', { name: 'Attachments' }).getByTestId('staged-attachment').filter({ hasText: 'dropped.txt' })).toContainText('text · 12 B')
})
