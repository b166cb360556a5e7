import type { RequestView } from './api';
import { CHANNELS, CLOSED, dateRange, duration, etaWords, percent, plural, stateWords } from './format';
import { ReconnectButton } from './connection';

/** Waiting for Xero's limit and Paused each have a colour of their own, apart from Running's (page.css). */
const OWN_TONES: Partial<Record<RequestView['state'], string>> = {
  waiting_for_quota: 'wait',
  paused: 'paused',
};

/**
 * A request's status bar: orders done of those its range holds, the percentage, the state in words and, while
 * it runs, the ETA. Used by the history log's rows and the request's detail alike.
 */
export function StatusBar({ request: r }: { request: RequestView }) {
  const pct = percent(r);
  const done = r.counts.found;
  const of = r.expected === null ? null : Math.max(r.expected, done);
  const label = `Progress of ${CHANNELS[r.channel]}, ${dateRange(r.startDate, r.endDate)}`;
  const tone =
    r.state === 'failed' || r.state === 'needs_reconnect'
      ? 'bad'
      : r.state === 'completed_with_errors'
        ? 'warn'
        : CLOSED.has(r.state)
          ? 'done'
          : (OWN_TONES[r.state] ?? 'busy');
  const eta =
    etaWords(r) ??
    (!CLOSED.has(r.state) && typeof r.etaSeconds === 'number' && r.etaSeconds > 0
      ? `${duration(r.etaSeconds)} left`
      : null);
  return (
    <div class={`status status-${tone}`}>
      <div
        class="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
        aria-valuetext={pct === null ? 'starting' : `${pct}%`}
      >
        <span class="bar-fill" style={{ width: `${pct ?? 0}%` }} />
      </div>
      <p class="status-line">
        <strong class="state">{stateWords(r)}</strong>
        <span class="sep" aria-hidden="true">
          {' · '}
        </span>
        <span class="count">
          {of === null
            ? `${plural(done, 'order')} done`
            : `${done.toLocaleString()} of ${plural(of, 'order')}`}
        </span>
        {pct !== null && (
          <>
            <span class="sep" aria-hidden="true">
              {' · '}
            </span>
            <span class="pct">{pct}%</span>
          </>
        )}
        {eta !== null && (
          <>
            <span class="sep" aria-hidden="true">
              {' · '}
            </span>
            <span class="eta">{eta}</span>
          </>
        )}
        {r.stale && <span class="muted"> (no progress reported for a while)</span>}
      </p>
      {r.state === 'needs_reconnect' && <ReconnectButton />}
    </div>
  );
}
