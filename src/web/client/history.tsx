import { useEffect, useState } from 'preact/hooks';
import type { Channel, SyncState } from '../../contract';
import { api, ApiProblem } from './api';
import type { HistoryFilter, RequestView } from './api';
import { AddSyncRequest } from './add-request';
import { CHANNELS, contactMappingWords, dateRange, dateTime, STATE_NAMES } from './format';
import { notify } from './notifications';
import { onLinkClick, reconciliationPath, requestPath, settingsPath } from './router';
import { RetryOfFact } from './facts';
import { OutcomeNote } from './outcomes';
import { UndoFact } from './undo';
import { StatusBar } from './status';
import { filterFromUrl, isFiltered, NO_FILTER, urlWithFilter } from './filter-url';
import type { Filter } from './filter-url';
import { locationName, putRequests, usePageState } from './store';
import { cursorMoves, Pager } from './tables';

/** The history log: newest first, filtered, a page at a time; rows kept current by the page's stream. */
export function HistoryView() {
  const [filter, setFilterState] = useState<Filter>(() => filterFromUrl(location.search));
  // The filters live in the address too: a reload, Back or a shared link shows the same requests.
  const setFilter = (next: Filter) => {
    setFilterState(next);
    history.replaceState(null, '', urlWithFilter(next, location));
  };
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [adding, setAdding] = useState(false);
  const [reloads, setReloads] = useState(0);
  const listed = useHistoryPage(filter, cursors, reloads);
  const change = (patch: Partial<Filter>) => {
    setFilter({ ...filter, ...patch });
    setCursors([undefined]);
  };
  const submitted = (id: string, replayed: boolean) => {
    setAdding(false);
    setFilter(NO_FILTER);
    // Focus goes to the new row once the first page is read again (not lost to the page's body).
    history.replaceState(null, '', `${location.pathname}#request-${id}`);
    setCursors([undefined]);
    setReloads((n) => n + 1);
    notifySubmitted(id, replayed);
  };
  return (
    <section aria-labelledby="history-title">
      <div class="section-head">
        <h2 id="history-title">History log</h2>
        <a class="button" href={reconciliationPath()} onClick={onLinkClick}>
          Reconciliation
        </a>
        <a class="button" href={settingsPath()} onClick={onLinkClick}>
          Settings
        </a>
        <button type="button" class="button primary" onClick={() => setAdding(true)}>
          Add Sync Request
        </button>
      </div>
      <Filters filter={filter} onChange={change} />
      <HistoryRows
        ids={listed.ids}
        error={listed.error}
        filtered={isFiltered(filter)}
        onRetry={() => setReloads((n) => n + 1)}
      />
      <HistoryPager cursors={cursors} nextCursor={listed.nextCursor} onMove={setCursors} />
      {adding && <AddSyncRequest onClose={() => setAdding(false)} onSubmitted={submitted} />}
    </section>
  );
}

/**
 * The page of requests at the last cursor: their ids (the page's state holds the requests), the next cursor and
 * a refusal. A request the page has not listed yet (or a reconnected stream) reloads the first page.
 */
function useHistoryPage(filter: Filter, cursors: Array<string | undefined>, reloads: number) {
  const { arrivals } = usePageState();
  const [ids, setIds] = useState<string[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];
  const firstPage = cursors.length === 1;
  useEffect(() => {
    let current = true;
    setError(null);
    api
      .history(queryOf(filter, cursor))
      .then((result) => {
        if (!current) return;
        putRequests(result.items);
        setIds(result.items.map((r) => r.id));
        setNextCursor(result.nextCursor);
      })
      .catch((err: unknown) => {
        if (current) setError(err instanceof ApiProblem ? err.message : 'Something went wrong.');
      });
    return () => {
      current = false;
    };
  }, [filter, cursor, reloads, firstPage ? arrivals : 0]);
  useEffect(() => focusRowOfHash(), [ids]);
  return { ids, nextCursor, error };
}

/** The API's query for the form's filters: a filter left at "any" is not sent. */
function queryOf(filter: Filter, cursor: string | undefined): HistoryFilter {
  const { state, channel, locationId, date, search } = filter;
  return {
    state: state || undefined,
    channel: channel || undefined,
    locationId: locationId || undefined,
    date: date || undefined,
    search: search || undefined,
    cursor,
  };
}

/** "Sync request submitted", with a link that shows its row. */
function notifySubmitted(id: string, replayed: boolean): void {
  notify(replayed ? 'That sync request was already submitted.' : 'Sync request submitted.', {
    href: `#request-${id}`,
    label: 'Show it in the history log',
    onClick: (event) => {
      event.preventDefault();
      history.replaceState(null, '', `#request-${id}`);
      focusRowOfHash();
    },
  });
}

/** The page's rows; or why there are none (a refusal, with Try again; loading; nothing, or nothing matching). */
function HistoryRows(props: {
  ids: string[] | null;
  error: string | null;
  filtered: boolean;
  onRetry: () => void;
}) {
  const page = usePageState();
  if (props.error)
    return (
      <div class="empty" role="alert">
        <p>Could not load the sync requests: {props.error}</p>
        <button type="button" class="button" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    );
  if (props.ids === null) return <p class="empty">Loading sync requests…</p>;
  if (props.ids.length === 0)
    return (
      <p class="empty">
        {props.filtered
          ? 'No sync requests match these filters.'
          : 'No sync requests yet. Choose Add Sync Request to send past orders to Xero.'}
      </p>
    );
  return (
    <ol class="requests" aria-label="Sync requests, newest first">
      {props.ids.map((id) => {
        const r = page.requests.get(id);
        return r ? <RequestRow key={id} request={r} /> : null;
      })}
    </ol>
  );
}

/** Newer and Older: the cursors of the pages walked so far, the last one shown. */
function HistoryPager(props: {
  cursors: Array<string | undefined>;
  nextCursor: string | null;
  onMove: (cursors: Array<string | undefined>) => void;
}) {
  const { cursors } = props;
  return (
    <Pager
      label="History pages"
      words={['Newer', 'Older']}
      {...cursorMoves(cursors, props.nextCursor, props.onMove)}
    >
      Page {cursors.length}
    </Pager>
  );
}

/** The row named by the address's #request-sr_… (a notification's link): scrolled to and focused. */
function focusRowOfHash(): void {
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id.startsWith('request-')) return;
  const row = document.getElementById(id);
  if (!row) return;
  row.scrollIntoView({ block: 'center' });
  row.focus();
}

function Filters({ filter, onChange }: { filter: Filter; onChange: (patch: Partial<Filter>) => void }) {
  const { locations } = usePageState();
  const shown = filter.channel
    ? locations.filter((l) => l.channels.includes(filter.channel as Channel))
    : locations;
  return (
    <form class="filters" aria-label="Filter the history log" onSubmit={(e) => e.preventDefault()}>
      <FilterSelect
        label="State"
        value={filter.state}
        options={[['', 'Any state'], ...Object.entries(STATE_NAMES)]}
        onChange={(state) => onChange({ state: state as SyncState | '' })}
      />
      <FilterSelect
        label="Channel"
        value={filter.channel}
        options={[['', 'Any channel'], ...Object.entries(CHANNELS)]}
        onChange={(channel) => onChange({ channel: channel as Channel | '', locationId: '' })}
      />
      <FilterSelect
        label="Location"
        value={filter.locationId}
        options={[
          ['', 'Any location'],
          ['all', 'All locations'],
          ...shown.map((l) => [l.id, l.name] as const),
        ]}
        onChange={(locationId) => onChange({ locationId })}
      />
      <label>
        <span>Covers date</span>
        <input type="date" value={filter.date} onChange={(e) => onChange({ date: e.currentTarget.value })} />
      </label>
      <label>
        <span>Order or invoice number</span>
        <input
          type="search"
          value={filter.search}
          maxLength={100}
          onChange={(e) => onChange({ search: e.currentTarget.value.trim() })}
          onKeyDown={(e) => e.key === 'Enter' && onChange({ search: e.currentTarget.value.trim() })}
        />
      </label>
    </form>
  );
}

/** One filter of the history log: a labelled choice of values, each with its name. */
function FilterSelect(props: {
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map(([value, name]) => (
          <option value={value} key={value}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

function RequestRow({ request: r }: { request: RequestView }) {
  const title = `${CHANNELS[r.channel]} · ${locationName(r.locationId)}`;
  return (
    <li
      class="request"
      id={`request-${r.id}`}
      tabIndex={-1}
      aria-label={`${title}, ${dateRange(r.startDate, r.endDate)}`}
    >
      <div class="request-head">
        <h3>
          <a href={requestPath(r.id)} onClick={onLinkClick}>
            {title}
          </a>
        </h3>
        <span class="range">{dateRange(r.startDate, r.endDate)}</span>
      </div>
      <dl class="facts">
        <div>
          <dt>Contact mapping</dt>
          <dd>{contactMappingWords(r)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{dateTime(r.createdAt)}</dd>
        </div>
        <div>
          <dt>Closed</dt>
          <dd>{r.closedAt ? dateTime(r.closedAt) : '—'}</dd>
        </div>
        {r.retryOf && <RetryOfFact retryOf={r.retryOf} words="an earlier request" />}
        <UndoFact request={r} />
      </dl>
      <StatusBar request={r} />
      <OutcomeNote request={r} />
    </li>
  );
}
