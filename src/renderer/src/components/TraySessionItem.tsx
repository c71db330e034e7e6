// One session in Recent sessions: title, provider · model in smaller text, a marker when the session is unresolved
// or its config changed, a pin mark. Its accessible name is the tray label exactly, as the native tray shows it.
import type { TrayItem } from '../../../shared/domain'
import { Icon } from './Icon'

type TraySession = Extract<TrayItem, { type: 'session' }>

const MARKER_TEXT = { 'needs-approval': 'needs approval', unresolved: 'unresolved', 'config-changed': 'config changed' } as const

interface TraySessionItemProps {
  item: TraySession
  onChoose: () => void
}

export function TraySessionItem({ item, onChoose }: TraySessionItemProps) {
  const marker = item.marker
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className={['popup__item', 'tray-menu__item', 'tray-session', marker ? `tray-session--${marker}` : null].filter(Boolean).join(' ')}
      aria-label={item.label}
      title={`${item.title}\n${item.detail}${marker ? `\n${MARKER_TEXT[marker]}` : ''}${item.fallback ? `\n${item.fallback}` : ''}`}
      data-typeahead={item.title}
      onClick={onChoose}
    >
      <span className="tray-session__marker">
        {marker === 'unresolved' || marker === 'needs-approval' ? <Icon name="warning" /> : marker === 'config-changed' ? <Icon name="info" /> : null}
      </span>
      <span className="tray-session__text">
        <span className="tray-session__title">{item.title}</span>
        <span className="tray-session__detail">
          {item.detail}
          {marker ? <span className="tray-session__state"> · {MARKER_TEXT[marker]}</span> : null}
          {item.fallback ? <span className="tray-session__state" data-testid="tray-fallback"> · ⤳ {item.fallback}</span> : null}
        </span>
      </span>
      {item.pinned ? <Icon name="pin" className="tray-session__pin" /> : null}
    </button>
  )
}
