import type { FailureReason } from '../../contract';
import { onLinkClick, settingsPath } from './router';

const WHO: Record<FailureReason['fixedBy'], string> = {
  merchant: 'You can fix this',
  accountant: 'Your accountant can fix this in Xero',
  support: 'Support can help',
};

const SETTING_NAMES: Record<NonNullable<FailureReason['setting']>, string> = {
  taxTypes: 'Open the tax mapping',
  paymentAccounts: 'Open the payment methods',
};

/**
 * A failed order's reason: what went wrong in plain words, who can fix it (with a link to the setting on this page
 * when it is the merchant), and the recorded text (Xero's own message, or ours) under it, without internal ids.
 */
export function FailureReasonCell({ reason }: { reason: FailureReason }) {
  return (
    <div class={`reason reason-${reason.fixedBy}`}>
      <p class="reason-text">{reason.text}</p>
      <p class="reason-who">
        <strong>{WHO[reason.fixedBy]}</strong>
        {reason.setting && (
          <>
            {': '}
            <a href={settingsPath(reason.setting)} onClick={onLinkClick}>
              {SETTING_NAMES[reason.setting]}
            </a>
          </>
        )}
      </p>
      <p class="reason-detail muted">{reason.detail}</p>
    </div>
  );
}
