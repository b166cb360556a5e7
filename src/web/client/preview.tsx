import type { DailyLimit, PostingModeEstimate, PreviewResult } from '../../contract';
import { changeKindsWords, duration, plural } from './format';
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
      {orders.changes > 0 && (
        <p class="preview-changes">
          <strong>{plural(orders.changes, 'change')} to orders already in Xero</strong>, apart from the new
          orders: {changeKindsWords(orders.changeKinds)}.
        </p>
      )}
      <p>
        About {plural(estimate.calls.total, 'Xero call')}; {days}; {duration(estimate.etaSeconds)}.
        {estimate.sharedWith > 0 &&
          ` Shares Xero’s limits with ${plural(estimate.sharedWith, 'running request')}.`}{' '}
        {dailyLimitText(estimate.dailyLimit)}
      </p>
      <PostingComparison preview={p} />
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

const MODE_LABELS: Record<PostingModeEstimate['mode'], string> = {
  'per-order': 'One invoice per order',
  'daily-summary': 'Daily summary',
};

/**
 * Both posting modes for the same range, side by side (issue 23): the invoices, payments and credit notes each
 * would write and the Xero calls that takes, or why a daily summary does not apply; and the orders each skips
 * because the other mode already sent them.
 */
function PostingComparison({ preview }: { preview: PreviewResult }) {
  const { modes, mode } = preview.posting;
  const skipped = modes.find((m) => m.mode === mode)?.skipped;
  return (
    <>
      <div class="table-wrap">
        <table class="modes" aria-label="Posting modes compared">
          <thead>
            <tr>
              <th scope="col">Posting</th>
              <th scope="col">Invoices</th>
              <th scope="col">Payments</th>
              <th scope="col">Credit notes</th>
              <th scope="col">Xero calls</th>
            </tr>
          </thead>
          <tbody>
            {modes.map((m) => (
              <tr key={m.mode} aria-current={m.mode === mode ? 'true' : undefined}>
                <th scope="row">
                  {MODE_LABELS[m.mode]}
                  {m.mode === mode && ' (this request)'}
                </th>
                {m.estimate ? (
                  <>
                    <td>{m.estimate.invoices}</td>
                    <td>{m.estimate.payments}</td>
                    <td>{m.estimate.creditNotes}</td>
                    <td>{m.estimate.calls}</td>
                  </>
                ) : (
                  <td colSpan={4} class="refused">
                    {m.refusal}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {skipped && skipped.count > 0 && <p class="hint">{skipped.reason}</p>}
    </>
  );
}
