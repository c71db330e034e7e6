// Usage and cost per step (issue #11), end to end: real core, real SQLite file, real keychain, and the recording fake
// provider reporting usage in each API's own fields (streaming). Totals must equal the sum of what the fakes
// reported, across a restart; a reply whose provider reported nothing shows "not reported" (null), never 0; cost
// comes from the price table, and stays unknown without a price.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CoreHarness, fakeProviderForFile, tempDataDir, testKeychainService } from '../support/core-harness'
import { requestsTo, sessionOnFakeApi, WIRE_APIS, type WireApi } from '../support/agent-sessions'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { BUILTIN_TOOLS } from '../../src/main/core/tools/builtin-tools'
import type { UsageSpec } from '../fake-provider/types'

const fake = fakeProviderForFile()
const service = testKeychainService()

/** Keel's input count: everything sent. Anthropic's input_tokens leaves out cache reads, so Keel adds them in. */
const keelInput = (api: WireApi, u: UsageSpec) => u.input + (api === 'anthropic-messages' ? (u.cached ?? 0) : 0)
/** Anthropic reports no reasoning count. */
const keelReasoning = (api: WireApi, u: UsageSpec) => (api === 'anthropic-messages' ? null : (u.reasoning ?? null))
const today = () => new Date().toISOString().slice(0, 10)

describe.each(WIRE_APIS)('usage on %s', (api) => {
  it('records what the provider reported per reply, prices it, and the totals survive a restart', async () => {
    const dataDir = tempDataDir('keel-usage')
    let h = await CoreHarness.open(dataDir, service)
    const id = `u-${api}`
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, api, { id })
    const reported: UsageSpec[] = [
      { input: 1200, output: 340, cached: 200, reasoning: 40 },
      { input: 2100, output: 55, cached: 0, reasoning: 0 },
      { input: 3333, output: 777, cached: 1000, reasoning: 123 },
    ]
    // A price for the model (per million): input 3, cached input 0.5, output 15.
    await h.call('prices.set', { entryId: id, model: 'm-1', price: { input: 3, cachedInput: 0.5, output: 15 } })

    fake.script({ pathPrefix: prefix, usage: reported[0]!, times: 1 })
    fake.script({ pathPrefix: prefix, usage: reported[1]!, times: 1 })
    for (const text of ['first', 'second']) {
      const { turnId } = await h.call('chat.send', { sessionId, text })
      expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    }
    // Chat Completions reports usage in a stream only when asked: Keel asks.
    if (api === 'openai-chat') for (const r of requestsTo(fake, prefix)) expect((r.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true })

    const view = await h.call('sessions.open', { id: sessionId })
    const first = view.turns[0]!.usage!
    const u0 = reported[0]!
    expect(first).toMatchObject({
      inputTokens: keelInput(api, u0),
      outputTokens: u0.output,
      cachedInputTokens: u0.cached,
      reasoningTokens: keelReasoning(api, u0),
      steps: 1,
      unreportedSteps: 0,
      unpricedSteps: 0,
      entryId: id,
      model: 'm-1',
    })
    const cost0 = ((keelInput(api, u0) - u0.cached!) * 3 + u0.cached! * 0.5 + u0.output * 15) / 1e6
    expect(first.cost).toBeCloseTo(cost0, 12)
    expect(first.durationMs).not.toBeNull()
    expect(first.firstTokenMs).not.toBeNull()
    await h.close()

    // After a restart (the same SQLite file), the recorded rows are there and a new reply adds to them.
    h = await CoreHarness.open(dataDir, service)
    fake.script({ pathPrefix: prefix, usage: reported[2]!, times: 1 })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'third' })
    await h.turnEnded(turnId)
    const sum = (f: (u: UsageSpec) => number | null) => reported.reduce((a, u) => a + (f(u) ?? 0), 0)
    const byEntry = await h.call('usage.summary', { from: today(), to: today(), groupBy: 'entry' })
    const row = byEntry.rows.find((r) => r.key === id)!
    expect(row).toMatchObject({
      label: `Entry ${id}`,
      steps: 3,
      unreportedSteps: 0,
      inputTokens: sum((u) => keelInput(api, u)),
      outputTokens: sum((u) => u.output),
      cachedInputTokens: sum((u) => u.cached ?? 0),
      reasoningTokens: api === 'anthropic-messages' ? null : sum((u) => u.reasoning ?? 0),
    })
    const expectedCost = reported.reduce((a, u) => a + ((keelInput(api, u) - u.cached!) * 3 + u.cached! * 0.5 + u.output * 15) / 1e6, 0)
    expect(row.cost).toBeCloseTo(expectedCost, 12)
    const session = await h.call('usage.session', { id: sessionId })
    expect(session.rows).toHaveLength(1)
    expect(session.rows[0]).toMatchObject({ steps: 3, outputTokens: sum((u) => u.output) })
    await h.close()
  })

  it('a provider that reports no usage: "not reported" (null, not 0) and the cost unknown', async () => {
    const dataDir = tempDataDir('keel-usage-none')
    const h = await CoreHarness.open(dataDir, service)
    const id = `n-${api}`
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, api, { id })
    await h.call('prices.set', { entryId: id, model: 'm-1', price: { input: 1, output: 2 } })
    fake.script({ pathPrefix: prefix, usage: 'none' })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'hello' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    const usage = (await h.call('sessions.open', { id: sessionId })).turns[0]!.usage!
    expect(usage).toMatchObject({ inputTokens: null, outputTokens: null, cachedInputTokens: null, reasoningTokens: null, unreportedSteps: 1, cost: null })
    const total = (await h.call('usage.summary', { from: today(), to: today(), groupBy: 'model' })).total
    expect(total).toMatchObject({ steps: 1, unreportedSteps: 1, inputTokens: null, outputTokens: null, cost: null })
    await h.close()
  })
})

/** A session on `api` (entry `<tag>-<api>`) offering the built-in tools, in a data dir of its own. */
async function agentSession(api: WireApi, tag: string) {
  const dataDir = tempDataDir(`keel-usage-agent-${tag}`)
  const toolSets = new Map<string, SessionToolSet>()
  const h = await CoreHarness.open(dataDir, service, { toolSet: (sid) => toolSets.get(sid) ?? null })
  const id = `${tag}-${api}`
  const { sessionId, prefix } = await sessionOnFakeApi(h, fake, api, { id })
  toolSets.set(sessionId, { tools: BUILTIN_TOOLS, workspace: dataDir })
  return { h, id, sessionId, prefix, callId: api === 'anthropic-messages' ? `toolu_${tag}1` : `call_${tag}1` }
}

describe('usage of an agent turn', () => {
  it.each(WIRE_APIS)('%s: every step (provider request) is recorded, and the reply shows their sum', async (api) => {
    const { h, id, sessionId, prefix, callId } = await agentSession(api, 'a')
    fake.sequence([
      { pathPrefix: prefix, reply: 'Looking.', toolCalls: [{ id: callId, name: 'list_files', arguments: {} }], usage: { input: 500, output: 20 } },
      { pathPrefix: prefix, toolResultFor: callId, reply: 'Done.', usage: { input: 900, output: 30 } },
    ])
    const { turnId } = await h.call('chat.send', { sessionId, text: 'list' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    expect(requestsTo(fake, prefix)).toHaveLength(2)
    const usage = (await h.call('sessions.open', { id: sessionId })).turns[0]!.usage!
    // No price for this entry: the tokens are known, the cost is not.
    expect(usage).toMatchObject({ steps: 2, inputTokens: 1400, outputTokens: 50, cost: null, unpricedSteps: 2 })
    const csv = (await h.call('usage.csv', { from: today(), to: today() })).csv.trim().split('\r\n')
    const mine = csv.filter((l) => l.includes(`,${id},`))
    expect(mine.map((l) => l.split(',').slice(3, 13))).toEqual([
      ['0', id, `Entry ${id}`, 'm-1', api, 'chat', 'yes', '500', '', '20'],
      ['1', id, `Entry ${id}`, 'm-1', api, 'chat', 'yes', '900', '', '30'],
    ])
    await h.close()
  })

  it.each(WIRE_APIS)('%s: a step that opens with a tool call (no text) is timed from the call, not left without a first token', async (api) => {
    const { h, id, sessionId, prefix, callId } = await agentSession(api, 'c')
    fake.sequence([
      { pathPrefix: prefix, toolCalls: [{ id: callId, name: 'list_files', arguments: {} }] },
      { pathPrefix: prefix, toolResultFor: callId, reply: 'Done.' },
    ])
    const { turnId } = await h.call('chat.send', { sessionId, text: 'list' })
    expect(await h.turnEnded(turnId)).toMatchObject({ status: 'done' })
    // The turn's time to first token is its first step's: that step streamed a call and no text.
    expect((await h.call('sessions.open', { id: sessionId })).turns[0]!.usage!.firstTokenMs).toEqual(expect.any(Number))
    const csv = (await h.call('usage.csv', { from: today(), to: today() })).csv.trim().split('\r\n')
    const firstTokenMs = csv.filter((l) => l.includes(`,${id},`)).map((l) => l.split(',').at(-1))
    expect(firstTokenMs).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)])
    await h.close()
  })
})

describe('prices from a model list', () => {
  it("an OpenRouter-style /models with pricing prefills the price table; a typed price is kept; the cost uses it", async () => {
    const dataDir = tempDataDir('keel-usage-prices')
    const h = await CoreHarness.open(dataDir, service)
    const { sessionId, prefix } = await sessionOnFakeApi(h, fake, 'openai-chat', { id: 'router' })
    await h.call('prices.set', { entryId: 'router', model: 'mine/typed', price: { input: 9, output: 9 } })
    fake.script({
      protocol: 'models',
      pathPrefix: prefix,
      models: ['m-1', 'mine/typed', 'no/price'],
      modelPricing: {
        'm-1': { prompt: '0.000003', completion: '0.000015', input_cache_read: '0.0000003' },
        'mine/typed': { prompt: '0.000001', completion: '0.000001' },
      },
    })
    const list = await h.call('providers.models', { entryId: 'router', refresh: true })
    expect(list.source).toBe('live')
    expect((await h.call('prices.get', { entryId: 'router' })).prices).toEqual({
      'm-1': { input: 3, cachedInput: 0.3, output: 15, source: 'provider' },
      'mine/typed': { input: 9, output: 9, source: 'manual' },
    })
    // Written to config.json, where the user can read and edit it.
    const onDisk = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { prices: Record<string, Record<string, unknown>> }
    expect(Object.keys(onDisk.prices.router!).sort()).toEqual(['m-1', 'mine/typed'])

    fake.script({ pathPrefix: prefix, usage: { input: 1_000_000, output: 100_000, cached: 500_000 }, times: 1 })
    const { turnId } = await h.call('chat.send', { sessionId, text: 'priced' })
    await h.turnEnded(turnId)
    const usage = (await h.call('sessions.open', { id: sessionId })).turns[0]!.usage!
    // 500k × 3 + 500k × 0.3 + 100k × 15, per million
    expect(usage.cost).toBeCloseTo(1.5 + 0.15 + 1.5, 12)
    // A later price change does not re-price the recorded step.
    await h.call('prices.set', { entryId: 'router', model: 'm-1', price: { input: 100, output: 100 } })
    expect((await h.call('sessions.open', { id: sessionId })).turns[0]!.usage!.cost).toBeCloseTo(3.15, 12)
    await h.close()
  })
})
