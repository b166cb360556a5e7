import type { DailyLimit, PreviewResult } from '../../contract';
import { duration, plural } from './format';
import { warningWords } from './warning-words';

/**
 * The Add Sync Request dialog's preview: what the request would send, its Xero calls and days of quota, the
 * daily limit the estimate uses, and the warnings; or why there is none yet.
 */
export function PreviewSection(props: { asked: boolean; previewing: boolean; fresh: PreviewResult | null }) {
  return (
    <section class="preview" aria-labelledby="preview-title" aria-live="polite">
      <h3 id="preview-title">Preview</h3>
      {!props.asked ? (
        <p class="muted">Pick a Xero contact to see the preview.</p>
      ) : props.previewing ? (
        <p class="muted">Counting the orders…</p>
      ) : props.fresh ? (
        <PreviewSummary preview={props.fresh} />
      ) : (
        <p class="muted">Fix the fields marked above to see the preview.</p>
      )}
    </section>
  );
}

function PreviewSummary({ preview: p }: { preview: PreviewResult }) {
  const { orders, estimate } = p;
  const days =
    estimate.quotaWindows <= 1
      ? 'fits in today’s Xero quota'
      : `needs ${estimate.quotaWindows} days of Xero’s daily quota (it waits and resumes by itself)`;
  return (
    <div class="preview-body">
      <p>
        <strong>{plural(orders.toSync, 'order')} to send</strong> of {plural(orders.total, 'order')} in the
        range
        {orders.voided > 0 && `, ${orders.voided} voided (skipped)`}
        {orders.alreadySynced > 0 && `, ${orders.alreadySynced} already in Xero`}.
      </p>
      <p>
        About {plural(estimate.calls.total, 'Xero call')}; {days}; {duration(estimate.etaSeconds)}.
        {estimate.sharedWith > 0 &&
          ` Shares Xero’s limits with ${plural(estimate.sharedWith, 'running request')}.`}{' '}
        {dailyLimitText(estimate.dailyLimit)}
      </p>
      {p.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {p.warnings.map((w) => (
            <li key={w.code}>{warningWords(w)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const LIMIT_SOURCES: Record<DailyLimit['source'], string> = {
  setting: 'the business’s setting',
  'xero-headers': 'as Xero’s answers show',
  default: 'the default; Xero has not said yet',
};

/** The daily limit the estimate uses, and where it comes from. */
function dailyLimitText(limit: DailyLimit): string {
  return `Xero’s daily limit: ${plural(limit.calls, 'call')} (${LIMIT_SOURCES[limit.source]}).`;
}
