// Settings → "Tool approvals" through the browser host: the grants kept in keel.db are listed with the tool, its
// source, what it may do and whom they cover; Revoke (by keyboard) removes one, and it stays removed after a
// restart. (Grants are written into the database of a stopped Keel with the real GrantStore: the host offers no
// tools yet, so no approval card can create them through the UI.)
import path from 'node:path'
import { expect, test } from './support/fixtures'
import { openDatabase } from '../../src/main/core/sessions/database'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import { BUILTIN_SOURCE_CONFIG_HASH, GrantStore } from '../../src/main/core/tools/grants'

const ref = (name: string) => {
  const tool = BUILTIN_TOOLS.find((t) => t.name === name)!
  return { source: 'builtin', name, schemaHash: tool.schemaHash }
}

test('kept approvals are listed in Settings and Revoke removes one for good', async ({ page, keel }) => {
  await keel.launch()
  await keel.stop()
  const opened = openDatabase(path.join(keel.dataDir, 'keel.db'), path.join(keel.dataDir, 'backups'))
  try {
    const grants = new GrantStore(opened.db)
    grants.grant({ toolRef: ref('write_file'), sourceConfigHash: BUILTIN_SOURCE_CONFIG_HASH, effect: 'write', scope: 'always' }, 1)
    grants.grant({ toolRef: ref('run_command'), sourceConfigHash: BUILTIN_SOURCE_CONFIG_HASH, effect: 'execute', scope: 'agent', profileId: 'workspace-agent' }, 2)
  } finally {
    opened.db.close()
  }
  await keel.launch()

  await page.getByRole('button', { name: 'Settings' }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  const list = settings.getByRole('list', { name: 'Tool approvals' })
  await expect(list.getByRole('listitem')).toHaveCount(2)
  // Newest first: the agent grant names the profile; the other covers every session.
  await expect(list.getByRole('listitem').nth(0)).toContainText('run_command')
  await expect(list.getByRole('listitem').nth(0)).toContainText('runs commands')
  await expect(list.getByRole('listitem').nth(0)).toContainText('Always for the agent Workspace agent')
  await expect(list.getByRole('listitem').nth(1)).toContainText('write_file')
  await expect(list.getByRole('listitem').nth(1)).toContainText('Built-in')
  await expect(list.getByRole('listitem').nth(1)).toContainText('Always, in every session')

  const revoke = list.getByRole('button', { name: 'Revoke write_file: Always, in every session' })
  await revoke.focus()
  await page.keyboard.press('Enter')
  await expect(list.getByRole('listitem')).toHaveCount(1)
  await expect(list).not.toContainText('write_file')
  await keel.settled()

  await keel.restart()
  await page.getByRole('button', { name: 'Settings' }).click()
  const after = page.getByRole('dialog', { name: 'Settings' }).getByRole('list', { name: 'Tool approvals' })
  await expect(after.getByRole('listitem')).toHaveCount(1)
  await expect(after).toContainText('run_command')
})
