import { useEffect, useState } from 'preact/hooks';

/**
 * Two views, two URLs (both served by the API as the same page): the history log at /manual-sync and a request's
 * detail at /manual-sync/requests/:id. Links move between them without a reload; Back and Forward work.
 */
export const BASE = '/manual-sync';

export type Route = { view: 'history' } | { view: 'settings' } | { view: 'request'; id: string };

export function routeOf(pathname: string): Route {
  if (/^\/manual-sync\/settings\/?$/.test(pathname)) return { view: 'settings' };
  const match = /^\/manual-sync\/requests\/(sr_[a-z0-9]+)\/?$/.exec(pathname);
  return match ? { view: 'request', id: match[1]! } : { view: 'history' };
}

/** The settings view, at one setting's section (its id is the setting's name: taxTypes, paymentAccounts, …). */
export function settingsPath(section?: string): string {
  return `${BASE}/settings${section ? `#${section}` : ''}`;
}

export function requestPath(id: string): string {
  return `${BASE}/requests/${id}`;
}

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path !== location.pathname + location.hash) history.pushState(null, '', path);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
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
