import type { RequestView } from './api';
import { plural } from './format';
import { onLinkClick, requestPath } from './router';

/**
 * What a request's counts alone do not say, under its status bar: the orders already in Xero (apart from those
 * it synced), and what its retry fixed. A finished workflow cannot change, so the original keeps its state
 * ("Completed with 6 errors"); this line says the retry fixed them.
 */
export function OutcomeNote({ request: r }: { request: RequestView }) {
  const retry = r.retriedBy;
  if (!retry && r.alreadyInXero === 0) return null;
  return (
    <p class="outcome">
      {r.alreadyInXero > 0 && <span class="already">{r.alreadyInXero.toLocaleString()} already in Xero</span>}
      {r.alreadyInXero > 0 && retry && (
        <span class="sep" aria-hidden="true">
          {' · '}
        </span>
      )}
      {retry && (
        <span class="retried">
          {retryWords(r.counts.failed, retry.fixed)}{' '}
          <a href={requestPath(retry.id)} onClick={onLinkClick}>
            {retry.id}
          </a>
        </span>
      )}
    </p>
  );
}

function retryWords(failed: number, fixed: number): string {
  if (fixed >= failed) return `${plural(failed, 'error')}, fixed by retry`;
  if (fixed === 0) return `${plural(failed, 'error')}, being retried by`;
  return `${plural(failed, 'error')}, ${fixed.toLocaleString()} fixed by retry`;
}
