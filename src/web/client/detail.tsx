import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiProblem } from './api';
import type { ControlAction, OrderOutcome, OrdersPage } from '../../contract';
import type { RequestView } from './api';
import { CHANNELS, CLOSED, contactMappingWords, dateRange, dateTime, day, money, plural } from './format';
import { notify } from './notifications';
import { BASE, navigate, onLinkClick, requestPath } from './router';
import { RetryOfFact } from './facts';
import { StatusBar } from './status';
import { locationName, putRequests, usePageState } from './store';

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
      <Actions request={r} />
      <Facts request={r} />
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
  if (r.quotaWaits) facts.push(['Daily quota waits', String(r.quotaWaits)]);
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

/** Only the actions the request's state allows; each answer is the workflow's own (or its refusal). */
function Actions({ request: r }: { request: RequestView }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const retryKey = useRef(crypto.randomUUID());
  const closed = CLOSED.has(r.state);
  const run = async (label: string, action: () => Promise<void>) => {
    setBusy(label);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err instanceof ApiProblem ? err.message : 'Something went wrong; try again.');
    } finally {
      setBusy(null);
    }
  };
  const control = (action: ControlAction) =>
    run(action, async () => {
      const answer = await api.control(r.id, action);
      // The stream brings the state the workflow records; until then, what it accepted.
      if (action === 'pause')
        putRequests([{ ...r, pausing: answer.pending, state: answer.pending ? r.state : 'paused' }]);
    });
  const retry = () =>
    run('retry', async () => {
      const accepted = await api.retryFailed(r.id, retryKey.current);
      notify(
        accepted.replayed
          ? 'These failed orders are already being retried.'
          : 'Retry of the failed orders submitted.',
        {
          href: requestPath(accepted.id),
          label: 'Open the retry',
          onClick: (event) => {
            event.preventDefault();
            navigate(requestPath(accepted.id));
          },
        },
      );
    });
  const buttons = [];
  if (
    !closed &&
    !r.pausing &&
    (r.state === 'queued' || r.state === 'running' || r.state === 'waiting_for_quota')
  )
    buttons.push(
      <button
        type="button"
        class="button"
        key="pause"
        disabled={!!busy}
        onClick={() => void control('pause')}
      >
        {busy === 'pause' ? 'Pausing…' : 'Pause'}
      </button>,
    );
  if (r.state === 'paused')
    buttons.push(
      <button
        type="button"
        class="button primary"
        key="resume"
        disabled={!!busy}
        onClick={() => void control('resume')}
      >
        {busy === 'resume' ? 'Resuming…' : 'Resume'}
      </button>,
    );
  if (!closed)
    buttons.push(
      <button
        type="button"
        class="button danger"
        key="cancel"
        disabled={!!busy}
        onClick={() => setConfirming(true)}
      >
        Cancel request
      </button>,
    );
  if (closed && r.counts.failed > 0)
    buttons.push(
      <button type="button" class="button primary" key="retry" disabled={!!busy} onClick={() => void retry()}>
        {busy === 'retry' ? 'Retrying…' : 'Retry failed orders'}
      </button>,
    );
  return (
    <div class="actions-bar">
      {buttons.length > 0 && (
        <div class="actions" role="group" aria-label="Actions">
          {buttons}
        </div>
      )}
      {r.pausing && <p class="muted">A pause was accepted: it takes effect when the current step ends.</p>}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmCancel
          onClose={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void control('cancel');
          }}
        />
      )}
    </div>
  );
}

function ConfirmCancel(props: { onClose: () => void; onConfirm: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  return (
    <dialog ref={dialog} class="dialog small" aria-labelledby="cancel-title" onClose={props.onClose}>
      <h2 id="cancel-title">Cancel this sync request?</h2>
      <p>It stops at once. Orders already in Xero stay there; the others are not sent.</p>
      <div class="actions">
        <button type="button" class="button" onClick={() => dialog.current?.close()}>
          Keep syncing
        </button>
        <button type="button" class="button danger" onClick={props.onConfirm}>
          Cancel request
        </button>
      </div>
    </dialog>
  );
}

/**
 * One kind of order result, a page at a time. The first page is read again when the request's count of that
 * kind moves (the stream says so), never on a timer.
 */
function OrderList(props: { request: RequestView; status: OrderOutcome; title: string; empty: string }) {
  const count = props.request.counts[props.status];
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<OrdersPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];
  const firstPage = cursors.length === 1;
  useEffect(() => {
    if (count === 0) return setPage({ items: [], nextCursor: null });
    let current = true;
    api.orders(props.request.id, props.status, cursor).then(
      (p) => current && (setPage(p), setError(null)),
      (err: unknown) =>
        current && setError(err instanceof ApiProblem ? err.message : 'Something went wrong.'),
    );
    return () => {
      current = false;
    };
  }, [props.request.id, props.status, cursor, firstPage ? count : 0]);
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
        <div class="table-wrap" role="region" aria-label={props.title} tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col" class="num">
                  Total
                </th>
                <th scope="col">
                  {props.status === 'synced'
                    ? 'Xero invoice'
                    : props.status === 'failed'
                      ? "Xero's message"
                      : 'Why'}
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((o) => (
                <tr key={o.orderId}>
                  <td>{o.orderNumber ?? o.orderId}</td>
                  <td>{o.placedAt ? dateTime(o.placedAt) : '—'}</td>
                  <td class="num">{money(o.total, o.currency)}</td>
                  <td>
                    {props.status === 'synced' ? (o.invoiceNumber ?? '—') : (o.message ?? '—')}
                    {props.status === 'synced' && o.message && <span class="muted"> ({o.message})</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(page?.nextCursor || !firstPage) && (
        <nav class="pager" aria-label={`${props.title} pages`}>
          <button
            type="button"
            class="button"
            disabled={firstPage}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Previous
          </button>
          <span class="muted">
            Page {cursors.length} of {Math.max(1, Math.ceil(count / 10))} · {plural(count, 'order')}
          </span>
          <button
            type="button"
            class="button"
            disabled={!page?.nextCursor}
            onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
