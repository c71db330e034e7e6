// Usage and cost through the browser host (issue #11): a price typed in Settings, a reply whose provider reported
// usage (its line shows who answered, tokens, cost, duration and first token), a reply whose provider reported none
// ("tokens not reported", "cost unknown" — never 0), the session header's totals, and Settings → Usage with the
// figures of the run. The numbers are what the fake provider reported on the wire (Chat Completions, streaming).
import { addProvider, assistantMessages, closeSettings, expect, newSession, send, test } from './support/fixtures'

test('a reply shows its tokens and cost, the session its totals, and Settings → Usage the figures of the run', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })

  // The price, typed in Settings → Usage → Prices (per million tokens).
  const settings = page.getByRole('dialog', { name: 'Settings' })
  const prices = settings.getByLabel('Prices')
  await prices.getByLabel('Provider').selectOption({ label: 'Local' })
  await prices.getByLabel('Model', { exact: true }).fill('llama3.3')
  await prices.getByLabel('Input', { exact: true }).fill('2')
  await prices.getByLabel('Cached input', { exact: true }).fill('1')
  await prices.getByLabel('Output', { exact: true }).fill('15')
  await prices.getByRole('button', { name: 'Save price' }).click()
  await expect(prices.getByRole('table', { name: 'Price table' })).toContainText('llama3.3')
  await closeSettings(page)

  fake.script({ usage: { input: 50_000, output: 10_000, cached: 10_000 }, times: 1 })
  fake.script({ usage: 'none', times: 1 })
  await newSession(page)
  await send(page, 'how much was that')
  await expect(assistantMessages(page).first()).toHaveText('Echo [llama3.3]: how much was that')
  // The line right under the reply: (40,000 × 2 + 10,000 × 1 + 10,000 × 15) / 1e6 = $0.24
  const first = page.getByTestId('reply-usage').first()
  await expect(first).toContainText('Local · llama3.3 · 50,000 in (10,000 cached) · 10,000 out · $0.2400')
  await expect(first).toContainText(/first token \d/)
  await send(page, 'and this one')
  await expect(assistantMessages(page).nth(1)).toHaveText('Echo [llama3.3]: and this one')
  const second = page.getByTestId('reply-usage').nth(1)
  await expect(second).toContainText('Local · llama3.3 · tokens not reported · cost unknown')
  await expect(page.getByTestId('session-usage')).toHaveText('Session usage: 50,000 in (10,000 cached) · 10,000 out · 1 of 2 step(s) not reported · $0.2400 + unknown (1 unpriced)')
  // Chat Completions reports usage in a stream only when asked: Keel asked.
  const sent = fake.requests().filter((r) => r.protocol === 'openai-chat')
  expect(sent.map((r) => (r.body as { stream_options?: unknown }).stream_options)).toEqual([{ include_usage: true }, { include_usage: true }])

  await page.getByRole('button', { name: 'Settings' }).click()
  const usage = settings.getByRole('table', { name: 'Usage table' })
  await settings.getByRole('group', { name: 'Group usage' }).getByRole('button', { name: 'By entry' }).click()
  await expect(usage.getByRole('row', { name: /^Local/ })).toContainText('2 (1 not reported)')
  await expect(usage.getByRole('row', { name: /^Local/ })).toContainText('50,000')
  await expect(usage.getByRole('row', { name: /^Local/ })).toContainText('$0.2400 + unknown (1 unpriced)')
  await settings.getByRole('group', { name: 'Group usage' }).getByRole('button', { name: 'By model' }).click()
  await expect(usage.getByRole('row', { name: /^llama3\.3/ })).toContainText('10,000')
  // Every row has a (partial) cost, so the bars show cost; the label names the unpriced part.
  await expect(settings.getByRole('img', { name: 'Cost by model' })).toContainText('$0.2400 + unknown (1 unpriced)')
  // Export CSV: the file of the run, one row per step.
  const download = page.waitForEvent('download')
  await settings.getByRole('button', { name: 'Export CSV' }).click()
  const file = await download
  const csv = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'))
  const lines = csv.trim().split('\r\n')
  expect(lines).toHaveLength(3)
  expect(lines[1]).toContain(',llama3.3,openai-chat,chat,yes,50000,10000,10000,,2,1,15,0.24,')
  expect(lines[2]).toContain(',llama3.3,openai-chat,chat,no,,,,,2,1,15,,')
})
