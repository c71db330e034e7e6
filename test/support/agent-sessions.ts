// Sessions whose provider entry speaks one of the three wire APIs, served by the recording fake provider: the agent
// tests run each case on every API, each on its own path of the fake so that its requests can be told apart.
import type { FakeProvider } from '../fake-provider/server'
import { toolResultsSent } from '../fake-provider/server'
import type { RecordedRequest } from '../fake-provider/types'
import fs from 'node:fs'
import path from 'node:path'
import type { SessionToolSet } from '../../src/main/core/agents/agent-steps'
import { CoreHarness, tempDataDir, testKey, testKeychainService } from './core-harness'

export type WireApi = 'openai-chat' | 'openai-responses' | 'anthropic-messages'
export const WIRE_APIS: WireApi[] = ['openai-chat', 'openai-responses', 'anthropic-messages']

export interface FakeEntry {
  /** The provider entry's id. */
  id: string
  /** The fake's path the entry's requests go to; `/${id}` unless given. */
  prefix?: string
  /** The entry's key; testKey(id) unless given. */
  key?: string
}

/** The base URL of an entry on one path of the fake: Anthropic's SDK adds `/v1` itself, the OpenAI ones do not. */
export function fakeBaseUrl(fake: FakeProvider, api: WireApi, prefix: string): string {
  return api === 'anthropic-messages' ? `${fake.url}${prefix}` : `${fake.url}${prefix}/v1`
}

/**
 * Creates entry `entry.id` of the kind that speaks `api` on the fake at `entry.prefix`, and a new session bound to
 * its model m-1.
 */
export async function sessionOnFakeApi(h: CoreHarness, fake: FakeProvider, api: WireApi, entry: FakeEntry): Promise<{ sessionId: string; prefix: string; key: string }> {
  const { id } = entry
  const prefix = entry.prefix ?? `/${id}`
  const key = entry.key ?? testKey(id)
  const name = `Entry ${id}`
  const baseUrl = fakeBaseUrl(fake, api, prefix)
  if (api === 'anthropic-messages') await h.call('providers.create', { id, name, kind: 'anthropic', baseUrl, key })
  else if (api === 'openai-responses') await h.call('providers.create', { id, name, kind: 'openai', baseUrl, key })
  else await h.call('providers.create', { id, name, kind: 'openai-compatible', baseUrl, key, api: 'openai-chat' })
  const s = await h.call('sessions.create', {})
  await h.call('sessions.bind', { id: s.id, entryId: id, model: 'm-1' })
  return { sessionId: s.id, prefix, key }
}

/** The requests sent to one entry's path of the fake, its model listings aside. */
export function requestsTo(fake: FakeProvider, prefix: string): RecordedRequest[] {
  return fake.requests().filter((r) => r.path.startsWith(`${prefix}/`) && r.protocol !== 'models')
}

/** The result a request sent for call `callId`, as text; throws when the request carries none. */
export function resultSentFor(r: RecordedRequest, callId: string): string {
  const sent = toolResultsSent(r).find((x) => x.callId === callId)
  if (!sent) throw new Error(`no result for ${callId} in the request`)
  return typeof sent.content === 'string' ? sent.content : JSON.stringify(sent.content)
}

/** A fresh workspace folder in `parent` holding hello.txt ("hello from the workspace"), by its real path. */
/**
 * What a crash test starts from: its own data directory, keychain service and workspace folder, and a session on
 * the fake (entry `entry.id`) made by a core that is closed again, so that the child process opens the data first.
 */
export async function sessionToCrash(fake: FakeProvider, label: string, api: WireApi, entry: FakeEntry) {
  const dataDir = tempDataDir(label)
  const service = testKeychainService()
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(dataDir, '..', 'keel-ws-')))
  const setup = await CoreHarness.open(dataDir, service)
  const { sessionId, prefix } = await sessionOnFakeApi(setup, fake, api, entry)
  await setup.close()
  return { dataDir, service, workspace, sessionId, prefix }
}

export function helloWorkspace(parent: string, label: string): string {
  const workspace = fs.realpathSync(fs.mkdtempSync(path.join(parent, `${label}-ws-`)))
  fs.writeFileSync(path.join(workspace, 'hello.txt'), 'hello from the workspace\n')
  return workspace
}

/**
 * A core whose sessions run agent turns with the tool set a test puts in `toolSets` (by session id), and a
 * workspace folder (with hello.txt) beside its data directory for the tools to work in.
 */
export async function openAgentHarness(label: string, service: string, toolSets: ReadonlyMap<string, SessionToolSet>) {
  const dataDir = tempDataDir(label)
  const workspace = helloWorkspace(path.join(dataDir, '..'), label)
  const h = await CoreHarness.open(dataDir, service, { toolSet: (id) => toolSets.get(id) ?? null })
  return { h, dataDir, workspace }
}
