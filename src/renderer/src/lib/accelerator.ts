// Checks an Electron accelerator (https://www.electronjs.org/docs/latest/api/accelerator) before it is saved as
// the global shortcut. Main stores any string and silently leaves an invalid one unregistered, so the field says
// what is wrong while the user is still looking at it.

const MODIFIERS = new Map(
  ['Command', 'Cmd', 'Control', 'Ctrl', 'CommandOrControl', 'CmdOrCtrl', 'Alt', 'Option', 'AltGr', 'Shift', 'Super', 'Meta'].map(
    (m) => [m.toLowerCase(), m],
  ),
)

const NAMED_KEYS = [
  'Plus', 'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Return', 'Enter',
  'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'Esc', 'PrintScreen',
  'VolumeUp', 'VolumeDown', 'VolumeMute', 'MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9',
  'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
]
const KEYS = new Map(NAMED_KEYS.map((k) => [k.toLowerCase(), k]))
const PUNCTUATION = new Set([...')!@#$%^&*(:;=<,_-.>?/~`{][|\\}"\''])
/** Keys that are fine on their own: they do not take a letter or a digit away from every other app. */
const STANDALONE = /^(F([1-9]|1\d|2[0-4])|Media\w+|Volume\w+)$/

export type AcceleratorCheck = { ok: true; value: string } | { ok: false; message: string }

function keyName(part: string): string | null {
  if (/^[a-z0-9]$/i.test(part)) return part.toUpperCase()
  if (/^f([1-9]|1\d|2[0-4])$/i.test(part)) return part.toUpperCase()
  if (PUNCTUATION.has(part)) return part
  return KEYS.get(part.toLowerCase()) ?? null
}

/** Validates and tidies an accelerator ("ctrl + shift + k" → "Ctrl+Shift+K"). An empty value disables the shortcut. */
export function checkAccelerator(input: string): AcceleratorCheck {
  const text = input.trim()
  if (text === '') return { ok: true, value: '' }
  if (text.length > 64) return { ok: false, message: 'Too long: use at most 64 characters.' }
  if (/\+\s*\+|\+\s*$/.test(text)) return { ok: false, message: 'Write the + key as “Plus”, for example CommandOrControl+Plus.' }
  const parts = text.split('+').map((p) => p.trim())
  if (parts.some((p) => p === '')) return { ok: false, message: 'Join modifiers and one key with +, for example CommandOrControl+Shift+K.' }
  const keyPart = parts[parts.length - 1]!
  const modifierParts = parts.slice(0, -1)
  const modifiers: string[] = []
  for (const part of modifierParts) {
    const modifier = MODIFIERS.get(part.toLowerCase())
    if (!modifier) {
      return keyName(part)
        ? { ok: false, message: `Use one key, last: “${part}” is a key, not a modifier.` }
        : { ok: false, message: `“${part}” is not a modifier. Use CommandOrControl, Control, Command, Alt, Option, Shift or Super.` }
    }
    if (modifiers.some((m) => m.toLowerCase() === modifier.toLowerCase())) return { ok: false, message: `${modifier} appears twice.` }
    modifiers.push(modifier)
  }
  if (MODIFIERS.has(keyPart.toLowerCase())) return { ok: false, message: 'Add a key after the modifiers, for example CommandOrControl+Shift+K.' }
  const key = keyName(keyPart)
  if (!key) return { ok: false, message: `“${keyPart}” is not a key Electron knows. Use a letter, a digit, F1–F24 or a named key such as Space or Up.` }
  if (modifiers.length === 0 && !STANDALONE.test(key)) {
    return { ok: false, message: 'Add a modifier such as CommandOrControl, so the shortcut does not take this key from every other app.' }
  }
  return { ok: true, value: [...modifiers, key].join('+') }
}
