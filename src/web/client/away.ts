import { api, ApiProblem } from './api';
import type { RequestView } from './api';
import { CHANNELS, CLOSED, dateRange, stateWords } from './format';
import { notify } from './notifications';
import { onLinkClick, requestPath } from './router';
import { onPageChange, pageState, putRequests } from './store';

/**
 * The completion notice for a page that was closed (docs/manual-syncing-page.md, "Completion notices"). The page
 * keeps, in this browser's localStorage and per business, the ids of the requests it last saw running. On the next
 * visit it reads those requests again (at most MAX_CHECKED, one GET each) and says in one notification, announced
 * to screen readers, which of them ended while the page was closed. Ids, never anything else, are kept; no clock
 * is compared, so a wrong browser clock changes nothing.
 */
const MAX_CHECKED = 20;
const MAX_NAMED = 3;

const keyOf = (businessId: string) => `xero-manual-sync:running:${businessId}`;

function readIds(businessId: string): string[] {
  try {
    const ids: unknown = JSON.parse(localStorage.getItem(keyOf(businessId)) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return []; // Storage refused (a private window) or garbled: nothing to say.
  }
}

function writeIds(businessId: string, ids: Set<string>): void {
  try {
    localStorage.setItem(keyOf(businessId), JSON.stringify([...ids].slice(-MAX_CHECKED)));
  } catch {
    // Storage refused: the notice is a convenience, the page works without it.
  }
}

/** Starts keeping the running requests' ids, then says which of those last seen running have ended since. */
export function followRunningRequests(businessId: string): void {
  const previous = readIds(businessId).slice(-MAX_CHECKED);
  const running = new Set(previous);
  onPageChange(() => {
    for (const r of pageState().requests.values()) {
      if (CLOSED.has(r.state)) running.delete(r.id);
      else running.add(r.id);
    }
    writeIds(businessId, running);
  });
  void announceEndedWhileAway(previous, (id) => {
    running.delete(id);
    writeIds(businessId, running);
  });
}

async function announceEndedWhileAway(previous: string[], gone: (id: string) => void): Promise<void> {
  const read = await Promise.all(
    previous.map((id) =>
      api.request(id).then(
        (r: RequestView) => r,
        (err: unknown) => {
          // No longer there (or never this business's): forget it. Anything else may pass: try next time.
          if (err instanceof ApiProblem && err.status === 404) gone(id);
          return null;
        },
      ),
    ),
  );
  const found = read.filter((r): r is RequestView => r !== null);
  const ended = found.filter((r) => CLOSED.has(r.state));
  putRequests(found);
  if (ended.length > 0) notify(...endedNotice(ended));
}

/** One notice for every request that ended while away: the first few named, each with its outcome. */
export function endedNotice(ended: RequestView[]): Parameters<typeof notify> {
  const named = ended
    .slice(0, MAX_NAMED)
    .map((r) => `${CHANNELS[r.channel]} ${dateRange(r.startDate, r.endDate)}: ${stateWords(r)}`);
  const more = ended.length > MAX_NAMED ? `; and ${ended.length - MAX_NAMED} more` : '';
  const first = ended[0]!;
  const text =
    ended.length === 1
      ? `While this page was closed, a sync request ended. ${named[0]}.`
      : `While this page was closed, ${ended.length} sync requests ended. ${named.join('; ')}${more}.`;
  return [
    text,
    {
      href: requestPath(first.id),
      label: ended.length === 1 ? 'Open it' : 'Open the first',
      onClick: onLinkClick,
    },
  ];
}
