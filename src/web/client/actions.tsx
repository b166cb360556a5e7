import { useEffect, useRef, useState } from 'preact/hooks';
import type { ControlAction, SyncState } from '../../contract';
import { api, ApiProblem } from './api';
import type { RequestView } from './api';
import { CLOSED } from './format';
import { notify } from './notifications';
import { navigate, requestPath } from './router';
import { putRequests } from './store';

/**
 * A request's actions, only those its state allows (Pause, Resume, Cancel; Retry failed orders once ended); each
 * answer is the workflow's own (or its refusal), shown under the buttons.
 */
export function Actions({ request: r }: { request: RequestView }) {
  const { busy, error, run } = useRun();
  const [confirming, setConfirming] = useState(false);
  const retryKey = useRef(crypto.randomUUID());
  const control = (action: ControlAction) => run(action, () => controlRequest(r, action));
  return (
    <div class="actions-bar">
      <ActionButtons
        request={r}
        busy={busy}
        onControl={(action) => void control(action)}
        onCancel={() => setConfirming(true)}
        onRetry={() => void run('retry', () => retryFailed(r, retryKey.current))}
      />
      {r.pausing && <p class="muted">A pause was accepted: it takes effect at the next page of orders.</p>}
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

/** One action at a time: which one is running, and the last one's refusal. */
function useRun() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
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
  return { busy, error, run };
}

async function controlRequest(r: RequestView, action: ControlAction): Promise<void> {
  const answer = await api.control(r.id, action).catch(async (err: unknown) => {
    // Refused (already paused, not paused): what the page showed was behind; show the request as it is now, so
    // a paused request has its Resume button.
    if (err instanceof ApiProblem && err.status === 409) putRequests([await api.request(r.id)]);
    throw err;
  });
  // The stream brings the state the workflow records; until then, what it accepted.
  if (action === 'pause')
    putRequests([{ ...r, pausing: answer.pending, state: answer.pending ? r.state : 'paused' }]);
}

/** Starts the retry of the failed orders, and says so with a link to it. */
async function retryFailed(r: RequestView, idempotencyKey: string): Promise<void> {
  const accepted = await api.retryFailed(r.id, idempotencyKey);
  // The original has its one retry now: its row says so, and Retry goes (the retry offers its own).
  putRequests([{ ...r, retriedBy: r.retriedBy ?? { id: accepted.id, state: accepted.state, fixed: 0 } }]);
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
}

const PAUSABLE: ReadonlySet<SyncState> = new Set(['queued', 'running', 'waiting_for_quota']);

function ActionButtons(props: {
  request: RequestView;
  busy: string | null;
  onControl: (action: ControlAction) => void;
  onCancel: () => void;
  onRetry: () => void;
}) {
  const { request: r, busy } = props;
  const closed = CLOSED.has(r.state);
  const button = (key: string, tone: string, label: string, onClick: () => void) => (
    <button type="button" class={`button${tone}`} key={key} disabled={!!busy} onClick={onClick}>
      {label}
    </button>
  );
  const buttons = [];
  if (!closed && !r.pausing && PAUSABLE.has(r.state))
    buttons.push(
      button('pause', '', busy === 'pause' ? 'Pausing…' : 'Pause', () => props.onControl('pause')),
    );
  if (r.state === 'paused')
    buttons.push(
      button('resume', ' primary', busy === 'resume' ? 'Resuming…' : 'Resume', () =>
        props.onControl('resume'),
      ),
    );
  if (!closed) buttons.push(button('cancel', ' danger', 'Cancel request', props.onCancel));
  // A request has one retry: once started, its own detail offers Retry for what it could not push.
  if (closed && r.counts.failed > 0 && !r.retriedBy)
    buttons.push(
      button('retry', ' primary', busy === 'retry' ? 'Retrying…' : 'Retry failed orders', props.onRetry),
    );
  if (!buttons.length) return null;
  return (
    <div class="actions" role="group" aria-label="Actions">
      {buttons}
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
