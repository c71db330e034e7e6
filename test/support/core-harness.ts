// Opens the real core on a temp data dir with its own keychain service, and waits on its events (no sleeps).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startFakeProvider, type FakeProvider } from '../fake-provider/server'
import { openKeelCore } from '../../src/main/core/app/keel-core'
import type { KeelCore, KeelCoreOptions } from '../../src/main/core/app/keel-core.types'
import type { Channel, ChannelInput, ChannelOutput, ChatEvent, EventName, EventPayload } from '../../src/shared/contract'

export function tempDataDir(label = 'keel'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`))
}

/**
 * A keychain service name no other test (or user) shares. Tests run in a throwaway keyring (scripts/with-keyring.sh),
 * so nothing needs deleting afterwards — and keytar's findCredentials, the only way to list, is unsafe to use.
 */
export function testKeychainService(): string {
  return `keel-test-${randomBytes(6).toString('hex')}`
}


/** A fake-looking but unique API key whose bytes the leak scans look for. */
export function testKey(label: string): string {
  return `sk-keeltest-${label}-${randomBytes(12).toString('hex')}`
}

export class CoreHarness {
  private constructor(
    readonly core: KeelCore,
    readonly dataDir: string,
    readonly keychainService: string,
    private readonly seen: Array<{ event: EventName; payload: unknown }>,
    private readonly waiters: Set<() => void>,
  ) {}

  static async open(dataDir: string, keychainService: string, options: { watchConfig?: boolean; toolSet?: KeelCoreOptions['toolSet'] } = {}): Promise<CoreHarness> {
    const core = await openKeelCore({ dataDir, runtime: 'host', keychainService, watchConfig: options.watchConfig ?? false, ...(options.toolSet ? { toolSet: options.toolSet } : {}) })
    const seen: Array<{ event: EventName; payload: unknown }> = []
    const waiters = new Set<() => void>()
    core.subscribe((event, payload) => {
      seen.push({ event, payload })
      for (const w of [...waiters]) w()
    })
    return new CoreHarness(core, dataDir, keychainService, seen, waiters)
  }

  /** Invokes a channel and returns its value, throwing the typed error data when it fails. */
  async call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
    const result = await this.core.dispatch(channel, input)
    if (!result.ok) throw Object.assign(new Error(result.error.message), { data: result.error })
    return result.value as ChannelOutput<C>
  }

  /** Invokes a channel expecting failure; returns the error data. */
  async fail<C extends Channel>(channel: C, input: ChannelInput<C>) {
    const result = await this.core.dispatch(channel, input)
    if (result.ok) throw new Error(`${channel} unexpectedly succeeded`)
    return result.error
  }

  /** The events of one kind seen so far, or only those after `since` (a mark(), as waitFor takes it). */
  events<E extends EventName>(event: E, since = 0): EventPayload<E>[] {
    return this.seen.slice(since).filter((s) => s.event === event).map((s) => s.payload as EventPayload<E>)
  }

  /** How many events have been seen so far: pass it to waitFor as `since` to wait for a later one only. */
  mark(): number {
    return this.seen.length
  }

  /** Resolves with the first event (already seen since `since`, or future) matching the predicate. */
  waitFor<E extends EventName>(event: E, match: (p: EventPayload<E>) => boolean, timeoutMs = 10_000, since = 0): Promise<EventPayload<E>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.seen.slice(since).find((s) => s.event === event && match(s.payload as EventPayload<E>))
        if (hit) {
          cleanup()
          resolve(hit.payload as EventPayload<E>)
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out waiting for ${event}`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  turnEnded(turnId: string) {
    return this.waitFor('chat', (e) => e.type === 'turn-ended' && e.turnId === turnId)
  }

  /** The text the window has been sent for the turn so far: its deltas, joined. */
  streamedText(turnId: string): string {
    return this.events('chat').flatMap((e) => (e.type === 'delta' && e.turnId === turnId ? [e.text] : [])).join('')
  }

  async close(): Promise<void> {
    await this.core.close()
  }
}

/**
 * One recording fake provider for the whole test file: started before its tests, closed after them, with scripted
 * rules and recorded requests reset before each test.
 */
/** Sends `text` in the session and waits for the end of that turn (its turn-ended event). */
export async function chat(h: CoreHarness, sessionId: string, text = 'hi'): Promise<Extract<ChatEvent, { type: 'turn-ended' }>> {
  const { turnId } = await h.call('chat.send', { sessionId, text })
  return (await h.turnEnded(turnId)) as Extract<ChatEvent, { type: 'turn-ended' }>
}

export function fakeProviderForFile(): FakeProvider {
  let real: FakeProvider | null = null
  beforeAll(async () => {
    real = await startFakeProvider()
  })
  afterAll(async () => {
    await real?.close()
  })
  beforeEach(() => {
    real?.resetScript()
    real?.clear()
  })
  return new Proxy({} as FakeProvider, {
    get(_target, prop) {
      if (!real) throw new Error('the fake provider is used outside a test')
      const value = (real as unknown as Record<PropertyKey, unknown>)[prop]
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value
    },
  })
}
