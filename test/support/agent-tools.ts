// Test-only tools for agent-loop tests, defined exactly as built-in tools are (defineTool: zod schema, the same
// wrapper), so the loop treats them like any other tool. They hand control to the test instead of sleeping: a
// gate the test opens, and a look into the ledger from inside the tool's effect.
import Database from 'better-sqlite3'
import path from 'node:path'
import { z } from 'zod'
import { defineTool, success, type BuiltinTool, type EffectClass } from '../../src/main/core/tools/tool-definition'

export interface Gate {
  /** Resolves when the tool's effect has started (with what the ledger said about the call at that moment). */
  started: Promise<{ state: string | null }>
  /** Lets the tool finish with this text. */
  open(text?: string): void
  /** How many times the tool's effect ran. */
  runs(): number
}

/**
 * A tool named `name` whose effect waits until the test opens its gate, or until Stop (it then ends as
 * cancelled). When it starts, it reads its own ledger row from keel.db through a separate connection: the state
 * committed before the effect began (invariant 14).
 */
export function gatedTool(name: string, dataDir: string, effect: EffectClass = 'read'): { tool: BuiltinTool; gate: Gate } {
  let runs = 0
  let release: (text: string) => void = () => undefined
  let markStarted: (v: { state: string | null }) => void = () => undefined
  const started = new Promise<{ state: string | null }>((resolve) => (markStarted = resolve))
  const tool = defineTool({
    name,
    description: 'Waits for the test.',
    effect,
    input: z.strictObject({ label: z.string() }),
    async run(args, ctx) {
      runs += 1
      const db = new Database(path.join(dataDir, 'keel.db'), { readonly: true, fileMustExist: true })
      let state: string | null = null
      try {
        const row = db.prepare("SELECT state FROM tool_calls WHERE tool_name = ? AND arguments_json LIKE ? ORDER BY created_at DESC LIMIT 1").get(name, `%${args.label}%`) as { state: string } | undefined
        state = row?.state ?? null
      } finally {
        db.close()
      }
      const done = new Promise<string>((resolve) => {
        release = resolve
        ctx.signal.addEventListener('abort', () => resolve('stopped'), { once: true })
      })
      markStarted({ state })
      const text = await done
      if (ctx.signal.aborted) return { ok: false, outcome: 'cancelled', text: `${name} was stopped.` }
      return success(text)
    },
  })
  return { tool, gate: { started, open: (text = 'gate opened') => release(text), runs: () => runs } }
}
