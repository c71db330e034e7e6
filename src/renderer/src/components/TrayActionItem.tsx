import type { TrayItem } from '../../../shared/domain'

type TrayAction = Extract<TrayItem, { type: 'action' }>

interface TrayActionItemProps {
  item: TrayAction
  /** Null when the action cannot run here; the reason is shown as the item's title. */
  onChoose: (() => void) | null
  disabledReason?: string
}

/** An action at the foot of Recent sessions (New session, Show/Hide Keel, Diagnostics, Quit). */
export function TrayActionItem({ item, onChoose, disabledReason }: TrayActionItemProps) {
  const disabled = onChoose === null
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className={`popup__item tray-menu__item tray-action${disabled ? ' tray-menu__item--disabled' : ''}`}
      aria-disabled={disabled || undefined}
      title={disabled ? disabledReason : undefined}
      data-typeahead={item.label}
      onClick={() => onChoose?.()}
    >
      {item.label}
    </button>
  )
}
