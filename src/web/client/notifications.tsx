import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/**
 * Notifications ("Sync request submitted", with a link to its row), announced by screen readers through a
 * polite live region that is always in the page.
 */
export interface Note {
  id: number;
  text: string;
  link?: { href: string; label: string; onClick?: (event: MouseEvent) => void };
}

let notes: Note[] = [];
let next = 1;
const listeners = new Set<() => void>();

export function notify(text: string, link?: Note['link']): void {
  notes = [...notes.slice(-2), { id: next++, text, link }];
  for (const l of listeners) l();
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
        <div class="note" key={n.id}>
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
