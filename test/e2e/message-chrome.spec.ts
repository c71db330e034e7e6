// Message chrome and session overrides through the browser host (issue #12): Copy on a message (its Markdown source)
// and on a code block (the code, under its language label), reached by hover and by the keyboard, with "Copied"
// announced; the identity line under every reply, from what was recorded for it, and the divider where the model
// changed; a session's own instructions and parameters set from the header, refused with a clear error when out of
// range, on the wire, in Diagnostics, and cleared back to the profile's.
import { addProvider, assistantMessages, closeSettings, expect, newSession, pickModel, send, test } from './support/fixtures'

const REPLY = 'Here is the fix:\n\n```python\nprint("hello")\nprint("bye")\n```\n\nRun it with **python3**.'

test('copy a message and a code block, the identity line on every reply, and a divider after switching model', async ({ page, context, fake, keel }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  // Runs in the page (the test's own tsconfig has no DOM types).
  const clipboard = () => page.evaluate(() => (navigator as unknown as { clipboard: { readText(): Promise<string> } }).clipboard.readText())
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Work gateway', kind: 'OpenAI-compatible', baseUrl: `${fake.url}/work/v1`, model: 'gpt-work', key: keel.newKey('chrome-work') })
  await addProvider(page, { name: 'Claude', kind: 'Anthropic', baseUrl: `${fake.url}/anthropic`, model: 'claude-test-1', key: keel.newKey('chrome-claude') })
  await closeSettings(page)
  await newSession(page)
  await pickModel(page, 'Work gateway', 'gpt-work')

  fake.script({ reply: REPLY, times: 1 })
  await send(page, 'fix my script')
  const reply = assistantMessages(page).first()
  await expect(reply).toContainText('Run it with python3')

  // The code block: its language, and Copy puts exactly the code on the clipboard (no label, no button text).
  const block = reply.getByRole('group', { name: 'python code' })
  await expect(block.getByTestId('code-language')).toHaveText('python')
  await block.getByRole('button', { name: 'Copy code' }).click()
  await expect(block.getByRole('button', { name: 'Copied code' })).toBeVisible()
  await expect(block.getByRole('status')).toHaveText('Copied code')
  expect(await clipboard()).toBe('print("hello")\nprint("bye")')

  // The reply's Copy is faded out until focus reaches it with Tab (from the code block's button), and copies the
  // Markdown source as the model wrote it.
  const replyActions = page.getByRole('group', { name: 'Reply actions' }).first()
  const copyReply = replyActions.getByRole('button', { name: 'Copy message' })
  await page.mouse.move(0, 0)
  await expect(replyActions).toHaveCSS('opacity', '0')
  await block.getByRole('button', { name: /Cop(y|ied) code/ }).focus()
  await page.keyboard.press('Tab')
  await expect(copyReply).toBeFocused()
  await expect(replyActions).toHaveCSS('opacity', '1')
  await page.keyboard.press('Enter')
  await expect(replyActions.getByRole('status')).toHaveText('Copied message')
  expect(await clipboard()).toBe(REPLY)

  // A user message: Copy shows on hover and copies the text as typed.
  const promptActions = page.getByRole('group', { name: 'Prompt actions' }).first()
  await expect(promptActions).toHaveCSS('opacity', '0')
  await page.getByRole('article', { name: 'user message' }).first().hover()
  await expect(promptActions).toHaveCSS('opacity', '1')
  await promptActions.getByRole('button', { name: 'Copy message' }).click()
  expect(await clipboard()).toBe('fix my script')

  // Who answered, as visible text under the reply (and the reply's description for screen readers).
  const identities = page.getByTestId('reply-identity')
  await expect(identities.first()).toHaveText('Work gateway · gpt-work')
  await expect(identities.first()).toBeVisible()
  const describedBy = (await reply.getAttribute('aria-describedby'))!.split(' ')[0]!
  await expect(page.locator(`[id="${describedBy}"]`)).toContainText('Answered by Work gateway · gpt-work')

  // Same model again: no divider.
  await send(page, 'thanks')
  await expect(assistantMessages(page).nth(1)).toContainText('Echo [gpt-work]: thanks')
  await expect(page.getByTestId('identity-switch')).toHaveCount(0)

  // Another entry and model: the next reply names it, and a divider says where the switch happened.
  await pickModel(page, 'Claude', 'claude-test-1')
  await send(page, 'and you?')
  await expect(assistantMessages(page).nth(2)).toContainText('Echo [claude-test-1]: and you?')
  await expect(page.getByRole('separator', { name: 'Switched to claude-test-1 on Claude' })).toBeVisible()
  await expect(page.getByTestId('identity-switch')).toHaveCount(1)
  await expect(identities).toHaveText(['Work gateway · gpt-work', 'Work gateway · gpt-work', 'Claude · claude-test-1'])

  // The earlier replies keep the identity recorded for them after a reload: never the session's binding now.
  await page.reload()
  await page.getByRole('list', { name: 'Sessions' }).getByText('fix my script').click()
  await expect(assistantMessages(page)).toHaveCount(3)
  await expect(page.getByTestId('reply-identity')).toHaveText(['Work gateway · gpt-work', 'Work gateway · gpt-work', 'Claude · claude-test-1'])
  await expect(page.getByRole('separator', { name: 'Switched to claude-test-1 on Claude' })).toBeVisible()
})

test('a session’s own instructions and parameters, set from the header, reach the wire and Diagnostics, and clear back to the profile’s', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })
  await closeSettings(page)
  await newSession(page)
  const line = page.getByTestId('session-overrides-line')
  await expect(line).toHaveText('the profile’s')

  await page.getByRole('button', { name: 'Instructions & parameters…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Session instructions & parameters' })
  await dialog.getByRole('checkbox', { name: 'Use this session’s own instructions' }).check()
  await dialog.getByLabel('Instructions', { exact: true }).fill('Answer in French.')
  await dialog.getByLabel('Temperature').fill('1.5')
  // Out of range: refused with the field named, nothing saved, the dialog keeps what was typed.
  await dialog.getByLabel('Max output tokens').fill('0')
  await dialog.getByRole('button', { name: 'Save for this session' }).click()
  await expect(dialog.getByRole('alert', { name: 'Override not saved' })).toContainText('Max output tokens must be a whole number above 0')
  await expect(dialog.getByLabel('Max output tokens')).toHaveAttribute('aria-invalid', 'true')
  await expect(dialog.getByLabel('Instructions', { exact: true })).toHaveValue('Answer in French.')
  await dialog.getByLabel('Max output tokens').fill('300')
  await dialog.getByRole('button', { name: 'Save for this session' }).click()
  await expect(dialog).toBeHidden()
  await expect(line).toHaveText('this session’s: instructions (17 characters) · temperature 1.5 · max output tokens 300')

  // On the wire: the system prompt and the parameters of the override.
  await send(page, 'bonjour')
  await expect(assistantMessages(page).first()).toContainText('Echo [llama3.3]: bonjour')
  await keel.settled()
  const body = fake.requests().filter((r) => r.protocol === 'openai-chat').at(-1)!.body as { messages: Array<{ role: string; content: string }>; temperature?: number; max_tokens?: number }
  expect(body.messages[0]).toEqual({ role: 'system', content: 'Answer in French.' })
  expect(body.temperature).toBe(1.5)
  expect(body.max_tokens).toBe(300)

  // Diagnostics shows the override next to the profile's values.
  await page.getByRole('button', { name: 'Diagnostics', exact: true }).click()
  const diagnostics = page.getByRole('dialog', { name: /Diagnostics/ })
  const row = diagnostics.locator('tr[data-field="overrides"]')
  await expect(row).toContainText('Instructions & parameters')
  await expect(row).toContainText('instructions: Answer in French.; parameters: temperature 1.5 · max output tokens 300')
  await expect(row).toContainText('this session overrides instructions (17 characters) · temperature 1.5 · max output tokens 300')
  await page.keyboard.press('Escape')
  await expect(diagnostics).toBeHidden()

  // Cleared: the profile's again, and the next request carries none of it.
  await page.getByRole('button', { name: 'Instructions & parameters…' }).click()
  await dialog.getByRole('button', { name: 'Use the profile’s' }).click()
  await expect(dialog).toBeHidden()
  await expect(line).toHaveText('the profile’s')
  await send(page, 'hello')
  await expect(assistantMessages(page).nth(1)).toContainText('Echo [llama3.3]: hello')
  await keel.settled()
  const plain = fake.requests().filter((r) => r.protocol === 'openai-chat').at(-1)!.body as Record<string, unknown> & { messages: Array<{ role: string }> }
  expect(plain.messages[0]!.role).toBe('user')
  expect(plain).not.toHaveProperty('temperature')
  expect(plain).not.toHaveProperty('max_tokens')
})
