// Attachments in agent turns (a profile with tools), on each API: the image a message was sent with goes with it
// in every step of the turn — the first request and the one after the tool's result — in the API's own shape.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { requestsTo, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'

const fake = fakeProviderForFile()
const service = testKeychainService()
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const DATA = PNG.toString('base64')

let h: CoreHarness
let workspace: string
const toolSets = new Map<string, SessionToolSet>()
beforeAll(async () => {
  const dataDir = tempDataDir('keel-attachments-agent')
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  fs.writeFileSync(path.join(workspace, 'legend.txt'), 'blue bars are sign-ups\n')
  h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
})
afterAll(async () => {
  await h.close()
})

/** The image as each API carries it in a user message. */
const imagePart: Record<WireApi, unknown> = {
  'openai-chat': { type: 'image_url', image_url: { url: `data:image/png;base64,${DATA}` } },
  'openai-responses': { type: 'input_image', image_url: `data:image/png;base64,${DATA}`, detail: 'auto' },
  'anthropic-messages': { type: 'image', source: { type: 'base64', media_type: 'image/png', data: DATA } },
}

/** The content of the first user message of a request (Chat and Anthropic `messages`, Responses `input`). */
function firstUserContent(body: unknown): unknown {
  const b = body as { messages?: Array<{ role: string; content: unknown }>; input?: Array<{ role?: string; content?: unknown }> }
  return (b.messages ?? b.input ?? []).find((m) => m.role === 'user')?.content
}

let n = 0
describe.each(WIRE_APIS)('attachments in an agent turn on %s', (api) => {
  it('every step sends the message with its image', async () => {
    n += 1
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, api, { id: `agent${n}` })
    toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace })
    const callId = api === 'anthropic-messages' ? 'toolu_a1' : 'call_a1'
    fake.sequence([
      { pathPrefix: prefix, reply: 'Let me read the legend.', toolCalls: [{ id: callId, name: 'read_file', arguments: { path: 'legend.txt' } }] },
      { pathPrefix: prefix, toolResultFor: callId, reply: 'Blue bars are sign-ups; week 4 is the tallest.' },
    ])
    const image = await h.call('attachments.stage', { name: 'chart.png', dataBase64: DATA })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'What does the chart show?', attachments: [{ id: image.id, name: 'chart.png' }] })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    const sent = requestsTo(fake, prefix)
    expect(sent).toHaveLength(2)
    for (const r of sent) {
      const content = firstUserContent(r.body) as unknown[]
      expect(content[0]).toEqual(imagePart[api])
      expect(JSON.stringify(content.at(-1))).toContain('What does the chart show?')
    }
  })
})
