// ‹ 2 / 3 › between the versions at one point of the conversation (issue #12). Buttons with their own names, the
// position said as text and to screen readers, and ←/→ on the group; moving selects that version's branch in main.
import type { KeyboardEvent } from 'react'
import type { MessageVersions } from '../../../../shared/branches'

interface Props {
  versions: MessageVersions
  /** 'prompt' or 'reply': what the versions are of, in the labels. */
  noun: string
  disabled: boolean
  onSelect(messageId: string): void
}

export function VersionNavigator({ versions, noun, disabled, onSelect }: Props) {
  const { index, count, siblingIds } = versions
  const go = (to: number) => {
    const id = siblingIds[to]
    if (!disabled && id !== undefined && to !== index) onSelect(id)
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft') go(index - 1)
    else if (e.key === 'ArrowRight') go(index + 1)
    else return
    e.preventDefault()
  }
  return (
    <div className="version-nav" role="group" aria-label={`Versions of this ${noun}`} onKeyDown={onKeyDown}>
      <button type="button" className="version-nav__step" aria-label={`Previous version of this ${noun}`} disabled={disabled || index === 0} onClick={() => go(index - 1)}>
        ‹
      </button>
      <span className="version-nav__position" aria-live="polite" data-testid="version-position">
        <span className="visually-hidden">Version </span>
        {index + 1} / {count}
      </span>
      <button type="button" className="version-nav__step" aria-label={`Next version of this ${noun}`} disabled={disabled || index === count - 1} onClick={() => go(index + 1)}>
        ›
      </button>
    </div>
  )
}
