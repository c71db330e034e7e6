// The identity line under every reply (issue #12): which entry and model produced it, as visible text (not only a
// tooltip), with its usage when the provider reported it (issue #11: "Work · gpt-x · 1,234 in · …"). The reply's
// article points at this line (aria-describedby), so a screen reader reads who answered with the reply. When a
// fallback answered, the fallback line under it (MessageItem) says which binding was selected and why.
import type { TurnUsageView } from '../../../../shared/usage'
import { replyUsageParts } from '../../lib/usageFormat'
import type { ReplyIdentity } from '../../lib/replyIdentity'

export function ReplyIdentityLine({ id, identity, usage }: { id: string; identity: ReplyIdentity | null; usage: TurnUsageView | null }) {
  return (
    <p id={id} className="message__usage message__identity" data-testid={usage ? 'reply-usage' : 'reply-identity-line'}>
      <span className="visually-hidden">Answered by </span>
      <span data-testid="reply-identity">{identity ? `${identity.entryName} · ${identity.model}` : 'identity not recorded'}</span>
      {usage ? ` · ${replyUsageParts(usage).slice(1).join(' · ')}` : null}
    </p>
  )
}

/** The transcript's divider where the model or entry changed since the reply before. */
export function IdentitySwitch({ text }: { text: string }) {
  return (
    <div className="identity-switch" role="separator" aria-label={text} data-testid="identity-switch">
      <span aria-hidden="true">{text}</span>
    </div>
  )
}
