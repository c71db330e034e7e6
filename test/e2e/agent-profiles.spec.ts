// Agent profiles as a user works them: create one in Settings → Agents, start a session with it from the New
// session menu, and see it in the session header; the default profile is what the New session button uses.
import fs from 'node:fs'
import path from 'node:path'
import { addProvider, closeSettings, expect, test } from './support/fixtures'

test('create a profile in Settings → Agents, start a session with it from the New session menu, the header shows it', async ({ page, fake, keel }) => {
  await keel.launch()
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })

  const settings = page.getByRole('dialog', { name: 'Settings' })
  const agents = settings.getByRole('list', { name: 'Agent profiles' })
  // The built-in profiles are listed, read-only (no Edit, no Delete) but duplicable.
  await expect(agents.getByRole('listitem', { name: 'Chat' })).toContainText('Default')
  await expect(agents.getByRole('listitem', { name: 'Workspace agent' })).toBeVisible()
  await expect(settings.getByRole('button', { name: 'Edit Chat' })).toHaveCount(0)
  await expect(settings.getByRole('button', { name: 'Delete Workspace agent' })).toHaveCount(0)

  await settings.getByRole('button', { name: 'New profile' }).click()
  const form = settings.getByRole('form', { name: 'New agent profile' })
  await form.getByLabel('Name', { exact: true }).fill('Code reviewer')
  await form.getByLabel('Instructions').fill('Review the code you are shown.')
  await form.getByLabel('Temperature').fill('0.2')
  await form.getByLabel('Step limit').fill('12')
  await form.getByLabel('Workspace folder').fill('/tmp/review')
  // Tools from the built-in registry, each with its effect class and an approval default.
  await form.getByRole('checkbox', { name: 'read_file' }).check()
  await form.getByRole('checkbox', { name: 'edit_file' }).check()
  await expect(form.getByLabel('Approval for edit_file')).toHaveValue('ask')
  await expect(form.getByLabel('Approval for read_file')).toHaveValue('allow')
  await expect(form.getByRole('row', { name: /run_command/ })).toContainText('runs commands')
  await page.screenshot({ path: test.info().outputPath('settings-agents-form.png'), fullPage: true })
  await form.getByRole('button', { name: 'Add profile' }).click()

  const row = agents.getByRole('listitem', { name: 'Code reviewer' })
  await expect(row).toContainText('2 tools')
  await expect(row).toContainText('up to 12 steps')
  await settings.getByRole('heading', { name: 'Agents' }).scrollIntoViewIfNeeded()
  await page.screenshot({ path: test.info().outputPath('settings-agents.png') })
  // config.json holds it, hand-editable.
  const config = JSON.parse(fs.readFileSync(path.join(keel.dataDir, 'config.json'), 'utf8'))
  expect(config.agentProfiles).toEqual([
    expect.objectContaining({ id: 'code-reviewer', name: 'Code reviewer', stepLimit: 12, workspace: '/tmp/review', parameters: { temperature: 0.2 } }),
  ])
  await closeSettings(page)

  // The New session menu, by keyboard: open it, move to the profile, choose it.
  const more = page.getByRole('button', { name: 'New session with profile…' })
  await more.focus()
  await page.keyboard.press('ArrowDown')
  const menu = page.getByRole('menu', { name: 'New session with profile' })
  await expect(menu.getByRole('menuitem', { name: /Chat/ })).toBeFocused()
  await page.screenshot({ path: test.info().outputPath('new-session-menu.png') })
  await page.keyboard.press('End')
  await expect(menu.getByRole('menuitem', { name: 'Code reviewer' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { level: 1, name: 'New session', exact: true })).toBeVisible()
  await expect(page.getByTestId('session-profile-name')).toHaveText('Code reviewer')
  await page.screenshot({ path: test.info().outputPath('session-header-profile.png') })

  // Deleting the profile (with confirmation) never switches its session silently: the header says it is gone, the
  // next message is refused (the text kept), and the user picks another profile in the header.
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  await settings.getByRole('button', { name: 'Delete Code reviewer' }).click()
  const confirm = page.getByRole('dialog', { name: 'Delete agent profile?' })
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click()
  // Closed once main has deleted it (while it is open, everything beneath is hidden from role queries).
  await expect(confirm).toBeHidden()
  await expect(agents.getByRole('listitem', { name: 'Code reviewer' })).toHaveCount(0)
  await closeSettings(page)
  await expect(page.getByTestId('session-profile')).toContainText('Profile deleted')
  await page.getByLabel('Message').fill('still there?')
  await page.getByLabel('Message').press('Enter')
  await expect(page.getByText(/agent profile "code-reviewer" was deleted/)).toBeVisible()
  await expect(page.getByLabel('Message')).toHaveValue('still there?')
  await page.getByLabel('Run this session as').selectOption({ label: 'Chat' })
  await expect(page.getByTestId('session-profile-name')).toHaveText('Chat')
  await expect(page.getByTestId('session-profile')).not.toContainText('Profile deleted')

  // The plain New session button uses the default profile (Chat).
  await page.getByRole('group', { name: 'Session actions' }).getByRole('button', { name: 'New session', exact: true }).click()
  await expect(page.getByTestId('session-profile-name')).toHaveText('Chat')
})
