import { useEffect, useRef, useState } from 'preact/hooks';
import type { Channel, ContactMapping, ContactSummary, PostingMode, PreviewResult } from '../../contract';
import { api, ApiProblem } from './api';
import type { SubmitBody } from './api';
import { addDays, localDate } from './format';
import { fieldWords } from './field-words';
import type { DialogField } from './field-words';

/**
 * The Add Sync Request dialog's state: what the merchant has chosen (and the body it makes), the API's problems
 * placed next to their fields, the preview of the current body, and its submit.
 */
export type Field = DialogField;

const FIELD_OF_PATH: Array<[RegExp, Field]> = [
  [/^body\.channel/, 'channel'],
  [/^body\.locationId/, 'locationId'],
  [/^body\.startDate/, 'startDate'],
  [/^body\.endDate/, 'endDate'],
  [/^body\.contactMapping/, 'contact'],
  [/^body\.options\.posting/, 'posting'],
];

function placeProblems(err: unknown): { fields: Partial<Record<Field, string>>; form: string | null } {
  if (!(err instanceof ApiProblem)) return { fields: {}, form: 'Something went wrong; try again.' };
  const fields: Partial<Record<Field, string>> = {};
  const rest: string[] = [];
  for (const e of err.errors) {
    const field = FIELD_OF_PATH.find(([pattern]) => pattern.test(e.path))?.[1];
    const words = field ? fieldWords(field, e.message) : e.message;
    if (field) fields[field] = fields[field] ? `${fields[field]} ${words}` : words;
    else rest.push(e.message);
  }
  const form = rest.length ? rest.join('; ') : err.errors.length ? null : err.message;
  return { fields, form };
}

/** The API's problems: each field's message, and the form's own. */
export function useProblems() {
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const show = (err: unknown) => {
    const placed = placeProblems(err);
    setErrors(placed.fields);
    setFormError(placed.form);
  };
  const clear = () => {
    setErrors({});
    setFormError(null);
  };
  return { errors, formError, show, clear, setErrors, setFormError };
}
export type Problems = ReturnType<typeof useProblems>;

/** The merchant's choices, last week's POS orders by default; the body is null until a manual contact is picked. */
export function useChoices() {
  const today = localDate();
  const [channel, setChannel] = useState<Channel>('pos');
  const [locationId, setLocationId] = useState('all');
  const [startDate, setStartDate] = useState(addDays(today, -7));
  const [endDate, setEndDate] = useState(addDays(today, -1));
  const [mode, setMode] = useState<ContactMapping['mode']>('auto');
  const [contact, setContact] = useState<ContactSummary | null>(null);
  // null: the business's default posting mode (the preview says which one applies).
  const [posting, setPosting] = useState<PostingMode | null>(null);
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
          ...(posting ? { options: { posting } } : {}),
        };
  const bodyKey = body ? JSON.stringify(body) : '';
  const choices = { today, channel, locationId, startDate, endDate, mode, contact, posting, body, bodyKey };
  const set = { setChannel, setLocationId, setStartDate, setEndDate, setMode, setContact, setPosting };
  return { ...choices, ...set };
}
export type Choices = ReturnType<typeof useChoices>;

/** The preview of the current body, asked for once the choices rest for 300 ms; null while none is fresh. */
export function usePreview({ body, bodyKey }: Choices, problems: Problems) {
  const [preview, setPreview] = useState<{ key: string; result: PreviewResult | null }>({
    key: '',
    result: null,
  });
  useEffect(() => {
    problems.clear();
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
          problems.show(err);
          setPreview({ key: bodyKey, result: null });
        },
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [bodyKey]);
  const fresh = preview.key === bodyKey ? preview.result : null;
  return { fresh, previewing: !!body && preview.key !== bodyKey };
}

/** Submits the body, with one Idempotency-Key per body: a double click or a retry cannot start a second one. */
export function useSubmit(
  { body, bodyKey }: Choices,
  problems: Problems,
  onSubmitted: (id: string, replayed: boolean) => void,
) {
  const keys = useRef(new Map<string, string>());
  const [submitting, setSubmitting] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (submitting) return;
    if (!body)
      return problems.setErrors({ contact: 'Pick the Xero contact every order of this request goes to.' });
    const key = keys.current.get(bodyKey) ?? crypto.randomUUID();
    keys.current.set(bodyKey, key);
    setSubmitting(true);
    problems.setFormError(null);
    try {
      const accepted = await api.submit(body, key);
      onSubmitted(accepted.id, accepted.replayed);
    } catch (err) {
      problems.show(err);
      setSubmitting(false);
    }
  };
  return { submitting, submit };
}
