import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/**
 * Notifications ("Sync request submitted", with a link to its row; "… completed"), announced by screen readers
 * through a polite live region that is always in the page. Each dismisses itself after NOTE_SECONDS.
 */
export interface Note {
  id: number;
  text: string;
  link?: { href: string; label: string; onClick?: (event: MouseEvent) => void };
}

let notes: Note[] = [];
let next = 1;
const listeners = new Set<() => void>();

/** How long a note stays: long enough to read and reach its link; never while the keyboard or pointer is on it. */
export const NOTE_SECONDS = 12;

export function notify(text: string, link?: Note['link']): void {
  const id = next++;
  notes = [...notes.slice(-2), { id, text, link }];
  for (const l of listeners) l();
  dismissLater(id);
}

function dismissLater(id: number): void {
  setTimeout(() => {
    const held = document.querySelector(`[data-note="${id}"]:hover, [data-note="${id}"]:focus-within`);
    if (held) return dismissLater(id);
    dismiss(id);
  }, NOTE_SECONDS * 1000);
}

function dismiss(id: number): void {
  notes = notes.filter((n) => n.id !== id);
  for (const l of listeners) l();
}

export function Notifications(): ComponentChildren {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return (
    <div class="notifications" role="status" aria-live="polite">
      {notes.map((n) => (
        <div class="note" key={n.id} data-note={n.id}>
          <span>{n.text}</span>
          {n.link && (
            <a href={n.link.href} onClick={n.link.onClick}>
              {n.link.label}
            </a>
          )}
          <button
            type="button"
            class="button small"
            aria-label={`Dismiss: ${n.text}`}
            onClick={() => dismiss(n.id)}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
