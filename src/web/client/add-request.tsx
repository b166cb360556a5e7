import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiProblem } from './api';
import type { Channel, ContactMapping, ContactSummary, DailyLimit, PreviewResult } from '../../contract';
import type { SubmitBody } from './api';
import { ContactPicker } from './contact-picker';
import { addDays, CHANNELS, duration, localDate, plural } from './format';
import { usePageState } from './store';

/**
 * The Add Sync Request dialog: channel, location (those of the channel, or all), dates (the business's local
 * days, none in the future), contact mapping; a preview of what the request would do, then Submit. The API
 * checks everything; each of its messages is shown next to the field it names.
 */
type Field = 'channel' | 'locationId' | 'startDate' | 'endDate' | 'contact';

const FIELD_OF_PATH: Array<[RegExp, Field]> = [
  [/^body\.channel/, 'channel'],
  [/^body\.locationId/, 'locationId'],
  [/^body\.startDate/, 'startDate'],
  [/^body\.endDate/, 'endDate'],
  [/^body\.contactMapping/, 'contact'],
];

function placeProblems(err: unknown): { fields: Partial<Record<Field, string>>; form: string | null } {
  if (!(err instanceof ApiProblem)) return { fields: {}, form: 'Something went wrong; try again.' };
  const fields: Partial<Record<Field, string>> = {};
  const rest: string[] = [];
  for (const e of err.errors) {
    const field = FIELD_OF_PATH.find(([pattern]) => pattern.test(e.path))?.[1];
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${e.message}` : e.message;
    else rest.push(e.message);
  }
  const form = rest.length ? rest.join('; ') : err.errors.length ? null : err.message;
  return { fields, form };
}

function newKey(): string {
  return crypto.randomUUID();
}

export function AddSyncRequest(props: {
  onClose: () => void;
  onSubmitted: (id: string, replayed: boolean) => void;
}) {
  const { locations } = usePageState();
  const today = localDate();
  const dialog = useRef<HTMLDialogElement>(null);
  const [channel, setChannel] = useState<Channel>('pos');
  const [locationId, setLocationId] = useState('all');
  const [startDate, setStartDate] = useState(addDays(today, -7));
  const [endDate, setEndDate] = useState(addDays(today, -1));
  const [mode, setMode] = useState<ContactMapping['mode']>('auto');
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ key: string; result: PreviewResult | null }>({
    key: '',
    result: null,
  });
  const [submitting, setSubmitting] = useState(false);
  // One Idempotency-Key per body: a double click or a retry of the same request cannot start a second one.
  const keys = useRef(new Map<string, string>());

  const channelLocations = locations.filter((l) => l.channels.includes(channel));
  const body: SubmitBody | null =
    mode === 'manual' && !contact
      ? null
      : {
          channel,
          locationId,
          startDate,
          endDate,
          contactMapping:
            mode === 'auto' ? { mode: 'auto' } : { mode: 'manual', contactId: contact!.contactId },
        };
  const bodyKey = body ? JSON.stringify(body) : '';

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  useEffect(() => {
    setErrors({});
    setFormError(null);
    if (!body) {
      setPreview({ key: '', result: null });
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.preview(body).then(
        (result) => current && setPreview({ key: bodyKey, result }),
        (err: unknown) => {
          if (!current) return;
          const placed = placeProblems(err);
          setErrors(placed.fields);
          setFormError(placed.form);
          setPreview({ key: bodyKey, result: null });
        },
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [bodyKey]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (submitting) return;
    if (!body) {
      setErrors({ contact: 'Pick the Xero contact every order of this request goes to.' });
      return;
    }
    const key = keys.current.get(bodyKey) ?? newKey();
    keys.current.set(bodyKey, key);
    setSubmitting(true);
    setFormError(null);
    try {
      const accepted = await api.submit(body, key);
      props.onSubmitted(accepted.id, accepted.replayed);
    } catch (err) {
      const placed = placeProblems(err);
      setErrors(placed.fields);
      setFormError(placed.form);
      setSubmitting(false);
    }
  };

  const fresh = preview.key === bodyKey ? preview.result : null;
  const previewing = !!body && preview.key !== bodyKey;
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="add-title" onClose={props.onClose}>
      <form method="dialog" class="add-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="add-title">Add Sync Request</h2>
        <SelectField
          id="add-channel"
          label="Sales Channel"
          value={channel}
          error={errors.channel}
          onChange={(v) => {
            setChannel(v as Channel);
            setLocationId('all');
          }}
          options={Object.entries(CHANNELS).map(([value, label]) => ({ value, label }))}
        />
        <SelectField
          id="add-location"
          label="Location"
          value={locationId}
          error={errors.locationId}
          onChange={setLocationId}
          options={[
            { value: 'all', label: 'All locations' },
            ...channelLocations.map((l) => ({ value: l.id, label: l.name })),
          ]}
        />
        <div class="two">
          <DateField
            id="add-start"
            label="Start Date"
            value={startDate}
            max={today}
            error={errors.startDate}
            onChange={setStartDate}
          />
          <DateField
            id="add-end"
            label="End Date"
            value={endDate}
            max={today}
            error={errors.endDate}
            onChange={setEndDate}
          />
        </div>
        <fieldset class="field">
          <legend>Contact Mapping</legend>
          <label class="choice">
            <input type="radio" name="mapping" checked={mode === 'auto'} onChange={() => setMode('auto')} />
            Auto-match by name
          </label>
          <label class="choice">
            <input
              type="radio"
              name="mapping"
              checked={mode === 'manual'}
              onChange={() => setMode('manual')}
            />
            Manual Select Xero Contact
          </label>
          <p class="hint">
            {mode === 'auto'
              ? 'POS orders go to a contact named after their location; online and B2B orders to their customer. Missing contacts are created.'
              : 'Every order of this request goes to the one contact you pick.'}
          </p>
          {mode === 'manual' && (
            <ContactPicker id="add-contact" value={contact} onPick={setContact} error={errors.contact} />
          )}
        </fieldset>
        <section class="preview" aria-labelledby="preview-title" aria-live="polite">
          <h3 id="preview-title">Preview</h3>
          {!body ? (
            <p class="muted">Pick a Xero contact to see the preview.</p>
          ) : previewing ? (
            <p class="muted">Counting the orders…</p>
          ) : fresh ? (
            <PreviewSummary preview={fresh} />
          ) : (
            <p class="muted">Fix the fields marked above to see the preview.</p>
          )}
        </section>
        {formError && (
          <p class="form-error" role="alert">
            {formError}
          </p>
        )}
        <div class="actions">
          <button type="button" class="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={submitting || !fresh}>
            {submitting ? 'Submitting…' : 'Submit Sync Request'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function PreviewSummary({ preview: p }: { preview: PreviewResult }) {
  const { orders, estimate } = p;
  const days =
    estimate.quotaWindows <= 1
      ? 'fits in today’s Xero quota'
      : `needs ${estimate.quotaWindows} days of Xero’s daily quota (it waits and resumes by itself)`;
  return (
    <div class="preview-body">
      <p>
        <strong>{plural(orders.toSync, 'order')} to send</strong> of {plural(orders.total, 'order')} in the
        range
        {orders.voided > 0 && `, ${orders.voided} voided (skipped)`}
        {orders.alreadySynced > 0 && `, ${orders.alreadySynced} already in Xero`}.
      </p>
      <p>
        About {plural(estimate.calls.total, 'Xero call')}; {days}; {duration(estimate.etaSeconds)}.
        {estimate.sharedWith > 0 &&
          ` Shares Xero’s limits with ${plural(estimate.sharedWith, 'running request')}.`}{' '}
        {dailyLimitText(estimate.dailyLimit)}
      </p>
      {p.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {p.warnings.map((w) => (
            <li key={w.code}>{w.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const LIMIT_SOURCES: Record<DailyLimit['source'], string> = {
  setting: 'the business’s setting',
  'xero-headers': 'as Xero’s answers show',
  default: 'the default; Xero has not said yet',
};

/** The daily limit the estimate uses, and where it comes from. */
function dailyLimitText(limit: DailyLimit): string {
  return `Xero’s daily limit: ${plural(limit.calls, 'call')} (${LIMIT_SOURCES[limit.source]}).`;
}

function SelectField(props: {
  id: string;
  label: string;
  value: string;
  error?: string;
  onChange: (value: string) => void;
  options: Array<{ value: string; label: string }>;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

function DateField(props: {
  id: string;
  label: string;
  value: string;
  max: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="date"
        value={props.value}
        max={props.max}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      />
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
