import { useEffect, useState } from 'preact/hooks';
import type {
  Channel,
  LocationsView,
  TrackingBy,
  TrackingCategoriesView,
  TrackingMapping,
} from '../../contract';
import { api, ApiProblem } from './api';
import { SelectField } from './fields';
import { CHANNELS } from './format';
import { useSave } from './settings-save';
import type { SectionProps } from './settings-save';
import { trackingWords } from './tracking-words';

/**
 * The tracking mapping on the Settings view: per mapped Xero tracking category, what picks the option (the order's
 * location or its channel) and, per location or channel, one of the category's active options. The choices come
 * from GET /api/xero/tracking-categories (the organisation's active categories, read from Xero at most once a
 * minute); the save goes through PATCH /api/business/mappings, which checks them against Xero afresh. A refusal is
 * shown beside the select it names, in the page's words.
 */
type Categories = TrackingCategoriesView['items'];
type Choice = { value: string; label: string };

const BY_CHOICES: Array<{ value: TrackingBy; label: string }> = [
  { value: 'location', label: 'The order’s location' },
  { value: 'channel', label: 'The order’s sales channel' },
];

const gone = (id: string) => `${id} (archived or removed in Xero)`;

/** The categories' choices, and the stored one even when Xero no longer offers it (so it is not silently lost). */
function categoryChoices(categories: Categories, stored: string): Choice[] {
  const choices = categories.map((c) => ({ value: c.id, label: c.name }));
  return choices.some((c) => c.value === stored)
    ? choices
    : [...choices, { value: stored, label: gone(stored) }];
}

function optionChoices(categories: Categories, categoryId: string, stored: string): Choice[] {
  const options = categories.find((c) => c.id === categoryId)?.options ?? [];
  const choices = [
    { value: '', label: 'No option' },
    ...options.map((o) => ({ value: o.id, label: o.name })),
  ];
  return choices.some((c) => c.value === stored)
    ? choices
    : [...choices, { value: stored, label: gone(stored) }];
}

/** What a mapping's keys are: the business's locations (and any stored one no longer listed), or the channels. */
function keysOf(m: TrackingMapping, locations: LocationsView['items']): Choice[] {
  if (m.by === 'channel')
    return (Object.keys(CHANNELS) as Channel[]).map((c) => ({ value: c, label: CHANNELS[c] }));
  const listed = locations.map((l) => ({ value: l.id, label: l.name }));
  const stored = Object.keys(m.options)
    .filter((k) => !locations.some((l) => l.id === k))
    .map((k) => ({ value: k, label: k }));
  return [...listed, ...stored];
}

/** The mapping as the API takes it: keys with no option left out. */
const toSave = (rows: TrackingMapping[]): TrackingMapping[] =>
  rows.map((m) => ({ ...m, options: Object.fromEntries(Object.entries(m.options).filter(([, v]) => v)) }));

function useChoices() {
  const [categories, setCategories] = useState<Categories | null>(null);
  const [locations, setLocations] = useState<LocationsView['items']>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    const failed = (err: unknown) =>
      setLoadError(err instanceof ApiProblem ? err.message : 'Something went wrong; reload the page.');
    api.trackingCategories().then((c) => setCategories(c.items), failed);
    api.locations().then((l) => setLocations(l.items), failed);
  }, []);
  return { categories, locations, loadError };
}

export function TrackingSection({ settings, onSaved }: SectionProps) {
  const { categories, locations, loadError } = useChoices();
  const [rows, setRows] = useState<TrackingMapping[]>(settings.tracking);
  // After a save, what the API answered is what is shown.
  const stored = JSON.stringify(settings.tracking);
  useEffect(() => setRows(settings.tracking), [stored]);
  const { saving, errors, formError, save } = useSave(onSaved, 'Tracking categories');
  const set = (i: number, change: Partial<TrackingMapping>) =>
    setRows(rows.map((m, j) => (j === i ? { ...m, ...change } : m)));
  const unused = categories?.find((c) => !rows.some((m) => m.categoryId === c.id)) ?? categories?.[0];
  return (
    <section class="settings-section" id="tracking" tabIndex={-1} aria-labelledby="tracking-title">
      <h3 id="tracking-title">Tracking categories</h3>
      <p class="hint">
        Every line sent to Xero carries the option its order’s location (or sales channel) maps to, so your
        profit and loss reads per store or per channel. Up to two categories; several locations may share an
        option.
      </p>
      {loadError && (
        <p class="form-error" role="alert">
          {loadError}
        </p>
      )}
      {!categories && !loadError && <p class="muted">Loading the tracking categories from Xero…</p>}
      {categories?.length === 0 && (
        <p class="muted">
          Your Xero organisation has no tracking categories. Add one in Xero (Accounting › Advanced › Tracking
          categories), then open this page again.
        </p>
      )}
      {categories &&
        rows.map((m, i) => (
          <MappingFields
            key={i}
            index={i}
            mapping={m}
            categories={categories}
            keys={keysOf(m, locations)}
            errors={errors}
            onChange={(change) => set(i, change)}
            onRemove={() => setRows(rows.filter((_, j) => j !== i))}
          />
        ))}
      {errors.tracking && <p class="field-error">{trackingWords(errors.tracking)}</p>}
      {categories && (
        <div class="actions">
          <button
            type="button"
            class="button"
            disabled={!unused || rows.length >= 2}
            onClick={() =>
              unused && setRows([...rows, { categoryId: unused.id, by: 'location', options: {} }])
            }
          >
            Add a tracking category
          </button>
          <button
            type="button"
            class="button primary"
            disabled={saving}
            onClick={() => void save({ tracking: toSave(rows) })}
          >
            {saving ? 'Checking with Xero…' : 'Save tracking categories'}
          </button>
        </div>
      )}
      {formError && (
        <p class="form-error" role="alert">
          {formError}
        </p>
      )}
    </section>
  );
}

function MappingFields(props: {
  index: number;
  mapping: TrackingMapping;
  categories: Categories;
  keys: Choice[];
  errors: Record<string, string>;
  onChange: (change: Partial<TrackingMapping>) => void;
  onRemove: () => void;
}) {
  const { index: i, mapping: m, categories } = props;
  const name = categories.find((c) => c.id === m.categoryId)?.name ?? 'the category';
  // Each refusal under the select it concerns, opening with that select's label.
  const error = (path: string, label: string) => {
    const message = props.errors[`tracking.${i}.${path}`];
    return message && `${label}: ${trackingWords(message)}`;
  };
  const optionLabel = (k: Choice) => `${name} option for ${k.label}`;
  return (
    <fieldset class="field tracking-mapping">
      <legend>Tracking category {i + 1}</legend>
      <div class="mapping-row">
        <SelectField
          id={`tracking-${i}-category`}
          label="Xero tracking category"
          value={m.categoryId}
          options={categoryChoices(categories, m.categoryId)}
          error={error('categoryId', 'Xero tracking category')}
          // Another category has other options: the chosen ones do not carry over.
          onChange={(categoryId) => props.onChange({ categoryId, options: {} })}
        />
        <SelectField
          id={`tracking-${i}-by`}
          label={`${name}: option chosen by`}
          value={m.by}
          options={BY_CHOICES}
          error={error('by', 'Option chosen by')}
          onChange={(by) => props.onChange({ by: by as TrackingBy, options: {} })}
        />
      </div>
      <ul class="mapping-rows">
        {props.keys.map((k, n) => (
          <li key={k.value} class="mapping-row">
            <SelectField
              id={`tracking-${i}-option-${n}`}
              label={optionLabel(k)}
              value={m.options[k.value] ?? ''}
              options={optionChoices(categories, m.categoryId, m.options[k.value] ?? '')}
              error={error(`options.${k.value}`, optionLabel(k))}
              onChange={(v) => props.onChange({ options: { ...m.options, [k.value]: v } })}
            />
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" class="button" onClick={props.onRemove}>
          Remove {name}
        </button>
      </div>
    </fieldset>
  );
}
