import { useEffect, useRef, useState } from 'preact/hooks';
import type { LeftInPlace, UndoPreview, UndoProgress, UndoState } from '../../contract';
import { api, ApiProblem } from './api';
import type { RequestView } from './api';
import { CLOSED, clock, money, plural } from './format';
import { onLinkClick, requestPath } from './router';
import { putRequests } from './store';
import { TableRegion } from './tables';

/**
 * Undo a request (issue 27, docs/undo.md): on a finished request's detail, "Undo this request" opens a dialog
 * with the preview (what it takes back by kind, its Xero calls, what it leaves in place and why) and an explicit
 * confirm; then the undo's progress (its state in words, take-backs done of total, Cancel), and at the end the
 * list of what it left in place, with why. The undo's state is read from GET …/undo, every two seconds while it
 * runs (the page's stream carries the request, not its undo's pages of take-backs).
 */
const UNDO_OPEN: ReadonlySet<UndoState> = new Set(['queued', 'running', 'waiting_for_quota']);
const POLL_MS = 2000;

export function UndoSection({ request: r }: { request: RequestView }) {
  const [progress, setProgress] = useState<UndoProgress | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useUndoProgress(r, progress, setProgress);
  if (!CLOSED.has(r.state) && !r.undo) return null;
  const open = progress ? UNDO_OPEN.has(progress.state) : r.undo ? UNDO_OPEN.has(r.undo.state) : false;
  const started = (p: UndoProgress) => {
    setPreviewing(false);
    setProgress(p);
    putRequests([{ ...r, undo: summaryOf(p) }]);
  };
  return (
    <section class="undo orders" id="undo" aria-labelledby="undo-title">
      <h3 id="undo-title">Undo</h3>
      {progress ? (
        <UndoProgressView progress={progress} onChange={setProgress} />
      ) : (
        <p class="muted">
          Takes back in Xero what this request created: payments deleted, allocations and refunds removed,
          credit notes and invoices voided (or deleted when drafts). Its orders can then be synced again.
        </p>
      )}
      {!open && CLOSED.has(r.state) && (
        <div class="actions">
          <button type="button" class="button danger" onClick={() => (setError(null), setPreviewing(true))}>
            {progress?.state === 'cancelled' ? 'Undo the rest' : 'Undo this request'}
          </button>
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {previewing && <UndoDialog request={r} onClose={() => setPreviewing(false)} onStarted={started} />}
    </section>
  );
}

/** The undo's state, read once the request has one, and again every two seconds while it runs. */
function useUndoProgress(
  r: RequestView,
  progress: UndoProgress | null,
  setProgress: (p: UndoProgress) => void,
): void {
  const has = !!r.undo || !!progress;
  const running = progress ? UNDO_OPEN.has(progress.state) : r.undo ? UNDO_OPEN.has(r.undo.state) : false;
  useEffect(() => {
    if (!has) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      api.undo(r.id).then(
        (p) => {
          if (!current) return;
          setProgress(p);
          putRequests([{ ...r, undo: summaryOf(p) }]);
          if (UNDO_OPEN.has(p.state)) timer = setTimeout(read, POLL_MS);
        },
        () => current && (timer = setTimeout(read, POLL_MS * 2)),
      );
    void read();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [r.id, has, running]);
}

function summaryOf(p: UndoProgress): NonNullable<RequestView['undo']> {
  return {
    undoId: p.undoId,
    state: p.state,
    done: p.done,
    total: p.total,
    leftInPlace: p.leftInPlace.length,
    startedAt: p.startedAt,
    closedAt: p.closedAt,
  };
}

/** The undo's state in words, as the detail and the history log say it. */
export function undoStateWords(
  state: UndoState,
  p?: Pick<UndoProgress, 'resumeAt' | 'lastError' | 'cancelling'>,
): string {
  if (p?.cancelling && UNDO_OPEN.has(state)) return 'Cancelling…';
  switch (state) {
    case 'queued':
      return 'Queued';
    case 'running':
      return 'Taking back in Xero';
    case 'waiting_for_quota':
      return p?.resumeAt
        ? `Waiting for Xero's daily limit, resumes at ${clock(p.resumeAt)}`
        : "Waiting for Xero's daily limit";
    case 'cancelled':
      return 'Cancelled (what was taken back stays taken back)';
    case 'completed':
      return 'Completed';
    case 'failed':
      return p?.lastError ? `Failed: ${p.lastError}` : 'Failed';
  }
}

const PROGRESS_KINDS: Array<[keyof UndoProgress['progress'], string]> = [
  ['payments', 'Payments deleted'],
  ['refunds', 'Refunds deleted'],
  ['allocations', 'Allocations removed'],
  ['creditNotes', 'Credit notes voided or deleted'],
  ['invoices', 'Invoices voided or deleted'],
];

function UndoProgressView(props: { progress: UndoProgress; onChange: (p: UndoProgress) => void }) {
  const p = props.progress;
  const [error, setError] = useState<string | null>(null);
  const open = UNDO_OPEN.has(p.state);
  const pct = p.total === 0 ? 100 : Math.floor((p.done * 100) / p.total);
  const cancel = () =>
    api.cancelUndo(p.requestId).then(
      (accepted) => props.onChange({ ...p, cancelling: accepted.pending, state: accepted.state }),
      (err: unknown) =>
        setError(err instanceof ApiProblem ? err.message : 'Something went wrong; try again.'),
    );
  return (
    <div
      class={`status undo-status ${open ? 'status-busy' : p.state === 'completed' ? 'status-done' : 'status-warn'}`}
    >
      <div
        class="bar"
        role="progressbar"
        aria-label="Progress of the undo"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${p.done} of ${p.total} taken back`}
      >
        <span class="bar-fill" style={{ width: `${pct}%` }} />
      </div>
      <p class="status-line" aria-live="polite">
        <span class="state undo-state">{undoStateWords(p.state, p)}</span> ·{' '}
        <span class="undo-done">
          {p.done.toLocaleString()} of {p.total.toLocaleString()} taken back
        </span>{' '}
        <span class="muted">({plural(p.xeroCalls, 'Xero call')})</span>
      </p>
      <dl class="facts counts">
        {PROGRESS_KINDS.filter(([k]) => p.progress[k].total > 0).map(([k, words]) => (
          <div key={k}>
            <dt>{words}</dt>
            <dd>
              {p.progress[k].done} of {p.progress[k].total}
            </dd>
          </div>
        ))}
      </dl>
      {open && !p.cancelling && (
        <div class="actions">
          <button type="button" class="button" onClick={() => void cancel()}>
            Cancel undo
          </button>
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!open && <LeftInPlaceList items={p.leftInPlace} title="Left in place" />}
    </div>
  );
}

const KIND_WORDS: Record<LeftInPlace['kind'], string> = {
  contact: 'Contact',
  payment: 'Payment',
  refund: 'Refund',
  allocation: 'Allocation',
  credit_note: 'Credit note',
  invoice: 'Invoice',
};

const REASON_WORDS: Record<LeftInPlace['reason'], string> = {
  contact_created: 'A contact the request created: contacts are never deleted',
  payment_reconciled: 'Reconciled to a bank statement line in Xero',
  locked_period: 'In a locked period',
  changed_in_xero: 'Changed in Xero since the sync',
  refused_by_xero: 'Xero refused it',
};

function LeftInPlaceList({ items, title }: { items: LeftInPlace[]; title: string }) {
  if (items.length === 0) return <p class="muted">Nothing is left in place.</p>;
  return (
    <TableRegion label={title}>
      <caption class="left-caption">
        {title} ({items.length})
      </caption>
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">Order</th>
          <th scope="col" class="num">
            Amount
          </th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {items.map((l) => (
          <tr key={`${l.kind} ${l.xeroId}`}>
            <td data-label="What">
              {KIND_WORDS[l.kind]} {l.number ?? ''}
            </td>
            <td data-label="Order">{l.orderNumber ?? '—'}</td>
            <td data-label="Amount" class="num">
              {money(l.amount, null)}
            </td>
            <td data-label="Why">
              {REASON_WORDS[l.reason]}
              <span class="muted block">{l.detail}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

const COUNT_WORDS: Array<[keyof UndoPreview['takeBack'], string]> = [
  ['payments', 'Payments to delete'],
  ['refunds', 'Refunds to delete'],
  ['allocations', 'Credit-note allocations to remove'],
  ['creditNotesToVoid', 'Credit notes to void'],
  ['creditNotesToDelete', 'Draft credit notes to delete'],
  ['invoicesToVoid', 'Invoices to void'],
  ['invoicesToDelete', 'Draft invoices to delete'],
];

/** The preview, then an explicit confirm: nothing is written in Xero before it. */
function UndoDialog(props: {
  request: RequestView;
  onClose: () => void;
  onStarted: (p: UndoProgress) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [preview, setPreview] = useState<UndoPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => dialog.current?.showModal(), []);
  useEffect(() => {
    api
      .undoPreview(props.request.id)
      .then(setPreview, (err: unknown) =>
        setError(err instanceof ApiProblem ? err.message : 'Something went wrong; try again.'),
      );
  }, [props.request.id]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onStarted(await api.startUndo(props.request.id));
    } catch (err) {
      setError(err instanceof ApiProblem ? err.message : 'Something went wrong; try again.');
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="undo-dialog-title" onClose={props.onClose}>
      <h2 id="undo-dialog-title">Undo this sync request?</h2>
      {!preview && !error && <p class="muted">Reading what it would take back…</p>}
      {preview && <PreviewBody preview={preview} />}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="button" onClick={() => dialog.current?.close()}>
          Keep everything in Xero
        </button>
        <button
          type="button"
          class="button danger"
          disabled={!preview?.canStart || busy}
          onClick={() => void confirm()}
        >
          {busy ? 'Starting…' : 'Undo in Xero'}
        </button>
      </div>
    </dialog>
  );
}

function PreviewBody({ preview: p }: { preview: UndoPreview }) {
  const counts = COUNT_WORDS.filter(([k]) => p.takeBack[k] > 0);
  return (
    <div class="undo-preview" role="region" aria-label="Undo preview">
      <p>
        It takes back the Xero documents of {plural(p.orders, 'order')}, in about{' '}
        {plural(p.calls.total, 'Xero call')} ({p.calls.reads} to read, {p.calls.writes} to write) of your
        daily limit. Those orders can then be synced again.
      </p>
      {counts.length > 0 ? (
        <dl class="facts counts">
          {counts.map(([k, words]) => (
            <div key={k}>
              <dt>{words}</dt>
              <dd>{p.takeBack[k].toLocaleString()}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p>Nothing in Xero to take back.</p>
      )}
      <LeftInPlaceList items={p.leftInPlace} title="Left in place" />
      <p class="muted">
        Payments reconciled to a bank statement line and documents changed in Xero since the sync are only
        known once the undo reads Xero: they are left in place too, and listed at the end.
      </p>
      {p.refusal && (
        <p class="form-error" role="alert">
          It cannot start now: {p.refusal.detail}
        </p>
      )}
    </div>
  );
}

/** A request's undo as the history log's row shows it: its state and counts, linked to the request's detail. */
export function UndoFact({ request: r }: { request: RequestView }) {
  if (!r.undo) return null;
  const u = r.undo;
  const left = u.leftInPlace > 0 ? `, ${u.leftInPlace.toLocaleString()} left in place` : '';
  return (
    <div>
      <dt>Undo</dt>
      <dd>
        <a href={`${requestPath(r.id)}#undo`} onClick={onLinkClick}>
          {undoStateWords(u.state)}: {u.done.toLocaleString()} of {u.total.toLocaleString()} taken back{left}
        </a>
      </dd>
    </div>
  );
}
