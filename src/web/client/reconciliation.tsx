import { useEffect, useState } from 'preact/hooks';
import type { Channel, Reconciliation, ReconciliationQuery } from '../../contract';
import { api, ApiProblem, q } from './api';
import type { CheckBody } from './api';
import { addDays, CHANNELS, dateRange, localDate } from './format';
import { fieldWords } from './field-words';
import { DateField } from './fields';
import { ReconciliationTable } from './reconciliation-table';
import { ReconciliationTotals } from './reconciliation-totals';
import { BASE, onLinkClick, reconciliationPath, requestPath } from './router';
import { locationName, putRequests, usePageState } from './store';
import { XeroCheck } from './xero-check';

/**
 * The reconciliation view (docs/reconciliation.md "On the page"): the orders of a request, or of a date range,
 * against what Xero holds for them as the ledger keeps it, one row per local day × location (× payment method),
 * with "Check against Xero" and the CSV. Reached from a request's detail (its scope) and from the history log.
 */
export function ReconciliationView({ requestId }: { requestId: string | null }) {
  return requestId ? <RequestReconciliation id={requestId} /> : <RangeReconciliation />;
}

/** A request's reconciliation: its channel, location and range; the check covers the same. */
function RequestReconciliation({ id }: { id: string }) {
  const r = usePageState().requests.get(id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.request(id).then(
      (detail) => putRequests([detail]),
      (err: unknown) => setError(problemWords(err)),
    );
  }, [id]);
  const report = useReport(() => api.requestReconciliation(id), id);
  const scope: Omit<CheckBody, 'dryRun'> | null = r
    ? {
        startDate: r.startDate,
        endDate: r.endDate,
        channel: r.channel,
        ...(r.locationId === 'all' ? {} : { locationId: r.locationId }),
      }
    : null;
  return (
    <section class="reconciliation" aria-labelledby="reconciliation-title">
      <p>
        <a href={requestPath(id)} onClick={onLinkClick}>
          ← Back to the sync request
        </a>
      </p>
      <h2 id="reconciliation-title">
        Reconciliation
        {r &&
          ` · ${CHANNELS[r.channel]} · ${locationName(r.locationId)}, ${dateRange(r.startDate, r.endDate)}`}
      </h2>
      {error && <p role="alert">{error}</p>}
      <p class="muted">
        This request’s orders against what Xero holds for them, as the product recorded what Xero answered.
        <a href={reconciliationPath()} onClick={onLinkClick}>
          {' '}
          Reconcile any date range
        </a>
      </p>
      {scope && <XeroCheck scope={scope} report={report.data} />}
      <ReportSection
        {...report}
        csv={`/api/sync-requests/${encodeURIComponent(id)}/reconciliation.csv`}
        nothing="This request’s range has no orders: nothing to reconcile."
      />
    </section>
  );
}

/** The scope as the form holds it: '' for any channel or location. */
type ScopeForm = { [K in keyof ReconciliationQuery]-?: string };

function scopeFromUrl(search: string): ScopeForm {
  const params = new URLSearchParams(search);
  const date = (key: string, fallback: string) => {
    const value = params.get(key) ?? '';
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : fallback;
  };
  const channel = params.get('channel') ?? '';
  const yesterday = addDays(localDate(), -1);
  return {
    startDate: date('startDate', addDays(yesterday, -6)),
    endDate: date('endDate', yesterday),
    channel: Object.hasOwn(CHANNELS, channel) ? channel : '',
    locationId: (params.get('locationId') ?? '').slice(0, 100),
  };
}

/** The scope the API takes: an empty choice left out. */
function queryOf(form: ScopeForm): ReconciliationQuery {
  return {
    startDate: form.startDate,
    endDate: form.endDate,
    ...(form.channel ? { channel: form.channel as Channel } : {}),
    ...(form.locationId ? { locationId: form.locationId } : {}),
  };
}

/** A date range's reconciliation: its scope in a form, and in the address (a reload shows the same). */
function RangeReconciliation() {
  const [form, setForm] = useState<ScopeForm>(() => scopeFromUrl(location.search));
  const [shown, setShown] = useState<ScopeForm>(form);
  const query = queryOf(shown);
  const report = useReport(() => api.reconciliation(query), q(query));
  const show = () => {
    setShown(form);
    history.replaceState(null, '', `${reconciliationPath()}${q(queryOf(form))}`);
  };
  return (
    <section class="reconciliation" aria-labelledby="reconciliation-title">
      <p>
        <a href={BASE} onClick={onLinkClick}>
          ← All sync requests
        </a>
      </p>
      <h2 id="reconciliation-title">Reconciliation</h2>
      <p class="muted">
        The orders of a date range against what Xero holds for them, as the product recorded what Xero
        answered.
      </p>
      <ScopeFields form={form} onChange={setForm} onShow={show} problem={report.problem} />
      {!report.problem && <XeroCheck scope={query} report={report.data} key={q(query)} />}
      <ReportSection
        {...report}
        csv={`/api/reconciliation.csv${q(query)}`}
        nothing={`No orders ${shown.startDate === shown.endDate ? 'on' : 'from'} ${dateRange(shown.startDate, shown.endDate)}${shown.channel ? ` in ${CHANNELS[shown.channel as Channel]}` : ''}${shown.locationId ? ` at ${locationName(shown.locationId)}` : ''}: nothing to reconcile.`}
      />
    </section>
  );
}

function ScopeFields(props: {
  form: ScopeForm;
  onChange: (form: ScopeForm) => void;
  onShow: () => void;
  problem: ApiProblem | null;
}) {
  const { locations } = usePageState();
  const { form } = props;
  const set = (patch: Partial<ScopeForm>) => props.onChange({ ...form, ...patch });
  const shown = form.channel
    ? locations.filter((l) => l.channels.includes(form.channel as Channel))
    : locations;
  const errorOf = (field: 'startDate' | 'endDate' | 'locationId' | 'channel') => {
    const found = props.problem?.errors.find((e) => e.path === `query.${field}`);
    return found ? fieldWords(field, found.message) : undefined;
  };
  const today = localDate();
  return (
    <form
      class="filters scope"
      aria-label="Which orders to reconcile"
      onSubmit={(e) => {
        e.preventDefault();
        props.onShow();
      }}
    >
      <DateField
        id="rec-start"
        label="Start Date"
        value={form.startDate}
        max={today}
        required
        error={errorOf('startDate')}
        onChange={(startDate) => set({ startDate })}
      />
      <DateField
        id="rec-end"
        label="End Date"
        value={form.endDate}
        max={today}
        required
        error={errorOf('endDate')}
        onChange={(endDate) => set({ endDate })}
      />
      <label>
        <span>Channel</span>
        <select
          value={form.channel}
          onChange={(e) => set({ channel: e.currentTarget.value, locationId: '' })}
        >
          <option value="">Any channel</option>
          {Object.entries(CHANNELS).map(([value, name]) => (
            <option value={value} key={value}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Location</span>
        <select value={form.locationId} onChange={(e) => set({ locationId: e.currentTarget.value })}>
          <option value="">Any location</option>
          {shown.map((l) => (
            <option value={l.id} key={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      </label>
      <div class="scope-submit">
        <button type="submit" class="button primary">
          Show
        </button>
      </div>
    </form>
  );
}

interface ReportState {
  data: Reconciliation | null;
  problem: ApiProblem | null;
  retry: () => void;
}

/** The report of a scope (read again when the scope's key changes, or on Try again). */
function useReport(read: () => Promise<Reconciliation>, key: string): ReportState {
  const [data, setData] = useState<Reconciliation | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [tries, setTries] = useState(0);
  useEffect(() => {
    let current = true;
    setData(null);
    setProblem(null);
    read().then(
      (report) => current && setData(report),
      (err: unknown) =>
        current &&
        setProblem(err instanceof ApiProblem ? err : new ApiProblem(0, 'Error', problemWords(err), [])),
    );
    return () => {
      current = false;
    };
  }, [key, tries]);
  return { data, problem, retry: () => setTries((n) => n + 1) };
}

function problemWords(err: unknown): string {
  return err instanceof ApiProblem ? err.message : 'Something went wrong; try again.';
}

function ReportSection(props: ReportState & { csv: string; nothing: string }) {
  const { data, problem } = props;
  if (problem)
    return (
      <div class="report-error">
        <p role="alert">
          Could not read the reconciliation:{' '}
          {problem.errors.length ? problem.errors.map((e) => e.message).join('; ') : problem.message}
        </p>
        <button type="button" class="button" onClick={props.retry}>
          Try again
        </button>
      </div>
    );
  if (!data) return <p class="muted">Loading the reconciliation…</p>;
  return (
    <>
      <p class="export">
        <a href={props.csv} download>
          Download CSV
        </a>{' '}
        <span class="muted">one line per row, with the orders behind each difference</span>
      </p>
      {data.rows.length === 0 ? (
        <p class="empty">{props.nothing}</p>
      ) : (
        <>
          <ReconciliationTotals report={data} />
          <ReconciliationTable report={data} />
        </>
      )}
    </>
  );
}
