import type { ComponentChildren } from 'preact';

/**
 * What the page's tables share. A table sits in a labelled region that scrolls on its own when wider than the
 * screen (focusable, so a keyboard can scroll it) and, on a phone, stacks each row's cells under their
 * `data-label`s (page.css, `.stacking`).
 */
export function TableRegion(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap stacking" role="region" aria-label={props.label} tabIndex={0}>
      <table>{props.children}</table>
    </div>
  );
}

/**
 * A list's pages: back and on (disabled where there is no page that way), with where the list is between them.
 * `words` name the buttons where Previous and Next would not say it (the history's Newer and Older).
 */
export function Pager(props: {
  label: string;
  onPrevious: (() => void) | null;
  onNext: (() => void) | null;
  words?: [string, string];
  children: ComponentChildren;
}) {
  const [previous, next] = props.words ?? ['Previous', 'Next'];
  return (
    <nav class="pager" aria-label={props.label}>
      <button
        type="button"
        class="button"
        disabled={!props.onPrevious}
        onClick={props.onPrevious ?? undefined}
      >
        {previous}
      </button>
      <span class="muted">{props.children}</span>
      <button type="button" class="button" disabled={!props.onNext} onClick={props.onNext ?? undefined}>
        {next}
      </button>
    </nav>
  );
}

/** A cursor-paged list's moves: the cursors of the pages walked so far (the last one shown) and the next one's. */
export function cursorMoves(
  cursors: Array<string | undefined>,
  nextCursor: string | null | undefined,
  onMove: (cursors: Array<string | undefined>) => void,
): { onPrevious: (() => void) | null; onNext: (() => void) | null } {
  return {
    onPrevious: cursors.length > 1 ? () => onMove(cursors.slice(0, -1)) : null,
    onNext: nextCursor ? () => onMove([...cursors, nextCursor]) : null,
  };
}
