import { useEffect, useState } from 'preact/hooks';

/**
 * The page's views, one URL each (all served by the API as the same page): the history log at /manual-sync, a
 * request's detail at /manual-sync/requests/:id, the settings at /manual-sync/settings and the reconciliation at
 * /manual-sync/reconciliation (its scope in the query: a request's, or a date range's). Links move between them
 * without a reload; Back and Forward work.
 */
export const BASE = '/manual-sync';

export type Route =
  | { view: 'history' }
  | { view: 'settings' }
  | { view: 'reconciliation'; requestId: string | null }
  | { view: 'request'; id: string };

export function routeOf(pathname: string, search = ''): Route {
  if (/^\/manual-sync\/settings\/?$/.test(pathname)) return { view: 'settings' };
  if (/^\/manual-sync\/reconciliation\/?$/.test(pathname)) {
    const requestId = new URLSearchParams(search).get('request');
    return {
      view: 'reconciliation',
      requestId: requestId && /^sr_[a-z0-9]+$/.test(requestId) ? requestId : null,
    };
  }
  const match = /^\/manual-sync\/requests\/(sr_[a-z0-9]+)\/?$/.exec(pathname);
  return match ? { view: 'request', id: match[1]! } : { view: 'history' };
}

/** The settings view, at one setting's section (its id is the setting's name: taxTypes, paymentAccounts, …). */
export function settingsPath(section?: string): string {
  return `${BASE}/settings${section ? `#${section}` : ''}`;
}

/** The reconciliation view: of one request, or (no id) of the date range its query names. */
export function reconciliationPath(requestId?: string): string {
  return `${BASE}/reconciliation${requestId ? `?request=${encodeURIComponent(requestId)}` : ''}`;
}

export function requestPath(id: string): string {
  return `${BASE}/requests/${id}`;
}

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path !== location.pathname + location.search + location.hash) history.pushState(null, '', path);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname, location.search));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname, location.search));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** A link within the page: a plain <a href> (so it opens in a new tab too) that moves without a reload. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  event.preventDefault();
  navigate(anchor.getAttribute('href') ?? BASE);
}
