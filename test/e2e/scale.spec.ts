// Keel with many sessions and a long one, as a user scrolls and searches it: the sidebar loads more as it scrolls
// and keeps only what is in view in the DOM; a search hit shows its words marked and opens the long session at
// the message; scrolling up loads older messages without moving what is on screen; a change made in another
// window is patched into the list without reading the list again.
import type { Page } from '@playwright/test'
import { expect, test } from './support/fixtures'
import { longMessageText, seedDataDir } from './support/seed'

const sessionList = (page: Page) => page.getByRole('list', { name: 'Sessions' })
const sidebarScroller = (page: Page) => page.locator('.sidebar__list')
const log = (page: Page) => page.getByRole('log')
const message = (page: Page, text: string) => log(page).getByRole('article').filter({ hasText: text })
const count = (channels: string[], name: string) => channels.filter((c) => c === name).length

test('the sidebar loads more sessions as it scrolls, keeps only the rows in view, and arrow keys move through it', async ({ page, keel }) => {
  seedDataDir(keel.dataDir, { sessions: 300 })
  await keel.launch()
  const list = sessionList(page)
  await expect(list.getByRole('button', { name: 'Seeded session 299', exact: true })).toBeVisible()
  // Screen readers hear the whole list's size, though only a page is loaded.
  await expect(list.getByRole('listitem').first()).toHaveAttribute('aria-setsize', '300')
  expect(await list.getByRole('listitem').count()).toBeLessThan(60)
  expect(count(keel.contract.channels(), 'sessions.list')).toBe(1)

  // Scroll to the end of what is loaded until the oldest session shows: the pages below are asked for on the way.
  await expect
    .poll(async () => {
      await sidebarScroller(page).evaluate((el) => el.scrollTo(0, el.scrollHeight))
      return list.getByRole('button', { name: 'Seeded session 0', exact: true }).isVisible()
    }, { message: 'the oldest session never appeared at the bottom of the list' })
    .toBe(true)
  expect(count(keel.contract.channels(), 'sessions.list')).toBeGreaterThanOrEqual(3)
  // All 300 are loaded; the DOM still holds about a screenful of rows.
  expect(await list.getByRole('listitem').count()).toBeLessThan(60)

  // Back at the top, the arrow keys walk the rows and focus follows.
  await sidebarScroller(page).evaluate((el) => el.scrollTo(0, 0))
  await list.getByRole('button', { name: 'Seeded session 299', exact: true }).focus()
  await page.keyboard.press('ArrowDown')
  await expect(list.getByRole('button', { name: 'Seeded session 298', exact: true })).toBeFocused()
  await page.keyboard.press('End')
  await expect(list.getByRole('button', { name: 'Seeded session 0', exact: true })).toBeFocused()
  await page.keyboard.press('Home')
  await expect(list.getByRole('button', { name: 'Seeded session 299', exact: true })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { level: 1, name: 'Seeded session 299', exact: true })).toBeVisible()
})

test('a search hit shows the matched words marked and opens the long session at that message', async ({ page, keel }) => {
  seedDataDir(keel.dataDir, { sessions: 20, long: { title: 'Harbour log', messages: 600, mark: { seq: 101, text: 'near the zanzibar lighthouse' } } })
  await keel.launch()
  await page.getByRole('searchbox', { name: 'Search sessions' }).fill('zanzibar')
  const hit = sessionList(page).getByRole('listitem').filter({ hasText: 'Harbour log' })
  await expect(hit).toHaveCount(1)
  await expect(hit.locator('mark')).toHaveText(/zanzibar/i)
  await expect(hit).toContainText('lighthouse')
  await page.screenshot({ path: test.info().outputPath('search-results.png') })

  await hit.getByRole('button', { name: 'Harbour log' }).click()
  const found = message(page, 'zanzibar lighthouse')
  await expect(found).toBeVisible()
  // Opened around the hit, not at the end: the latest message is not loaded, the hit's row is marked.
  await expect(message(page, longMessageText(600))).toHaveCount(0)
  await expect(page.locator('.chat-view__row--found')).toContainText('zanzibar lighthouse')
  await expect(page.getByRole('button', { name: 'Jump to latest' })).toBeVisible()

  // The way back to the end: the latest page replaces the window around the hit.
  await page.getByRole('button', { name: 'Jump to latest' }).click()
  await expect(message(page, longMessageText(600))).toBeVisible()
})

test('scrolling up loads older messages without moving what is on screen', async ({ page, keel }) => {
  seedDataDir(keel.dataDir, { sessions: 3, long: { title: 'Harbour log', messages: 400 } })
  await keel.launch()
  await sessionList(page).getByRole('button', { name: 'Harbour log', exact: true }).click()
  await expect(message(page, longMessageText(400))).toBeVisible()
  // The latest page only (50 messages): message 350 is the oldest one loaded.
  expect(count(keel.contract.channels(), 'sessions.messages')).toBe(0)
  const firstLoaded = longMessageText(351)
  await expect(message(page, longMessageText(350))).toHaveCount(0)

  // Scroll to the very top of what is loaded: the first loaded message sits at the top of the log.
  const scroller = log(page)
  await scroller.evaluate((el) => el.scrollTo(0, 0))
  const top = (await scroller.boundingBox())!.y
  // The page above arrives and is put above it; the message stays where it was on screen.
  await expect.poll(() => count(keel.contract.channels(), 'sessions.messages')).toBeGreaterThanOrEqual(1)
  await expect(message(page, longMessageText(350))).toBeAttached()
  await expect
    .poll(async () => {
      const box = await message(page, firstLoaded).boundingBox()
      return box ? Math.round(box.y - top) : null
    }, { message: 'the message at the top moved when the older page arrived' })
    .toBeLessThan(40)
  const box = (await message(page, firstLoaded).boundingBox())!
  expect(box.y - top).toBeGreaterThanOrEqual(0)
  // Scrolling further up keeps loading, to the first message of the session.
  await expect
    .poll(async () => {
      await scroller.evaluate((el) => el.scrollTo(0, 0))
      return message(page, longMessageText(1)).isVisible()
    }, { message: 'the first message never appeared' })
    .toBe(true)
})

test('a session renamed or created in another window is patched into the list without reading the list again', async ({ page, keel }) => {
  seedDataDir(keel.dataDir, { sessions: 150 })
  await keel.launch()
  const list = sessionList(page)
  await expect(list.getByRole('button', { name: 'Seeded session 149', exact: true })).toBeVisible()
  const listReads = count(keel.contract.channels(), 'sessions.list')

  // Another window on the same host renames a session and makes a new one.
  const other = await page.context().newPage()
  await other.goto(keel.host().url)
  const otherList = sessionList(other)
  const item = otherList.getByRole('listitem').filter({ hasText: 'Seeded session 148' })
  await item.getByRole('button', { name: 'More' }).click()
  await other.getByRole('button', { name: 'Rename session Seeded session 148' }).click()
  await other.getByLabel('Session title').fill('Renamed elsewhere')
  await other.getByLabel('Session title').press('Enter')
  await expect(otherList.getByRole('button', { name: 'Renamed elsewhere', exact: true })).toBeVisible()
  await expect(list.getByRole('button', { name: 'Renamed elsewhere', exact: true })).toBeVisible()
  await expect(list.getByRole('button', { name: 'Seeded session 148', exact: true })).toHaveCount(0)

  await other.getByRole('group', { name: 'Session actions' }).getByRole('button', { name: 'New session', exact: true }).click()
  await expect(other.getByRole('heading', { level: 1, name: 'New session', exact: true })).toBeVisible()
  // The new session goes to the top of this window's list, and the list's size grows by one.
  await expect(list.getByRole('listitem').first()).toContainText('New session')
  await expect(list.getByRole('listitem').first()).toHaveAttribute('aria-setsize', '151')
  await other.close()

  await keel.settled()
  const channels = keel.contract.channels()
  // Each change was read as the changed session's summary, never as the list again.
  expect(count(channels, 'sessions.list')).toBe(listReads)
  expect(count(channels, 'sessions.summaries')).toBeGreaterThanOrEqual(2)
})
