import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactSummary } from '../../contract';
import { api, ApiProblem } from './api';

/**
 * The manual contact: a combobox over the organisation's Xero contacts (GET /api/xero/contacts, which caches
 * and goes through the rate limiter). Type two letters or more; arrow keys move through the matches, Enter picks.
 */
interface PickerProps {
  id: string;
  value: ContactSummary | null;
  onPick: (contact: ContactSummary | null) => void;
  error?: string;
}

export function ContactPicker(props: PickerProps) {
  const [text, setText] = useState(props.value?.name ?? '');
  const search = useContactSearch(text, props.value);
  const pick = (c: ContactSummary) => {
    props.onPick(c);
    setText(c.name);
    search.setOpen(false);
    search.setStatus(`Picked ${c.name}.`);
  };
  const listId = `${props.id}-list`;
  const errorId = `${props.id}-error`;
  const statusId = `${props.id}-status`;
  const { matches, active, open } = search;
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
        onKeyDown={(e) => onListKey(e, search, pick)}
      />
      <ContactOptions listId={listId} search={search} onPick={pick} />
      <p id={statusId} class="hint" aria-live="polite">
        {search.status}
      </p>
      {props.error && (
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The contacts matching the text, searched once it has rested for 250 ms; and what the search says. */
function useContactSearch(text: string, picked: ContactSummary | null) {
  const [matches, setMatches] = useState<ContactSummary[] | null>(null);
  const [status, setStatus] = useState<string>('');
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const searched = useRef('');
  useEffect(() => {
    const term = text.trim();
    if (picked && term === picked.name) return;
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
          setStatus(found(items.length));
        })
        .catch((err: unknown) => {
          if (searched.current === term)
            setStatus(err instanceof ApiProblem ? err.message : 'The search failed; try again.');
        });
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);
  return { matches, status, setStatus, active, setActive, open, setOpen };
}
type Search = ReturnType<typeof useContactSearch>;

function found(count: number): string {
  return count ? `${count} contact${count === 1 ? '' : 's'} found.` : 'No Xero contact matches.';
}

/** Arrow keys move through the matches (round), Enter picks the active one, Escape closes the list. */
function onListKey(e: KeyboardEvent, search: Search, pick: (c: ContactSummary) => void): void {
  const { matches, active, open } = search;
  if (!matches?.length) return;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    search.setOpen(true);
    const step = e.key === 'ArrowDown' ? 1 : -1;
    search.setActive((active + step + matches.length) % matches.length);
  } else if (e.key === 'Enter' && open && active >= 0) {
    e.preventDefault();
    pick(matches[active]!);
  } else if (e.key === 'Escape' && open) {
    e.preventDefault();
    e.stopPropagation();
    search.setOpen(false);
  }
}

/** The list of matches: the active one marked; a press picks (before the input loses focus). */
function ContactOptions(props: { listId: string; search: Search; onPick: (c: ContactSummary) => void }) {
  const { listId, search } = props;
  return (
    <ul
      id={listId}
      role="listbox"
      aria-label="Matching Xero contacts"
      class="options"
      hidden={!search.open || !search.matches?.length}
    >
      {(search.matches ?? []).map((c, i) => (
        <li
          id={`${listId}-${i}`}
          key={c.contactId}
          role="option"
          aria-selected={i === search.active}
          class={i === search.active ? 'active' : ''}
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(c);
          }}
        >
          {c.name}
          {c.email && <span class="muted"> · {c.email}</span>}
        </li>
      ))}
    </ul>
  );
}
