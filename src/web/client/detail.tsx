import { useEffect, useState } from 'preact/hooks';
import { api, ApiProblem } from './api';
import type { OrderOutcome, OrdersPage } from '../../contract';
import type { RequestView } from './api';
import {
  changeKindsWords,
  CHANNELS,
  contactMappingWords,
  dateRange,
  dateTime,
  day,
  money,
  plural,
} from './format';
import { BASE, onLinkClick, reconciliationPath } from './router';
import { RetryOfFact } from './facts';
import { Actions } from './actions';
import { FailureReasonCell } from './failure-reason';
import { xeroInvoiceLink } from './xero-links';
import { OutcomeNote } from './outcomes';
import { UndoSection } from './undo';
import { StatusBar } from './status';
import { summaryAnchor, SummaryList } from './summaries';
import { locationName, putRequests, usePageState } from './store';
import { cursorMoves, Pager, TableRegion } from './tables';

/**
 * A request's detail: its counts, the orders that failed with Xero's own message, the synced ones with their
 * invoice numbers, and the actions its state allows (Pause, Resume, Cancel; Retry failed orders once ended).
 */
export function RequestDetailView({ id }: { id: string }) {
  const page = usePageState();
  const [error, setError] = useState<string | null>(null);
  const r = page.requests.get(id);

  useEffect(() => {
    setError(null);
    api.request(id).then(
      (detail) => putRequests([detail]),
      (err: unknown) => setError(err instanceof ApiProblem ? err.message : 'Something went wrong.'),
    );
  }, [id]);

  if (error && !r)
    return (
      <section class="detail">
        <BackLink />
        <h2 tabIndex={-1}>Sync request not available</h2>
        <p role="alert">{error}</p>
      </section>
    );
  if (!r)
    return (
      <section class="detail">
        <BackLink />
        <p class="empty">Loading the sync request…</p>
      </section>
    );
  return (
    <section class="detail" aria-labelledby="detail-title">
      <BackLink />
      <h2 id="detail-title" tabIndex={-1}>
        {CHANNELS[r.channel]} · {locationName(r.locationId)}, {dateRange(r.startDate, r.endDate)}
      </h2>
      <StatusBar request={r} />
      <OutcomeNote request={r} />
      <Actions request={r} />
      <Facts request={r} />
      <UndoSection request={r} />
      <p class="export">
        <a href={`/api/sync-requests/${encodeURIComponent(r.id)}/orders.csv`} download>
          Export the orders (CSV)
        </a>{' '}
        <span class="muted">with each order’s outcome, Xero invoice number and reason</span>
      </p>
      <p class="export">
        <a href={reconciliationPath(r.id)} onClick={onLinkClick}>
          Reconciliation
        </a>{' '}
        <span class="muted">
          this request’s orders against what Xero holds, by day and location; Check against Xero
        </span>
      </p>
      {r.options?.posting === 'daily-summary' && <SummaryList request={r} />}
      <OrderList request={r} status="failed" title="Failed orders" empty="No order failed." />
      <OrderList request={r} status="synced" title="Synced orders" empty="No order has been synced yet." />
      <OrderList request={r} status="skipped" title="Skipped orders" empty="No order was skipped." />
    </section>
  );
}

function BackLink() {
  return (
    <p>
      <a href={BASE} onClick={onLinkClick}>
        ← All sync requests
      </a>
    </p>
  );
}

function Facts({ request: r }: { request: RequestView }) {
  const facts: Array<[string, string]> = [
    ['Orders in the range', r.expected === null ? 'counting…' : r.expected.toLocaleString()],
    ['Synced', r.counts.synced.toLocaleString()],
    ['Failed', r.counts.failed.toLocaleString()],
    ['Skipped (voided or already in Xero)', r.counts.skipped.toLocaleString()],
    [
      'Xero calls',
      r.plannedCalls ? `${r.xeroCalls ?? 0} of about ${r.plannedCalls}` : String(r.xeroCalls ?? 0),
    ],
    ['Reached', r.reachedDate ? day(r.reachedDate) : '—'],
    ['Contact mapping', contactMappingWords(r)],
    ['Created', dateTime(r.createdAt)],
    ['Closed', r.closedAt ? dateTime(r.closedAt) : '—'],
  ];
  if (r.contactMapping.mode === 'auto' && r.contacts && r.contacts.total > 0)
    facts.splice(5, 0, ['Contacts matched', `${r.contacts.done} of ${r.contacts.total}`]);
  if (r.changes && r.changes.applied + r.changes.failed > 0) facts.splice(4, 0, ...changeFacts(r.changes));
  if (r.quotaWaits) facts.push(['Daily quota waits', String(r.quotaWaits)]);
  if (r.summaries) facts.push(['Daily summaries', summaryWords(r.summaries)]);
  return (
    <dl class="facts counts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
      {r.retryOf && <RetryOfFact retryOf={r.retryOf} words="the earlier request" />}
    </dl>
  );
}

/** Changes of orders already in Xero the request applied, by kind, and those it could not: apart from new orders. */
function changeFacts(changes: NonNullable<RequestView['changes']>): Array<[string, string]> {
  return [
    ['Changes applied (orders already in Xero)', changeKindsWords(changes.kinds)],
    ['Changes not applied', changes.failed.toLocaleString()],
  ];
}

/** How many of a daily-summary request's summaries are in Xero, failed, or adjust a day posted before. */
function summaryWords(s: NonNullable<RequestView['summaries']>): string {
  const all = s.invoices + s.creditNotes;
  const parts = [`${s.written} of ${all} in Xero`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.adjustments) parts.push(`${plural(s.adjustments, 'adjustment')}`);
  if (s.differences.length) parts.push(`${plural(s.differences.length, 'money difference')}`);
  return parts.join(', ');
}

/**
 * One kind of order result, a page at a time. The first page is read again when the request's count of that
 * kind moves (the stream says so), never on a timer.
 */
function OrderList(props: { request: RequestView; status: OrderOutcome; title: string; empty: string }) {
  const count = props.request.counts[props.status];
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const { page, error } = useOrdersPage(props.request.id, props.status, count, cursors);
  const headingId = `orders-${props.status}`;
  return (
    <section class="orders" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {props.title} <span class="muted">({count.toLocaleString()})</span>
      </h3>
      {error ? (
        <p role="alert">Could not load these orders: {error}</p>
      ) : !page ? (
        <p class="muted">Loading orders…</p>
      ) : page.items.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <OrdersTable
          page={page}
          status={props.status}
          title={props.title}
          summarised={props.request.options?.posting === 'daily-summary'}
        />
      )}
      {(page?.nextCursor || cursors.length > 1) && (
        <OrdersPager
          title={props.title}
          count={count}
          cursors={cursors}
          nextCursor={page?.nextCursor ?? null}
          onMove={setCursors}
        />
      )}
    </section>
  );
}

/** The page of results at the last cursor (none to read while the count is 0), and a refusal. */
function useOrdersPage(id: string, status: OrderOutcome, count: number, cursors: Array<string | undefined>) {
  const [page, setPage] = useState<OrdersPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];
  const firstPage = cursors.length === 1;
  useEffect(() => {
    if (count === 0) return setPage({ items: [], nextCursor: null });
    let current = true;
    api.orders(id, status, cursor).then(
      (p) => current && (setPage(p), setError(null)),
      (err: unknown) =>
        current && setError(err instanceof ApiProblem ? err.message : 'Something went wrong.'),
    );
    return () => {
      current = false;
    };
  }, [id, status, cursor, firstPage ? count : 0]);
  return { page, error };
}

/** What the column after the total says: the invoice for a synced order, why it failed and who fixes it, or why skipped. */
const LAST_COLUMN: Record<OrderOutcome, string> = {
  synced: 'Xero invoice',
  failed: 'Why it failed',
  skipped: 'Why',
};

/** A synced order's invoice number, and a link that opens the invoice in Xero when the organisation is known. */
function InvoiceCell({
  order: o,
  shortCode,
  summarised,
}: {
  order: OrdersPage['items'][number];
  shortCode: string | null;
  summarised: boolean;
}) {
  if (!o.invoiceNumber) return <>—</>;
  // In a daily-summary request, the order's invoice is the summary holding it: link to it on this page.
  if (summarised)
    return (
      <>
        In summary <a href={`#${summaryAnchor(o.invoiceNumber)}`}>{o.invoiceNumber}</a>
      </>
    );
  if (!shortCode || !o.xeroInvoiceId) return <>{o.invoiceNumber}</>;
  return (
    <>
      {o.invoiceNumber}{' '}
      <a href={xeroInvoiceLink(shortCode, o.xeroInvoiceId)} target="_blank" rel="noopener noreferrer">
        Open {o.invoiceNumber} in Xero
      </a>
    </>
  );
}

function OrdersTable(props: { page: OrdersPage; status: OrderOutcome; title: string; summarised: boolean }) {
  const synced = props.status === 'synced';
  const shortCode = usePageState().business?.organisation?.shortCode ?? null;
  return (
    <TableRegion label={props.title}>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Placed</th>
          <th scope="col" class="num">
            Total
          </th>
          <th scope="col">{LAST_COLUMN[props.status]}</th>
        </tr>
      </thead>
      <tbody>
        {props.page.items.map((o) => (
          <tr key={o.orderId}>
            <td data-label="Order">{o.orderNumber ?? o.orderId}</td>
            <td data-label="Placed">{o.placedAt ? dateTime(o.placedAt) : '—'}</td>
            <td data-label="Total" class="num">
              {money(o.total, o.currency)}
            </td>
            <td data-label={LAST_COLUMN[props.status]}>
              {o.reason ? (
                <FailureReasonCell reason={o.reason} />
              ) : synced ? (
                <InvoiceCell order={o} shortCode={shortCode} summarised={props.summarised} />
              ) : (
                (o.message ?? '—')
              )}
              {synced && o.message && <span class="muted"> ({o.message})</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

/** Previous and Next through the pages walked so far; which page of how many. */
function OrdersPager(props: {
  title: string;
  count: number;
  cursors: Array<string | undefined>;
  nextCursor: string | null;
  onMove: (cursors: Array<string | undefined>) => void;
}) {
  const { cursors } = props;
  return (
    <Pager label={`${props.title} pages`} {...cursorMoves(cursors, props.nextCursor, props.onMove)}>
      Page {cursors.length} of {Math.max(1, Math.ceil(props.count / 10))} · {plural(props.count, 'order')}
    </Pager>
  );
}
