// What a user sees when the disk under the data directory is full or read-only: a banner naming the directory,
// and a typed draft that stays in the box (marked "not saved") instead of vanishing. A real tmpfs, really full.
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { addProvider, closeSettings, expect, test } from './support/fixtures'
import { startHost, type HostProcess } from './support/host'
import { mountSmallDisk, mountUnavailable, type SmallDisk } from '../support/small-disk'

const unavailable = mountUnavailable()
test.skip(unavailable !== null, `storage faults need a tmpfs: ${unavailable}`)

let disk: SmallDisk | null = null
let host: HostProcess | null = null
test.afterEach(async () => {
  await host?.stop()
  host = null
  disk?.unmount()
  disk = null
})

function startOn(dataDir: string, service: string) {
  return startHost(dataDir, { KEEL_KEYCHAIN_SERVICE: service })
}

test('disk full: the draft stays in the box marked not saved, a banner names the full disk, and both clear once space is freed', async ({ page, fake }) => {
  disk = mountSmallDisk()
  const dataDir = path.join(disk.dir, 'data')
  const service = `keel-e2e-${randomBytes(5).toString('hex')}`
  host = await startOn(dataDir, service)
  await page.goto(host.url)
  await page.getByRole('button', { name: 'Add provider' }).first().click()
  await addProvider(page, { name: 'Local', kind: 'Ollama', baseUrl: `${fake.url}/ollama/v1`, model: 'llama3.3' })
  await closeSettings(page)
  await page.getByRole('button', { name: 'New session', exact: true }).click()
  const box = page.getByLabel('Message')
  await expect(box).toBeFocused()

  disk.fill()
  await box.pressSequentially('words typed while the disk is full')
  const notSaved = page.getByRole('alert', { name: 'Draft not saved' })
  await expect(notSaved).toContainText(`The disk holding Keel's data directory (${dataDir}) is full`)
  await expect(notSaved).toContainText('the draft you typed (it is still in the message box) was not saved')
  await expect(box).toHaveValue('words typed while the disk is full')
  const banner = page.getByTestId('storage-banner')
  await expect(banner).toContainText(`(${dataDir}) is full`)
  await expect(page.getByText('Keel hit an unexpected error')).toHaveCount(0)

  disk.free()
  await page.getByRole('button', { name: 'Save draft again' }).click()
  await expect(notSaved).toBeHidden()
  // The first write that works again tells every window: the banner goes without a reload.
  await expect(banner).toBeHidden()

  await page.reload()
  await expect(page.getByLabel('Message')).toHaveValue('words typed while the disk is full')
})

test('read-only data directory: the banner says so from startup, before any write', async ({ page }) => {
  disk = mountSmallDisk()
  const dataDir = path.join(disk.dir, 'data')
  const service = `keel-e2e-${randomBytes(5).toString('hex')}`
  host = await startOn(dataDir, service)
  await host.stop()
  disk.remount('ro')

  host = await startOn(dataDir, service)
  await page.goto(host.url)
  const banner = page.getByTestId('storage-banner')
  await expect(banner).toContainText(`Keel's data directory (${dataDir}) was read-only when Keel started`)
  await expect(banner).toContainText('Restart Keel afterwards')
  await expect(banner).toHaveAttribute('data-kind', 'read-only')
})
