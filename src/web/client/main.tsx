import { render } from 'preact';
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api, ApiProblem, whenSessionEnds } from './api';
import type { RequestView } from './api';
import type { PageEvents } from '../../contract';
import { followRunningRequests } from './away';
import { ConnectionBanner } from './connection';
import { RequestDetailView } from './detail';
import { CHANNELS, dateRange, setTimeZone, stateWords } from './format';
import { HistoryView } from './history';
import { ReconciliationView } from './reconciliation';
import { notify, Notifications } from './notifications';
import { SettingsView } from './settings';
import { useRoute } from './router';
import type { Route } from './router';
import {
  putRequests,
  setBusiness,
  setConnection,
  setLocations,
  setStream,
  streamReady,
  usePageState,
  whenRequestEnds,
} from './store';

/**
 * The Manual Syncing page. One EventSource per page (/manual-sync/events) carries every change of the business's
 * requests and connection; the views render from the shared state it keeps current.
 */
function connectStream(): void {
  const events = new EventSource('/manual-sync/events');
  // Each event's data is as the contract's PageEvents says (src/api/page sends it with the same types).
  const on = <E extends keyof PageEvents>(name: E, handle: (data: PageEvents[E]) => void) =>
    events.addEventListener(name, (e) =>
      handle(JSON.parse((e as MessageEvent<string>).data) as PageEvents[E]),
    );
  events.addEventListener('ready', streamReady);
  on('request', (request) => putRequests([request], true));
  on('connection', setConnection);
  events.addEventListener('expired', () => {
    events.close();
    setStream('ended');
  });
  events.onerror = () => {
    // The browser reconnects by itself; a refused reconnect (401: the session ended) closes the stream.
    if (events.readyState === EventSource.CLOSED) setStream('ended');
    else setStream('connecting');
  };
}

/** Back from Xero's consent (Reconnect): the callback sent the browser here with how it went. */
function reconnectOutcome(): void {
  const params = new URLSearchParams(location.search);
  const outcome = params.get('xero');
  if (!outcome) return;
  if (outcome === 'connected') notify('Reconnected to Xero. Requests that were waiting for it carry on.');
  else
    notify(
      `Xero did not connect (${params.get('code') ?? 'no reason given'}). Try Reconnect again; if it keeps failing, ask your platform.`,
    );
  for (const name of ['xero', 'code', 'resumed']) params.delete(name);
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}

/** A request the page shows has ended: said once, for screen readers too (the notifications' live region). */
function announceEnd(r: RequestView): void {
  notify(`${CHANNELS[r.channel]} sync request ${dateRange(r.startDate, r.endDate)}: ${stateWords(r)}.`);
}

/** The business, its locations and the stream: read once, when the page opens. */
function loadPage(): void {
  whenSessionEnds(() => setStream('ended'));
  whenRequestEnds(announceEnd);
  reconnectOutcome();
  api.business().then(
    (business) => {
      setTimeZone(business.timeZone);
      setBusiness(business);
      followRunningRequests(business.id);
    },
    (err: unknown) => {
      if (!(err instanceof ApiProblem && err.status === 401)) setStream('connecting');
    },
  );
  api.locations().then(
    ({ items }) => setLocations(items),
    () => undefined,
  );
  connectStream();
}

/** Another view: the keyboard and screen readers start again at the page's heading. */
function useFocusOnNewView(route: Route, heading: RefObject<HTMLHeadingElement | null>): void {
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) return void (firstView.current = false);
    heading.current?.focus();
    window.scrollTo(0, 0);
  }, [viewKey(route)]);
}

/** Which view is shown: a request's detail and a reconciliation are each one view per request. */
function viewKey(route: Route): string {
  if (route.view === 'request') return route.id;
  if (route.view === 'reconciliation') return `reconciliation:${route.requestId ?? ''}`;
  return route.view;
}

function App() {
  const page = usePageState();
  const route = useRoute();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(loadPage, []);
  useFocusOnNewView(route, heading);
  if (page.stream === 'ended') return <SessionEnded />;
  return (
    <>
      <header class="top">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            Manual Syncing
          </h1>
          <p class="muted">
            {page.business ? `${page.business.name} · times in ${page.business.timeZone}` : 'Loading…'}
          </p>
        </div>
        <ConnectionBanner />
      </header>
      <main class="page">
        <Notifications />
        {page.stream === 'connecting' && <p class="live-note muted">Connecting for live updates…</p>}
        {!page.business ? (
          <p class="empty">Loading…</p>
        ) : route.view === 'request' ? (
          <RequestDetailView id={route.id} />
        ) : route.view === 'settings' ? (
          <SettingsView />
        ) : route.view === 'reconciliation' ? (
          <ReconciliationView key={viewKey(route)} requestId={route.requestId} />
        ) : (
          <HistoryView />
        )}
      </main>
    </>
  );
}

function SessionEnded() {
  return (
    <main class="page message-page">
      <h1>Your session has ended</h1>
      <p>For your security, this page’s session lasts a limited time.</p>
      <p class="muted">
        Open Manual Syncing again from your platform’s Xero settings: each link works once, for a few minutes.
      </p>
    </main>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
