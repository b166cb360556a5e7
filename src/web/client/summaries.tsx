import { useEffect, useState } from 'preact/hooks';
import type { DailySummaryView, SummariesPage } from '../../contract';
import { api, ApiProblem } from './api';
import type { RequestView } from './api';
import { day, money, plural } from './format';
import { locationName, usePageState } from './store';
import { cursorMoves, Pager, TableRegion } from './tables';
import { xeroInvoiceLink } from './xero-links';

/**
 * A daily-summary request's summaries (issue 23): each one's Xero number (a link into Xero once it is there), its
 * day and location, what its orders add up to and its tax, Xero's total when it differs, and the orders it holds.
 * Each summary has an anchor (`#summary-<number>`), so an order of the synced list links to the summary holding
 * it. Read again when the request's synced count moves.
 */
export function SummaryList({ request: r }: { request: RequestView }) {
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<SummariesPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    let current = true;
    api.summaries(r.id, cursor).then(
      (p) => current && (setPage(p), setError(null)),
      (err: unknown) =>
        current && setError(err instanceof ApiProblem ? err.message : 'Something went wrong.'),
    );
    return () => {
      current = false;
    };
  }, [r.id, cursor, cursors.length === 1 ? r.counts.synced : 0]);
  return (
    <section class="orders" aria-labelledby="summaries-title">
      <h3 id="summaries-title">Daily summaries</h3>
      {error ? (
        <p role="alert">Could not load the summaries: {error}</p>
      ) : !page ? (
        <p class="muted">Loading the summaries…</p>
      ) : page.items.length === 0 ? (
        <p class="muted">No summary written yet.</p>
      ) : (
        <SummariesTable items={page.items} />
      )}
      {(page?.nextCursor || cursors.length > 1) && (
        <Pager label="Daily summaries pages" {...cursorMoves(cursors, page?.nextCursor, setCursors)}>
          Page {cursors.length}
        </Pager>
      )}
    </section>
  );
}

const STATE_WORDS: Record<DailySummaryView['state'], string> = {
  writing: 'Being written',
  done: 'In Xero',
  failed: 'Failed',
};

/** The anchor of a summary, for links from the orders it holds. */
export const summaryAnchor = (number: string) => `summary-${number.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function SummariesTable({ items }: { items: DailySummaryView[] }) {
  const shortCode = usePageState().business?.organisation?.shortCode ?? null;
  return (
    <TableRegion label="Daily summaries">
      <thead>
        <tr>
          <th scope="col">Summary</th>
          <th scope="col">Day</th>
          <th scope="col">Location</th>
          <th scope="col" class="num">
            Total
          </th>
          <th scope="col" class="num">
            Tax
          </th>
          <th scope="col">Orders</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.number} id={summaryAnchor(s.number)}>
            <td data-label="Summary">
              {s.number}
              {s.kind === 'credit_note' && ' (refunds)'}
              {s.adjustment > 0 && ' (adjustment)'}{' '}
              {shortCode && s.xeroId && s.kind === 'invoice' && (
                <a href={xeroInvoiceLink(shortCode, s.xeroId)} target="_blank" rel="noopener noreferrer">
                  Open {s.number} in Xero
                </a>
              )}
              <span class="muted block">
                {STATE_WORDS[s.state]}
                {s.error && `: ${s.error}`}
              </span>
            </td>
            <td data-label="Day">{day(s.date)}</td>
            <td data-label="Location">{locationName(s.locationId)}</td>
            <td data-label="Total" class="num">
              {money(s.total, s.currency)}
              {s.difference && (
                <span class="warn block">
                  Xero’s total {money(s.xeroTotal, s.currency)} differs by {money(s.difference, s.currency)}
                </span>
              )}
            </td>
            <td data-label="Tax" class="num">
              {money(s.tax, s.currency)}
            </td>
            <td data-label="Orders">
              <details>
                <summary>{plural(s.orders.length, 'order')}</summary>
                <ul class="summary-orders">
                  {s.orders.map((o) => (
                    <li key={o.orderId}>
                      {o.orderNumber ?? o.orderId} <span class="muted">{money(o.total, s.currency)}</span>
                    </li>
                  ))}
                </ul>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}
