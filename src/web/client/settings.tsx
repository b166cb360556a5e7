import { useEffect, useState } from 'preact/hooks';
import type { MerchantSettings } from '../../contract';
import { api, ApiProblem } from './api';
import { BASE, onLinkClick } from './router';
import { useSave } from './settings-save';
import type { SectionProps } from './settings-save';
import { TrackingSection } from './tracking-settings';

/**
 * The business's settings a merchant can fix on this page: the tax mapping, the payment methods and the daily
 * reserve (GET and PATCH /api/business/mappings). Each section is saved on its own, and the API checks every code
 * against the organisation in Xero before anything is stored; its messages are shown beside the row they name.
 * Issue 23's default posting mode (with how its summaries group lines) follows the reserve, and the tracking
 * mapping comes last (tracking-settings.tsx).
 */
export function SettingsView() {
  const [settings, setSettings] = useState<MerchantSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .mappings()
      .then(setSettings, (err: unknown) =>
        setError(err instanceof ApiProblem ? err.message : 'Something went wrong.'),
      );
  }, []);
  useEffect(() => {
    // A link to one setting (#taxTypes) lands on its section.
    if (settings && location.hash) document.getElementById(location.hash.slice(1))?.focus();
  }, [!!settings]);
  return (
    <section class="settings" aria-labelledby="settings-title">
      <p>
        <a href={BASE} onClick={onLinkClick}>
          ← All sync requests
        </a>
      </p>
      <h2 id="settings-title">Settings</h2>
      {error && <p role="alert">{error}</p>}
      {!settings && !error && <p class="muted">Loading the settings…</p>}
      {settings && (
        <>
          <TaxMappingSection settings={settings} onSaved={setSettings} />
          <PaymentMethodsSection settings={settings} onSaved={setSettings} />
          <ReserveSection settings={settings} onSaved={setSettings} />
          <PostingSection settings={settings} onSaved={setSettings} />
          <TrackingSection settings={settings} onSaved={setSettings} />
        </>
      )}
    </section>
  );
}

type Row = { key: string; values: string[] };

const rowsOf = <V,>(record: Record<string, V>, values: (v: V) => string[]): Row[] =>
  Object.entries(record).map(([key, v]) => ({ key, values: values(v) }));

function TaxMappingSection({ settings, onSaved }: SectionProps) {
  const [rows, setRows] = useState(() => rowsOf(settings.taxTypes, (m) => [m.taxType, m.rate]));
  const { saving, errors, formError, save } = useSave(onSaved, 'Tax mapping');
  const taxTypes = () =>
    Object.fromEntries(rows.map((r) => [r.key, { taxType: r.values[0] ?? '', rate: r.values[1] ?? '' }]));
  return (
    <MappingSection
      id="taxTypes"
      title="Tax mapping"
      hint="Each tax code your orders use, and the Xero tax rate it becomes (its Xero tax type and its rate in percent)."
      keyLabel="Order tax code"
      columns={['Xero tax type', 'Rate (%)']}
      fields={['taxType', 'rate']}
      rows={rows}
      onRows={setRows}
      errors={errors}
      formError={formError}
      saving={saving}
      onSave={() => void save({ taxTypes: taxTypes() })}
    />
  );
}

function PaymentMethodsSection({ settings, onSaved }: SectionProps) {
  const [rows, setRows] = useState(() => rowsOf(settings.paymentAccounts, (code) => [code]));
  const { saving, errors, formError, save } = useSave(onSaved, 'Payment methods');
  return (
    <MappingSection
      id="paymentAccounts"
      title="Payment methods"
      hint="Each payment method of your orders, and the Xero bank account its payments go to (its account code)."
      keyLabel="Payment method"
      columns={['Xero account code']}
      fields={['']}
      rows={rows}
      onRows={setRows}
      errors={errors}
      formError={formError}
      saving={saving}
      onSave={() =>
        void save({ paymentAccounts: Object.fromEntries(rows.map((r) => [r.key, r.values[0] ?? ''])) })
      }
    />
  );
}

/** A mapping as rows of inputs: each row's key and its values, a row added or removed, then Save. */
function MappingSection(props: {
  id: string;
  title: string;
  hint: string;
  keyLabel: string;
  columns: string[];
  fields: string[];
  rows: Row[];
  onRows: (rows: Row[]) => void;
  errors: Record<string, string>;
  formError: string | null;
  saving: boolean;
  onSave: () => void;
}) {
  const { rows, onRows } = props;
  const set = (i: number, change: Partial<Row>) =>
    onRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  // A value's message is at mapping.key.field (or mapping.key for a one-value mapping); the key's own at mapping.key.
  const errorOf = (row: Row, field: string) =>
    props.errors[[props.id, row.key, field].filter(Boolean).join('.')];
  const keyError = (row: Row) => (props.fields[0] ? props.errors[`${props.id}.${row.key}`] : undefined);
  return (
    <section class="settings-section" id={props.id} tabIndex={-1} aria-labelledby={`${props.id}-title`}>
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      <p class="hint">{props.hint}</p>
      <ul class="mapping-rows">
        {rows.map((row, i) => (
          <li key={i} class="mapping-row">
            <TextInput
              id={`${props.id}-${i}-key`}
              label={props.keyLabel}
              value={row.key}
              error={keyError(row)}
              onInput={(key) => set(i, { key })}
            />
            {props.columns.map((label, c) => (
              <TextInput
                key={label}
                id={`${props.id}-${i}-${c}`}
                label={`${label} for ${row.key || 'the new row'}`}
                value={row.values[c] ?? ''}
                error={errorOf(row, props.fields[c] ?? '')}
                onInput={(v) => set(i, { values: row.values.map((old, k) => (k === c ? v : old)) })}
              />
            ))}
            <button type="button" class="button" onClick={() => onRows(rows.filter((_, j) => j !== i))}>
              Remove {row.key || 'row'}
            </button>
          </li>
        ))}
      </ul>
      <div class="actions">
        <button
          type="button"
          class="button"
          onClick={() => onRows([...rows, { key: '', values: props.columns.map(() => '') }])}
        >
          Add a row
        </button>
        <button type="button" class="button primary" disabled={props.saving} onClick={props.onSave}>
          {props.saving ? 'Checking with Xero…' : `Save ${props.title.toLowerCase()}`}
        </button>
      </div>
      {props.formError && (
        <p class="form-error" role="alert">
          {props.formError}
        </p>
      )}
    </section>
  );
}

function ReserveSection({ settings, onSaved }: SectionProps) {
  const [value, setValue] = useState(String(settings.dailyQuotaReserve));
  const { saving, errors, formError, save } = useSave(onSaved, 'Daily reserve');
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  return (
    <section class="settings-section" id="dailyQuotaReserve" tabIndex={-1} aria-labelledby="reserve-title">
      <h3 id="reserve-title">Daily reserve</h3>
      <p class="hint">
        Xero calls of each day’s quota that syncing leaves for your platform’s everyday work (0 to 4,999).
      </p>
      <TextInput
        id="reserve-value"
        label="Calls kept back each day"
        value={value}
        inputMode="numeric"
        error={
          errors.dailyQuotaReserve ??
          (Number.isNaN(parsed) ? 'Enter a whole number from 0 to 4,999.' : undefined)
        }
        onInput={setValue}
      />
      <div class="actions">
        <button
          type="button"
          class="button primary"
          disabled={saving || Number.isNaN(parsed)}
          onClick={() => void save({ dailyQuotaReserve: parsed })}
        >
          {saving ? 'Saving…' : 'Save daily reserve'}
        </button>
      </div>
      {formError && (
        <p class="form-error" role="alert">
          {formError}
        </p>
      )}
    </section>
  );
}

type Choice<V extends string> = { value: V; label: string; gives: string };

const POSTING_MODES: Choice<MerchantSettings['posting']>[] = [
  { value: 'per-order', label: 'Per order', gives: 'Each order becomes its own invoice in Xero.' },
  {
    value: 'daily-summary',
    label: 'Daily summary',
    gives:
      'Each day’s orders become one invoice, for requests a summary can serve (point-of-sale orders with automatic contacts, or a chosen contact); others still post per order.',
  },
];
const SUMMARY_LINES: Choice<MerchantSettings['summaryLines']>[] = [
  {
    value: 'account',
    label: 'Per account',
    gives: 'A summary has one line per sales account, tax rate and tracking option.',
  },
  { value: 'product', label: 'Per product', gives: 'A summary also has one line per product within those.' },
];

/** The mode a request uses when it names none, and how a daily summary groups its lines; saved together. */
function PostingSection({ settings, onSaved }: SectionProps) {
  const [posting, setPosting] = useState(settings.posting);
  const [summaryLines, setSummaryLines] = useState(settings.summaryLines);
  const { saving, errors, formError, save } = useSave(onSaved, 'Default posting mode');
  return (
    <section class="settings-section" id="posting" tabIndex={-1} aria-labelledby="posting-title">
      <h3 id="posting-title">Default posting mode</h3>
      <p class="hint">
        What a sync request uses when it does not choose; a request can still choose its own.
      </p>
      <RadioGroup
        name="posting"
        legend="Posting"
        choices={POSTING_MODES}
        value={posting}
        error={errors.posting}
        onChange={setPosting}
      />
      <RadioGroup
        name="summaryLines"
        legend="Summary lines"
        choices={SUMMARY_LINES}
        value={summaryLines}
        error={errors.summaryLines}
        onChange={setSummaryLines}
      />
      <div class="actions">
        <button
          type="button"
          class="button primary"
          disabled={saving}
          onClick={() => void save({ posting, summaryLines })}
        >
          {saving ? 'Saving…' : 'Save default posting mode'}
        </button>
      </div>
      {formError && (
        <p class="form-error" role="alert">
          {formError}
        </p>
      )}
    </section>
  );
}

/** One choice of a few, each with the sentence saying what it gives; the API's message below the group. */
function RadioGroup<V extends string>(props: {
  name: string;
  legend: string;
  choices: Choice<V>[];
  value: V;
  error?: string;
  onChange: (value: V) => void;
}) {
  const errorId = `settings-${props.name}-error`;
  return (
    <fieldset class="field" aria-describedby={props.error ? errorId : undefined}>
      <legend>{props.legend}</legend>
      {props.choices.map((c) => (
        <label class="choice" key={c.value}>
          <input
            type="radio"
            name={`settings-${props.name}`}
            value={c.value}
            checked={props.value === c.value}
            aria-describedby={`settings-${props.name}-${c.value}`}
            onChange={() => props.onChange(c.value)}
          />
          <span>
            {c.label}
            <span id={`settings-${props.name}-${c.value}`} class="hint block">
              {c.gives}
            </span>
          </span>
        </label>
      ))}
      {props.error && (
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

function TextInput(props: {
  id: string;
  label: string;
  value: string;
  error?: string;
  inputMode?: 'numeric';
  onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="text"
        value={props.value}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
