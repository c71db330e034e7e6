// Takes the README's screenshots from the real app: the browser host with the real core, a recording fake
// provider, Debian's Chromium. Run: scripts/with-keyring.sh npx tsx scripts/screenshots.ts
// KEEL_SHOTS=approval-card takes only the approval card (docs/approval-card.png); KEEL_SHOTS=mcp-servers only
// Settings → MCP servers (docs/mcp-servers.png); KEEL_SHOTS=usage only Settings → Usage (docs/usage.png);
// KEEL_SHOTS=branches only a conversation with a regenerated reply and an edited prompt (docs/branches.png).
// KEEL_SHOTS=message-chrome only two replies on two entries with the switch divider, a copied code block and the
// header's instructions & parameters override (docs/message-chrome.png).
// KEEL_SHOTS=attachments only a pasted chart and a picked file, sent, and more staged (docs/attachments.png).
// KEEL_SHOTS=data only Settings → Data: backups, the schedule, an import and a restore waiting (docs/data.png).
// KEEL_SHOTS=narrow only an 800×600 window: the sidebar collapsed to a rail, a long title and identity on one row each
// (docs/narrow.png). Without KEEL_SHOTS it takes every one of them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from '@playwright/test'
import { startFakeProvider } from '../test/fake-provider/server'
import { startHost } from '../test/e2e/support/host'
import { addProvider, newSession, pickModel, trustMcpServer } from '../test/e2e/support/ui'
import { EVERYTHING_SERVER } from '../test/support/mcp-servers'
import { pdfWithText } from '../test/support/pdf-fixture'

const OUT = path.resolve(import.meta.dirname, '../docs')

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

const SCHEME = (process.env.KEEL_SHOT_SCHEME as 'dark' | 'light') ?? 'dark'

/** A fresh data directory for one screenshot, with its config.json when given. */
function shotDataDir(config?: object): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-'))
  if (config) fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config))
  return dataDir
}

/** Keel for one screenshot: the browser host on that data directory and its own keychain service, and a page. */
async function openShot(dataDir: string, viewport: { width: number; height: number }) {
  const host = await startHost(dataDir, { KEEL_KEYCHAIN_SERVICE: `keel-shots-${Date.now()}` })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const page = await browser.newPage({ viewport, colorScheme: SCHEME })
  return { host, browser, page }
}

async function closeShot(browser: { close(): Promise<void> }, host: { stop(): Promise<unknown> }, fake?: { close(): Promise<unknown> }) {
  await browser.close()
  await host.stop()
  await fake?.close()
}

/**
 * An agent session (a profile with read_file and edit_file on a small workspace) where the model read a file and
 * proposes an edit: the transcript's tool rows and the approval card with its diff.
 */
async function approvalCardShot() {
  const fake = await startFakeProvider()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-'))
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-ws-')))
  fs.mkdirSync(path.join(workspace, 'src'))
  fs.writeFileSync(path.join(workspace, 'src/limits.ts'), 'export const limits = {\n  requestTimeoutMs: 30_000,\n  maxRetries: 2,\n}\n')
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [{ id: 'work', name: 'Work gateway', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/work/v1`, auth: 'none', models: ['gpt-work'] }],
      default: { entryId: 'work', model: 'gpt-work' },
      agentProfiles: [
        {
          id: 'repo-helper',
          name: 'Repo helper',
          instructions: 'Work in the repository you are given.',
          tools: [{ source: 'builtin', name: 'read_file' }, { source: 'builtin', name: 'edit_file' }],
          approvals: [{ source: 'builtin', name: 'read_file', approval: 'allow' }, { source: 'builtin', name: 'edit_file', approval: 'ask' }],
          workspace,
        },
      ],
      defaultProfileId: 'repo-helper',
    }),
  )
  fake.sequence([
    { toolCalls: [{ id: 'call_read', name: 'read_file', arguments: { path: 'src/limits.ts' } }] },
    {
      toolResultFor: 'call_read',
      reply: 'The timeout is 30 s; raising it to 60 s.',
      toolCalls: [{ id: 'call_edit', name: 'edit_file', arguments: { path: 'src/limits.ts', old_string: 'requestTimeoutMs: 30_000', new_string: 'requestTimeoutMs: 60_000' } }],
    },
  ])
  const host = await startHost(dataDir, { KEEL_KEYCHAIN_SERVICE: `keel-shots-${Date.now()}` })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  // Taller than the other shots: the transcript's tool rows and the whole card.
  const page = await browser.newPage({ viewport: { width: 1280, height: 960 }, colorScheme: SCHEME })
  try {
    await page.goto(host.url)
    await newSession(page)
    await page.getByLabel('Message').fill('Raise the request timeout to 60 seconds')
    await page.getByLabel('Message').press('Enter')
    await page.getByTestId('approval-diff').waitFor()
    await page.getByTestId('approval-diff').getByText('+  requestTimeoutMs: 60_000').waitFor()
    await page.screenshot({ path: path.join(OUT, 'approval-card.png') })
  } finally {
    await closeShot(browser, host, fake)
    fs.rmSync(workspace, { recursive: true, force: true })
  }
}

/**
 * Settings → MCP servers with the reference everything server (added and trusted through the UI, so its tools are
 * listed), a server whose secret is not in the keychain (unresolved) and one that exits at once (failed, with stderr).
 */
async function mcpServersShot() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-'))
  // A server that fails the way a misconfigured one does: a line on stderr, then exit before initialize.
  const failing = path.join(dataDir, 'github-mcp-server.js')
  fs.writeFileSync(failing, `process.stderr.write('Error: GITHUB_PERSONAL_ACCESS_TOKEN is not set\\n')\nprocess.exit(1)\n`)
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [],
      mcpServers: [
        // `node` is looked up on the login shell's PATH, as for a server a user adds.
        { id: 'github', name: 'GitHub', transport: { type: 'stdio', command: 'node', args: [failing, 'stdio'] } },
        { id: 'linear', name: 'Linear', transport: { type: 'http', url: 'https://mcp.linear.app/mcp' }, secrets: ['Authorization'] },
        { id: 'everything', name: 'Everything', transport: { type: 'stdio', command: 'node', args: [EVERYTHING_SERVER, 'stdio'] } },
      ],
    }),
  )
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 900 })
  try {
    await page.goto(host.url)
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    for (const name of ['Everything', 'GitHub']) await trustMcpServer(page, name)
    const everything = settings.getByRole('listitem', { name: 'Everything' })
    await everything.getByTestId('mcp-status').getByText(/^ready/).waitFor()
    await settings.getByRole('listitem', { name: 'GitHub' }).getByTestId('mcp-status').getByText(/^failed/).waitFor()
    await everything.getByText(/^Tools \(/).click()
    // The "Trusted …" notices go by themselves (paused while the pointer is on them): shot without them.
    await page.mouse.move(0, 0)
    await page.getByRole('button', { name: 'Dismiss notice' }).first().waitFor({ state: 'detached', timeout: 30_000 })
    // The section's head (title and its buttons) at the top of the dialog's scroll area.
    await page.getByRole('heading', { name: 'MCP servers' }).evaluate((el) => el.parentElement?.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: path.join(OUT, 'mcp-servers.png') })
  } finally {
    await closeShot(browser, host)
  }
}

/**
 * Settings → Usage after a few replies on two entries: one priced in config.json (as OpenRouter's model list
 * prefills it), one local without prices (its cost unknown), and one reply whose provider reported no usage.
 */
async function usageShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [
      { id: 'router', name: 'OpenRouter', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/router/v1`, auth: 'none', models: ['anthropic/claude-sonnet-4', 'openai/gpt-4o-mini'] },
      { id: 'desk', name: 'LM Studio (desk)', kind: 'lmstudio', api: 'openai-chat', baseUrl: `${fake.url}/lms/v1`, auth: 'none', models: ['qwen/qwen3.6-27b'] },
    ],
    default: { entryId: 'router', model: 'anthropic/claude-sonnet-4' },
    prices: {
      router: {
        'anthropic/claude-sonnet-4': { input: 3, cachedInput: 0.3, output: 15, source: 'provider' },
        'openai/gpt-4o-mini': { input: 0.15, output: 0.6, source: 'provider' },
      },
    },
  })
  const runs: Array<{ model: string; prefix: string; usage: { input: number; output: number; cached?: number } | 'none' }> = [
    { model: 'anthropic/claude-sonnet-4', prefix: '/router', usage: { input: 18_400, output: 1_250, cached: 12_000 } },
    { model: 'anthropic/claude-sonnet-4', prefix: '/router', usage: { input: 21_900, output: 2_310, cached: 18_000 } },
    { model: 'openai/gpt-4o-mini', prefix: '/router', usage: { input: 9_800, output: 640 } },
    { model: 'qwen/qwen3.6-27b', prefix: '/lms', usage: { input: 6_200, output: 900 } },
    { model: 'qwen/qwen3.6-27b', prefix: '/lms', usage: 'none' },
  ]
  fake.sequence(runs.map((r) => ({ pathPrefix: r.prefix, usage: r.usage, reply: 'Done: the summary is in the notes.' })))
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 900 })
  try {
    await page.goto(host.url)
    let model = ''
    for (const [i, r] of runs.entries()) {
      if (r.model !== model) {
        await newSession(page)
        if (i > 0) await pickModel(page, r.prefix === '/lms' ? 'LM Studio (desk)' : 'OpenRouter', r.model)
        model = r.model
      }
      await page.getByLabel('Message').fill(`Summarise part ${i + 1} of the notes`)
      await page.getByLabel('Message').press('Enter')
      await page.getByTestId('reply-usage').nth(runs.slice(0, i + 1).filter((x) => x.model === r.model).length - 1).waitFor()
    }
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByRole('group', { name: 'Group usage' }).getByRole('button', { name: 'By model' }).click()
    await settings.getByRole('table', { name: 'Usage table' }).getByText('qwen/qwen3.6-27b').waitFor()
    await page.getByRole('heading', { name: 'Usage' }).evaluate((el) => el.parentElement?.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: path.join(OUT, 'usage.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

/**
 * Message branches (issue #12): a reply regenerated (‹ 2 / 2 ›) and a prompt edited and sent again, each with its
 * version navigator and the message actions (docs/branches.png).
 */
async function branchesShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [{ id: 'work', name: 'Work gateway', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/work/v1`, auth: 'none', models: ['gpt-work'] }],
    default: { entryId: 'work', model: 'gpt-work' },
  })
  fake.sequence([
    { reply: 'How about **Tiller**: short, nautical, and easy to say.' },
    { reply: 'A few ideas: **Leeward**, **Bowline** or **Tiller**. Leeward reads well as an app icon word.' },
    { reply: 'Tiller is already short; **Luff** is shorter still.' },
    { reply: '**Luff**: four letters, and every sailor knows it.' },
  ])
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 800 })
  const replies = page.getByRole('article', { name: 'assistant message', exact: true })
  try {
    await page.goto(host.url)
    await newSession(page)
    await page.getByLabel('Message').fill('Suggest a name for a sailing app')
    await page.getByLabel('Message').press('Enter')
    await replies.filter({ hasText: 'Tiller' }).waitFor()
    await page.getByRole('button', { name: 'Regenerate', exact: true }).click()
    await replies.filter({ hasText: 'Leeward' }).waitFor()
    await page.getByLabel('Message').fill('Make it shorter')
    await page.getByLabel('Message').press('Enter')
    await replies.filter({ hasText: 'Luff' }).waitFor()
    await page.getByRole('button', { name: 'Edit', exact: true }).last().click()
    await page.getByRole('textbox', { name: 'Edited prompt' }).fill('Make it shorter, one syllable')
    await page.getByRole('button', { name: 'Send edited prompt' }).click()
    await replies.filter({ hasText: 'every sailor' }).waitFor()
    await page.getByRole('group', { name: 'Versions of this prompt' }).waitFor()
    while ((await page.getByRole('button', { name: 'Dismiss notice' }).count()) > 0) await page.getByRole('button', { name: 'Dismiss notice' }).first().click()
    await page.screenshot({ path: path.join(OUT, 'branches.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

/**
 * Attachments (issue #12): a chart pasted into the composer (drawn on a canvas in the page, pasted as a PNG file) and
 * a text file picked, sent; the transcript shows the thumbnail and the chip, the composer a staged PDF (docs/attachments.png).
 */
async function attachmentsShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [{ id: 'work', name: 'Work gateway', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/work/v1`, auth: 'none', models: ['gpt-vision'] }],
    default: { entryId: 'work', model: 'gpt-vision' },
  })
  fake.script({ reply: 'The chart shows weekly sign-ups rising from 120 to 410 over six weeks, with the largest jump in week 4 — the week the **launch notes** in `notes.md` mention the new onboarding flow.' })
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 800 })
  try {
    await page.goto(host.url)
    await newSession(page)
    // A bar chart drawn on a canvas and pasted as a PNG file, as a screenshot tool's copy would.
    await page.getByLabel('Message').evaluate(async (box) => {
      const dom = globalThis as unknown as { document: { createElement(t: string): any }; DataTransfer: new () => any; ClipboardEvent: new (t: string, i: object) => never; File: new (p: unknown[], n: string, o: object) => unknown }
      const canvas = dom.document.createElement('canvas')
      canvas.width = 320
      canvas.height = 200
      const g = canvas.getContext('2d')
      g.fillStyle = '#ffffff'
      g.fillRect(0, 0, 320, 200)
      ;[120, 150, 190, 300, 360, 410].forEach((v: number, i: number) => {
        g.fillStyle = '#2f63d8'
        g.fillRect(20 + i * 50, 190 - v * 0.42, 34, v * 0.42)
      })
      const blob: unknown = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'))
      const data = new dom.DataTransfer()
      data.items.add(new dom.File([blob], 'signups.png', { type: 'image/png' }))
      box.dispatchEvent(new dom.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    })
    await page.getByTestId('attach-input').setInputFiles({ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Launch notes\n\nWeek 4: new onboarding flow shipped.\n') })
    await page.getByRole('list', { name: 'Attachments' }).getByText('notes.md').waitFor()
    await page.getByRole('list', { name: 'Attachments' }).getByRole('img', { name: 'signups.png' }).waitFor()
    await page.getByLabel('Message').fill('What happened in week 4?')
    await page.getByLabel('Message').press('Enter')
    await page.getByRole('article', { name: 'assistant message', exact: true }).getByText('The chart shows').waitFor()
    await page.getByRole('article', { name: 'user message' }).getByRole('img', { name: 'signups.png' }).waitFor()
    // The next message's files, staged in the composer: a PDF (sent as its text) and one Keel refuses, saying why.
    await page.getByTestId('attach-input').setInputFiles([
      { name: 'q3-report.pdf', mimeType: 'application/pdf', buffer: pdfWithText('Q3 report: sign-ups up 240 percent.') },
      { name: 'photo.heic', mimeType: 'image/heic', buffer: Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)]) },
    ])
    await page.getByRole('list', { name: 'Attachments' }).getByRole('alert').waitFor()
    await page.getByRole('list', { name: 'Attachments' }).getByText('PDF ·', { exact: false }).waitFor()
    await page.getByLabel('Message').fill('And how does this compare?')
    await page.screenshot({ path: path.join(OUT, 'attachments.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

/**
 * Settings → Data (issue #12): two backups, the automatic schedule, a ChatGPT conversations.json just imported, and
 * a restore waiting for the next start with the keychain items it needs.
 */
async function dataShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [
      { id: 'openai', name: 'OpenAI', kind: 'openai', api: 'openai-responses', baseUrl: `${fake.url}/openai/v1`, models: ['gpt-4o'] },
      { id: 'desk', name: 'LM Studio (desk)', kind: 'lmstudio', api: 'openai-chat', baseUrl: `${fake.url}/lms/v1`, auth: 'none', models: ['qwen/qwen3.6-27b'] },
    ],
    default: { entryId: 'desk', model: 'qwen/qwen3.6-27b' },
  })
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 900 })
  try {
    await page.goto(host.url)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const data = page.getByRole('dialog', { name: 'Settings' }).getByRole('region', { name: 'Data' })
    await data.getByLabel('Automatic backups', { exact: true }).selectOption('daily')
    await data.getByRole('button', { name: 'Save schedule' }).click()
    await data.getByRole('list', { name: 'Backups' }).getByRole('listitem').first().waitFor()
    await data.getByLabel('File to import').setInputFiles(path.resolve(import.meta.dirname, '../test/fixtures/chatgpt-conversations.json'))
    await data.getByRole('status', { name: 'Import result' }).waitFor()
    await data.getByRole('button', { name: 'Back up now' }).click()
    await data.getByRole('list', { name: 'Backups' }).getByRole('listitem').nth(1).waitFor()
    await data.getByRole('button', { name: /^Restore keel-manual-/ }).click()
    await page.getByRole('dialog', { name: 'Restore this backup?' }).getByRole('button', { name: 'Restore at next start' }).click()
    await data.getByRole('status', { name: 'Restore waiting' }).waitFor()
    await page.getByRole('dialog', { name: 'Restore this backup?' }).waitFor({ state: 'detached' })
    const dismiss = page.getByRole('button', { name: 'Dismiss notice' })
    while ((await dismiss.count()) > 0) await dismiss.first().dispatchEvent('click')
    await page.getByRole('heading', { name: 'Data', exact: true }).evaluate((el) => el.parentElement?.parentElement?.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: path.join(OUT, 'data.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

/** An 800×600 window: the sidebar collapses itself to a rail; the header's long title and identity stay one row. */
async function narrowShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [{ id: 'desk', name: 'LM Studio on the desk machine', kind: 'lmstudio', api: 'openai-chat', baseUrl: `${fake.url}/lms/v1`, auth: 'none', models: ['qwen/qwen3.6-27b-instruct-q4_k_m'] }],
    default: { entryId: 'desk', model: 'qwen/qwen3.6-27b-instruct-q4_k_m' },
  })
  fake.script({ reply: 'Low tide on Sunday is at 06:12 and 18:40; high tide at 12:25. The spring tide peaks on Monday.' })
  const { host, browser, page } = await openShot(dataDir, { width: 800, height: 600 })
  try {
    await page.goto(host.url)
    await page.getByRole('button', { name: 'Expand sidebar' }).waitFor()
    await newSession(page)
    await page.getByLabel('Message').fill('When are the low and high tides at the harbour mouth this Sunday, and when is the spring tide?')
    await page.getByLabel('Message').press('Enter')
    await page.getByText('The spring tide peaks on Monday.').waitFor()
    const dismiss = page.getByRole('button', { name: 'Dismiss notice' })
    while ((await dismiss.count()) > 0) await dismiss.first().dispatchEvent('click')
    await page.screenshot({ path: path.join(OUT, 'narrow.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

/**
 * Message chrome and session overrides (issue #12): two replies on two entries with the "Switched to … on …" divider
 * between them, each reply's identity line, a code block with its language and Copy (just pressed: "Copied"), the
 * message actions shown on hover, and the header's instructions & parameters override (docs/message-chrome.png).
 */
async function messageChromeShot() {
  const fake = await startFakeProvider()
  const dataDir = shotDataDir({
    version: 1,
    providers: [{ id: 'work', name: 'Work gateway', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fake.url}/work/v1`, auth: 'none', models: ['gpt-4.1'] }],
    default: { entryId: 'work', model: 'gpt-4.1' },
  })
  fake.sequence([
    { pathPrefix: '/work', reply: 'Iterate over the file object: it yields one line at a time.\n\n```python\nwith open("notes.txt", encoding="utf-8") as f:\n    for line in f:\n        print(line.rstrip())\n```' },
    { pathPrefix: '/anthropic', reply: 'Use a `BufReader` and its `lines()` iterator:\n\n```rust\nuse std::io::{BufRead, BufReader};\n\nlet file = std::fs::File::open("notes.txt")?;\nfor line in BufReader::new(file).lines() {\n    println!("{}", line?);\n}\n```' },
  ])
  const host = await startHost(dataDir, { KEEL_KEYCHAIN_SERVICE: `keel-shots-${Date.now()}` })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: SCHEME })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const page = await context.newPage()
  try {
    await page.goto(host.url)
    await addProvider(page, { name: 'Anthropic', kind: 'Anthropic', baseUrl: `${fake.url}/anthropic`, model: 'claude-sonnet-4-5', key: `sk-ant-shots-${Date.now()}` })
    await page.keyboard.press('Escape')
    await newSession(page)
    await page.getByRole('button', { name: 'Instructions & parameters…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Session instructions & parameters' })
    await dialog.getByRole('checkbox', { name: 'Use this session’s own instructions' }).check()
    await dialog.getByLabel('Instructions', { exact: true }).fill('Answer briefly, with one code example.')
    await dialog.getByLabel('Temperature').fill('0.2')
    await dialog.getByRole('button', { name: 'Save for this session' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByLabel('Message').fill('How do I read a file line by line in Python?')
    await page.getByLabel('Message').press('Enter')
    await page.getByTestId('reply-identity').first().waitFor()
    await pickModel(page, 'Anthropic', 'claude-sonnet-4-5')
    await page.getByLabel('Message').fill('And in Rust?')
    await page.getByLabel('Message').press('Enter')
    await page.getByRole('separator', { name: 'Switched to claude-sonnet-4-5 on Anthropic' }).waitFor()
    await page.getByTestId('reply-identity').nth(1).waitFor()
    // The "Added …" toast of the setup is not part of the picture.
    while ((await page.getByRole('button', { name: 'Dismiss notice' }).count()) > 0) await page.getByRole('button', { name: 'Dismiss notice' }).first().click()
    await page.getByRole('group', { name: 'rust code' }).getByRole('button', { name: 'Copy code' }).click()
    await page.getByRole('article', { name: 'assistant message', exact: true }).last().hover()
    await page.screenshot({ path: path.join(OUT, 'message-chrome.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
}

async function main() {
  if (process.env.KEEL_SHOTS === 'message-chrome') return messageChromeShot()
  if (process.env.KEEL_SHOTS === 'data') return dataShot()
  if (process.env.KEEL_SHOTS === 'narrow') return narrowShot()
  if (process.env.KEEL_SHOTS === 'branches') return branchesShot()
  if (process.env.KEEL_SHOTS === 'usage') return usageShot()
  if (process.env.KEEL_SHOTS === 'attachments') return attachmentsShot()
  if (process.env.KEEL_SHOTS === 'approval-card') return approvalCardShot()
  if (process.env.KEEL_SHOTS === 'mcp-servers') return mcpServersShot()
  const fake = await startFakeProvider()
  fake.script({ protocol: 'openai-chat', reply: 'Here is a **typed** helper:\n\n```ts\nexport function identityKey(entryId: string, model: string): string {\n  return `${entryId}:${model}`\n}\n```\n\nIt keeps the entry id and the wire model as two values.' , times: 1 })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-shots-'))
  const { host, browser, page } = await openShot(dataDir, { width: 1280, height: 800 })
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
    // The "Added …" toasts of the setup are not part of the picture.
    while ((await page.getByRole('button', { name: 'Dismiss notice' }).count()) > 0) await page.getByRole('button', { name: 'Dismiss notice' }).first().click()
    await page.screenshot({ path: path.join(OUT, 'chat.png') })

    // The tray menu as the app mirrors it (App menu → Recent sessions), and Diagnostics for the open session.
    await page.getByRole('button', { name: 'App menu' }).click()
    await page.getByRole('menuitem', { name: 'Recent sessions' }).click()
    await page.getByRole('menu', { name: 'Recent sessions' }).getByRole('menuitem').first().waitFor()
    await page.screenshot({ path: path.join(OUT, 'tray-menu.png') })
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await page.getByRole('banner', { name: 'Session identity' }).getByRole('button', { name: 'Diagnostics' }).click()
    await page.getByRole('dialog', { name: 'Diagnostics' }).getByRole('table', { name: 'Identity views' }).waitFor()
    await page.screenshot({ path: path.join(OUT, 'diagnostics.png') })
    await page.keyboard.press('Escape')

    // A session whose entry lost its key: the explicit unresolved state.
    await page.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Edit Work gateway' }).click()
    // Remove key asks first and is applied on Save.
    await page.getByRole('button', { name: 'Remove key' }).click()
    await page.getByRole('dialog', { name: 'Remove the stored key?' }).getByRole('button', { name: 'Remove on save' }).click()
    await page.getByRole('form', { name: 'Edit Work gateway' }).getByRole('button', { name: 'Save', exact: true }).click()
    await page.getByText('No key — add one').first().waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('alert').filter({ hasText: 'No API key' }).first().waitFor()
    while ((await page.getByRole('button', { name: 'Dismiss notice' }).count()) > 0) await page.getByRole('button', { name: 'Dismiss notice' }).first().click()
    await page.screenshot({ path: path.join(OUT, 'unresolved.png') })
  } finally {
    await closeShot(browser, host, fake)
  }
  await approvalCardShot()
  await mcpServersShot()
  await usageShot()
  await branchesShot()
  await attachmentsShot()
  await dataShot()
  await narrowShot()
  await messageChromeShot()
  console.log(`screenshots written to ${OUT}`)
}

await main()
