// The usage store on a real SQLite file: migration 013 on a database made by the previous schema (after a backup),
// the CSV export, the grouping, and the price parsing of OpenRouter's model list (per-token decimal strings).
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type OpenedDatabase } from '../../src/main/core/sessions/database'
import { SessionStore } from '../../src/main/core/sessions/session-store'
import { UsageStore, type StepUsageRecord } from '../../src/main/core/usage/usage-store'
import { openRouterPrices, perMillion, stepCost } from '../../src/main/core/usage/prices'
import { anthropicUsage, chatUsage, mergeUsage, NOT_REPORTED, responsesUsage } from '../../src/main/core/usage/reported-usage'
import { tempDataDir } from '../support/core-harness'
import { openAtSchema } from '../support/previous-schema'

const USAGE_VERSION = 13
const opened: OpenedDatabase[] = []
afterEach(() => {
  for (const o of opened.splice(0)) o.db.close()
})

const IDENTITY = { identityKey: 'k1', entryId: 'e', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', api: 'openai-chat' }

function open(dir = tempDataDir('keel-usage-store')) {
  const o = openDatabase(path.join(dir, 'keel.db'), path.join(dir, 'backups'))
  opened.push(o)
  return { db: o.db, sessions: new SessionStore(o.db), usage: new UsageStore(o.db) }
}

function newTurn(sessions: SessionStore) {
  const sessionId = sessions.create()
  const userMessageId = sessions.appendMessage({ sessionId, turnId: null, role: 'user', content: 'hi' })
  return { sessionId, turnId: sessions.startTurn({ sessionId, userMessageId, identity: IDENTITY }) }
}

function record(t: { sessionId: string; turnId: string }, over: Partial<StepUsageRecord> = {}): StepUsageRecord {
  return {
    ...t,
    step: 0,
    entryId: 'e',
    entryName: 'Entry, "quoted"',
    model: 'm',
    api: 'openai-chat',
    identityKey: 'k1',
    usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 40, reasoningTokens: 2 },
    price: { input: 2, cachedInput: 1, output: 8, source: 'manual' },
    startedAt: Date.parse('2026-03-04T10:00:00Z'),
    firstTokenAt: Date.parse('2026-03-04T10:00:00.250Z'),
    endedAt: Date.parse('2026-03-04T10:00:01.500Z'),
    ...over,
  }
}

describe('migration 013', () => {
  it('adds step_usage to a schema-12 database after a backup, keeping its turns; old turns have no usage', () => {
    const old = openAtSchema(USAGE_VERSION - 1, tempDataDir('keel-usage-migration'))
    const oldSessions = new SessionStore(old.db)
    const t = newTurn(oldSessions)
    oldSessions.endTurn(t.turnId, 'done', null, '')
    old.db.close()

    const { db, sessions, usage } = open(old.dataDir)
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(USAGE_VERSION)
    expect(sessions.turn(t.turnId)?.status).toBe('done')
    expect((db.prepare('SELECT summary FROM migration_log WHERE version = ?').get(USAGE_VERSION) as { summary: string }).summary).toMatch(/step_usage/)
    const backup = new Database(path.join(old.backups, fs.readdirSync(old.backups).sort().at(-1)!), { readonly: true })
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(USAGE_VERSION - 1)
      expect(backup.prepare("SELECT name FROM sqlite_master WHERE name = 'step_usage'").get()).toBeUndefined()
    } finally {
      backup.close()
    }
    expect(usage.turns([t.turnId]).size).toBe(0)
    usage.record(record(t))
    expect(usage.turns([t.turnId]).get(t.turnId)).toMatchObject({ inputTokens: 100, steps: 1 })
  })
})

describe('UsageStore', () => {
  it('exports one CSV row per step: quoted where needed, empty cells for not reported and for no price', () => {
    const { sessions, usage } = open()
    const t = newTurn(sessions)
    usage.record(record(t))
    usage.record(record(t, { step: 1, usage: NOT_REPORTED, price: null, firstTokenAt: null, endedAt: Date.parse('2026-03-04T10:00:03Z') }))
    usage.record(record(newTurn(sessions), { endedAt: Date.parse('2026-03-06T00:00:00Z') })) // outside the range
    const csv = usage.csv('2026-03-04', '2026-03-05')
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('ended_at,session_id,turn_id,step,entry_id,entry_name,model,api,profile_id,usage_reported,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,price_input_per_m,price_cached_input_per_m,price_output_per_m,cost,duration_ms,first_token_ms')
    // cost: (60 × 2 + 40 × 1 + 10 × 8) / 1e6 = 0.00024
    expect(lines[1]).toBe(`2026-03-04T10:00:01.500Z,${t.sessionId},${t.turnId},0,e,"Entry, ""quoted""",m,openai-chat,chat,yes,100,40,10,2,2,1,8,0.00024,1500,250`)
    expect(lines[2]).toBe(`2026-03-04T10:00:03.000Z,${t.sessionId},${t.turnId},1,e,"Entry, ""quoted""",m,openai-chat,chat,no,,,,,,,,,3000,`)
    expect(lines).toHaveLength(4) // header, two rows, and the final CRLF
  })

  it('groups by day (UTC) and sums only what was reported; a group with nothing priced has no cost', () => {
    const { sessions, usage } = open()
    const t = newTurn(sessions)
    usage.record(record(t))
    usage.record(record(t, { step: 1, usage: { inputTokens: 5, outputTokens: null, cachedInputTokens: null, reasoningTokens: null }, endedAt: Date.parse('2026-03-05T23:59:59Z') }))
    usage.record(record(newTurn(sessions), { usage: NOT_REPORTED, price: null, endedAt: Date.parse('2026-03-05T01:00:00Z') }))
    const s = usage.summary('2026-03-04', '2026-03-05', 'day')
    expect(s.rows.map((r) => [r.key, r.steps, r.inputTokens, r.outputTokens, r.unreportedSteps, r.unpricedSteps])).toEqual([
      ['2026-03-04', 1, 100, 10, 0, 0],
      ['2026-03-05', 2, 5, null, 1, 2],
    ])
    expect(s.rows[1]!.cost).toBeNull()
    expect(s.total).toMatchObject({ steps: 3, inputTokens: 105, outputTokens: 10, unreportedSteps: 1 })
    expect(s.total.cost).toBeCloseTo(0.00024, 12)
  })
})

describe('reading usage as each API names it', () => {
  it('Chat Completions, Responses and Anthropic fields; absent fields stay null', () => {
    expect(chatUsage({ prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } })).toEqual({ inputTokens: 10, outputTokens: 3, cachedInputTokens: 4, reasoningTokens: 1 })
    expect(chatUsage({ prompt_tokens: 10, completion_tokens: 3 })).toEqual({ inputTokens: 10, outputTokens: 3, cachedInputTokens: null, reasoningTokens: null })
    expect(responsesUsage({ input_tokens: 7, output_tokens: 2, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 5 } })).toEqual({ inputTokens: 7, outputTokens: 2, cachedInputTokens: 0, reasoningTokens: 5 })
    // Anthropic: message_start's output is a placeholder; cache reads are part of what was sent.
    const start = anthropicUsage({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 1 }, 'message_start')
    expect(start).toEqual({ inputTokens: 120, cachedInputTokens: 100 })
    const end = mergeUsage(mergeUsage(NOT_REPORTED, start), anthropicUsage({ output_tokens: 42 }, 'message_delta'))
    expect(end).toEqual({ inputTokens: 120, outputTokens: 42, cachedInputTokens: 100, reasoningTokens: null })
  })

  it('cost: cached input at its price, the rest at the input price; unknown without a price or without counts', () => {
    expect(stepCost({ inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 500_000, reasoningTokens: null }, { input: 2, cachedInput: 0.5, output: 10, source: 'manual' })).toBeCloseTo(1 + 0.25 + 10, 12)
    expect(stepCost({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 500_000, reasoningTokens: null }, { input: 2, output: 10, source: 'manual' })).toBeCloseTo(2, 12)
    expect(stepCost({ inputTokens: 5, outputTokens: 5, cachedInputTokens: null, reasoningTokens: null }, null)).toBeNull()
    expect(stepCost(NOT_REPORTED, { input: 2, output: 10, source: 'manual' })).toBeNull()
  })
})

describe("OpenRouter's /models pricing", () => {
  it('per-token decimal strings become exact per-million prices; a model without prices or with -1 gets none', () => {
    const body = {
      data: [
        { id: 'anthropic/claude-sonnet-4', pricing: { prompt: '0.000003', completion: '0.000015', input_cache_read: '0.0000003', request: '0' } },
        { id: 'openai/gpt-4o-mini', pricing: { prompt: '0.00000015', completion: '0.0000006' } },
        { id: 'meta/free', pricing: { prompt: '0', completion: '0' } },
        { id: 'openrouter/auto', pricing: { prompt: '-1', completion: '-1' } },
        { id: 'no-pricing' },
        { id: 'odd', pricing: { prompt: 'n/a', completion: '0.1' } },
      ],
    }
    expect(openRouterPrices(body)).toEqual({
      'anthropic/claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3, source: 'provider' },
      'openai/gpt-4o-mini': { input: 0.15, output: 0.6, source: 'provider' },
      'meta/free': { input: 0, output: 0, source: 'provider' },
    })
    expect(perMillion('0.0000000375')).toBe(0.0375)
    expect(perMillion('1e-7')).toBe(0.1)
    expect(openRouterPrices({ object: 'list' })).toEqual({})
  })
})

describe('prices in config.json', () => {
  it('a hand-edited price that is not a number ≥ 0 is refused naming the field; a good one parses', async () => {
    const { parseConfigText } = await import('../../src/main/core/config/config-schema')
    const bad = JSON.stringify({ version: 1, prices: { router: { 'anthropic/claude-sonnet-4': { input: -3, output: 15 } } } })
    expect(() => parseConfigText(bad, '/x/config.json')).toThrow(/prices\.router\.anthropic\/claude-sonnet-4\.input/)
    const missing = JSON.stringify({ version: 1, prices: { router: { m: { input: 3 } } } })
    expect(() => parseConfigText(missing, '/x/config.json')).toThrow(/prices\.router\.m\.output/)
    const good = parseConfigText(JSON.stringify({ version: 1, prices: { router: { m: { input: 3, cachedInput: 0.3, output: 15 } } } }), '/x/config.json')
    expect(good.prices).toEqual({ router: { m: { input: 3, cachedInput: 0.3, output: 15, source: 'manual' } } })
    expect(parseConfigText('{}', '/x/config.json').prices).toEqual({})
  })
})
