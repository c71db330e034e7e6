// Agent profile tests: a core whose config has one keyless entry with two models (the default on the first), and the
// notice about the profile that a turn gives (Settings → Agents' words for what changed).
import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { CoreHarness, tempDataDir } from './core-harness'

export async function openWithDefault(fakeUrl: string, service: string): Promise<{ dataDir: string; h: CoreHarness }> {
  const dataDir = tempDataDir()
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({
      version: 1,
      providers: [{ id: 'fake', name: 'Fake', kind: 'openai-compatible', api: 'openai-chat', baseUrl: `${fakeUrl}/v1`, auth: 'none', models: ['m-1', 'm-2'] }],
      default: { entryId: 'fake', model: 'm-1' },
    }),
  )
  return { dataDir, h: await CoreHarness.open(dataDir, service) }
}

/** Sends one message and returns the notice about the profile shown at that turn (null: none). */
export async function noticeAtNextTurn(h: CoreHarness, sessionId: string, text: string): Promise<string | null> {
  const seen = h.events('notice').length
  const { turnId } = await h.call('chat.send', { sessionId, text })
  expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
  // The notice is given as the turn starts, so before it ends.
  const notices = h.events('notice').slice(seen).filter((n) => n.sessionId === sessionId && /agent profile/.test(n.text))
  return notices.length ? notices.map((n) => n.text).join('\n') : null
}
