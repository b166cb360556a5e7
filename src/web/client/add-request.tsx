import { useEffect, useRef } from 'preact/hooks';
import type { Channel, PostingMode, PreviewResult } from '../../contract';
import { useChoices, usePreview, useProblems, useSubmit } from './add-request-state';
import type { Choices, Problems } from './add-request-state';
import { ContactPicker } from './contact-picker';
import { DateField, SelectField } from './fields';
import { CHANNELS, plural } from './format';
import { PreviewSection } from './preview';
import { usePageState } from './store';

/**
 * The Add Sync Request dialog: channel, location (those of the channel, or all), dates (the business's local
 * days, none in the future), contact mapping; a preview of what the request would do, then Submit. The API
 * checks everything; each of its messages is shown next to the field it names.
 */
export function AddSyncRequest(props: {
  onClose: () => void;
  onSubmitted: (id: string, replayed: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const choices = useChoices();
  const problems = useProblems();
  const { fresh, previewing } = usePreview(choices, problems);
  const { submitting, submit } = useSubmit(choices, problems, props.onSubmitted);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const nothing = fresh ? nothingToSend(fresh) : null;
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="add-title" onClose={props.onClose}>
      <form method="dialog" class="add-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="add-title">Add Sync Request</h2>
        <WhereFields choices={choices} problems={problems} />
        <DateFields choices={choices} problems={problems} />
        <ContactMappingField choices={choices} problems={problems} />
        <PostingField choices={choices} problems={problems} fresh={fresh} />
        <PreviewSection asked={!!choices.body} previewing={previewing} fresh={fresh} />
        {problems.formError && (
          <p class="form-error" role="alert">
            {problems.formError}
          </p>
        )}
        {nothing && (
          <p id="add-nothing" class="form-error">
            {nothing}
          </p>
        )}
        <div class="actions">
          <button type="button" class="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button
            type="submit"
            class="button primary"
            disabled={submitting || !fresh || !!nothing}
            aria-describedby={nothing ? 'add-nothing' : undefined}
          >
            {submitting ? 'Submitting…' : 'Submit Sync Request'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Why Submit is off when the preview finds nothing to write (the API would refuse it: 409 nothing_to_send). */
function nothingToSend({ orders }: PreviewResult): string | null {
  if (orders.toSync > 0) return null;
  if (orders.total === 0)
    return 'Nothing to send: no orders in this range. Pick other dates, channel or location.';
  return `Nothing to send: ${plural(orders.total, 'order')} in this range, ${orders.alreadySynced} already in Xero${orders.voided ? `, ${orders.voided} voided` : ''}.`;
}

interface FieldsProps {
  choices: Choices;
  problems: Problems;
}

/** The sales channel, and a location of it (or all): choosing another channel goes back to all locations. */
function WhereFields({ choices: c, problems: { errors } }: FieldsProps) {
  const { locations } = usePageState();
  const channelLocations = locations.filter((l) => l.channels.includes(c.channel));
  return (
    <>
      <SelectField
        id="add-channel"
        label="Sales Channel"
        value={c.channel}
        error={errors.channel}
        onChange={(v) => {
          c.setChannel(v as Channel);
          c.setLocationId('all');
        }}
        options={Object.entries(CHANNELS).map(([value, label]) => ({ value, label }))}
      />
      <SelectField
        id="add-location"
        label="Location"
        value={c.locationId}
        error={errors.locationId}
        onChange={c.setLocationId}
        options={[
          { value: 'all', label: 'All locations' },
          ...channelLocations.map((l) => ({ value: l.id, label: l.name })),
        ]}
      />
    </>
  );
}

/** The first and last local days: one field each, same shape, none after today. */
const DAYS = [
  { id: 'add-start', label: 'Start Date', field: 'startDate', set: 'setStartDate' },
  { id: 'add-end', label: 'End Date', field: 'endDate', set: 'setEndDate' },
] as const;

function DateFields({ choices: c, problems: { errors } }: FieldsProps) {
  return (
    <div class="two">
      {DAYS.map((d) => (
        <DateField
          key={d.id}
          id={d.id}
          label={d.label}
          value={c[d.field]}
          max={c.today}
          error={errors[d.field]}
          onChange={c[d.set]}
        />
      ))}
    </div>
  );
}

/** Auto-match by name, or one Xero contact picked for every order. */
function ContactMappingField({ choices: c, problems: { errors } }: FieldsProps) {
  return (
    <fieldset class="field">
      <legend>Contact Mapping</legend>
      <label class="choice">
        <input type="radio" name="mapping" checked={c.mode === 'auto'} onChange={() => c.setMode('auto')} />
        Auto-match by name
      </label>
      <label class="choice">
        <input
          type="radio"
          name="mapping"
          checked={c.mode === 'manual'}
          onChange={() => c.setMode('manual')}
        />
        Manual Select Xero Contact
      </label>
      <p class="hint">
        {c.mode === 'manual'
          ? 'Every order of this request goes to the one contact you pick.'
          : c.channel === 'pos'
            ? 'Each POS order goes to a contact named after its location. Missing contacts are created.'
            : `Each ${CHANNELS[c.channel]} order goes to a contact named after its customer. Missing contacts are created.`}
      </p>
      {c.mode === 'manual' && (
        <ContactPicker id="add-contact" value={c.contact} onPick={c.setContact} error={errors.contact} />
      )}
    </fieldset>
  );
}

const POSTING: Array<{ mode: PostingMode; label: string; gives: string }> = [
  {
    mode: 'per-order',
    label: 'One invoice per order',
    gives: 'Each order is its own Xero invoice, to its customer: what online and B2B sales need.',
  },
  {
    mode: 'daily-summary',
    label: 'Daily summary',
    gives:
      'One invoice per location and day, its lines summed by account and tax: far fewer invoices and calls for walk-in POS sales.',
  },
];

/**
 * Per order or daily summary (issue 23), one sentence on what each gives. Until the merchant picks one, the
 * business's default applies (the preview says which); a daily summary the API refuses for these choices (online
 * or B2B with auto-matched contacts) is disabled, with the API's reason.
 */
function PostingField({
  choices: c,
  problems: { errors },
  fresh,
}: FieldsProps & { fresh: PreviewResult | null }) {
  const current = c.posting ?? fresh?.posting.mode ?? 'per-order';
  const refusal = fresh?.posting.modes.find((m) => m.mode === 'daily-summary')?.refusal ?? null;
  return (
    <fieldset class="field" aria-describedby={errors.posting ? 'add-posting-error' : undefined}>
      <legend>Posting</legend>
      {POSTING.map((p) => {
        const refused = p.mode === 'daily-summary' && !!refusal && current !== 'daily-summary';
        return (
          <label class="choice" key={p.mode}>
            <input
              type="radio"
              name="posting"
              value={p.mode}
              checked={current === p.mode}
              disabled={refused}
              aria-describedby={`add-posting-${p.mode}`}
              onChange={() => c.setPosting(p.mode)}
            />
            <span>
              {p.label}
              <span id={`add-posting-${p.mode}`} class="hint block">
                {refused ? refusal : p.gives}
              </span>
            </span>
          </label>
        );
      })}
      {errors.posting && (
        <p id="add-posting-error" class="field-error">
          {errors.posting}
        </p>
      )}
    </fieldset>
  );
}
