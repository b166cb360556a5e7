import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiProblem } from './api';
import type { ContactSummary } from '../../contract';

/**
 * The manual contact: a combobox over the organisation's Xero contacts (GET /api/xero/contacts, which caches
 * and goes through the rate limiter). Type two letters or more; arrow keys move through the matches, Enter picks.
 */
export function ContactPicker(props: {
  id: string;
  value: ContactSummary | null;
  onPick: (contact: ContactSummary | null) => void;
  error?: string;
}) {
  const [text, setText] = useState(props.value?.name ?? '');
  const [matches, setMatches] = useState<ContactSummary[] | null>(null);
  const [status, setStatus] = useState<string>('');
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const searched = useRef('');
  const listId = `${props.id}-list`;

  useEffect(() => {
    const term = text.trim();
    if (props.value && term === props.value.name) return;
    if (term.length < 2) {
      setMatches(null);
      setStatus(term ? 'Type at least 2 letters of the contact’s name.' : '');
      return;
    }
    const timer = setTimeout(() => {
      searched.current = term;
      setStatus('Searching Xero contacts…');
      api
        .contacts(term)
        .then(({ items }) => {
          if (searched.current !== term) return;
          setMatches(items);
          setActive(items.length ? 0 : -1);
          setOpen(true);
          setStatus(
            items.length
              ? `${items.length} contact${items.length === 1 ? '' : 's'} found.`
              : 'No Xero contact matches.',
          );
        })
        .catch((err: unknown) => {
          if (searched.current === term)
            setStatus(err instanceof ApiProblem ? err.message : 'The search failed; try again.');
        });
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);

  const pick = (c: ContactSummary) => {
    props.onPick(c);
    setText(c.name);
    setOpen(false);
    setStatus(`Picked ${c.name}.`);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!matches?.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((active + step + matches.length) % matches.length);
    } else if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      pick(matches[active]!);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };
  const errorId = `${props.id}-error`;
  const statusId = `${props.id}-status`;
  return (
    <div class="field combobox">
      <label for={props.id}>Xero contact</label>
      <input
        id={props.id}
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={open && !!matches?.length}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={[statusId, props.error ? errorId : ''].filter(Boolean).join(' ')}
        placeholder="Search by name, e.g. Walk-in"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (props.value) props.onPick(null);
        }}
        onKeyDown={onKeyDown}
      />
      <ul
        id={listId}
        role="listbox"
        aria-label="Matching Xero contacts"
        class="options"
        hidden={!open || !matches?.length}
      >
        {(matches ?? []).map((c, i) => (
          <li
            id={`${listId}-${i}`}
            key={c.contactId}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(c);
            }}
          >
            {c.name}
            {c.email && <span class="muted"> · {c.email}</span>}
          </li>
        ))}
      </ul>
      <p id={statusId} class="hint" aria-live="polite">
        {status}
      </p>
      {props.error && (
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
