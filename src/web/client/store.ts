import { useEffect, useState } from 'preact/hooks';
import type { BusinessView, LocationView, XeroConnectionView } from '../../contract';
import type { RequestView } from './api';
import { CLOSED } from './format';

/**
 * What the page knows, shared by its views: the business, its locations, its connection, and every request it
 * has seen, kept current by the page's one event stream (src/api/page: Server-Sent Events). Views re-render when
 * it changes; nothing polls.
 */
export interface PageState {
  business: BusinessView | null;
  locations: LocationView[];
  connection: XeroConnectionView | null;
  requests: Map<string, RequestView>;
  /** Bumped whenever a request the page has not listed yet appears (another tab, the API, a retry). */
  arrivals: number;
  /** The stream: connecting, live, or the session has ended. */
  stream: 'connecting' | 'live' | 'ended';
}

const state: PageState = {
  business: null,
  locations: [],
  connection: null,
  requests: new Map(),
  arrivals: 0,
  stream: 'connecting',
};
const listeners = new Set<() => void>();
let version = 0;

function changed(): void {
  version += 1;
  for (const l of listeners) l();
}

export function pageState(): PageState {
  return state;
}

/** Calls `listener` after every change of the page's state (outside the views). */
export function onPageChange(listener: () => void): void {
  listeners.add(listener);
}

/** Re-renders the calling component on every change of the page's state. */
export function usePageState(): PageState {
  const [, setVersion] = useState(version);
  useEffect(() => {
    const listener = () => setVersion(version);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return state;
}

export function setBusiness(business: BusinessView): void {
  state.business = business;
  state.connection = business.xero;
  changed();
}

export function setLocations(locations: LocationView[]): void {
  state.locations = locations;
  changed();
}

export function setConnection(connection: XeroConnectionView): void {
  state.connection = connection;
  changed();
}

export function setStream(stream: PageState['stream']): void {
  state.stream = stream;
  changed();
}

/**
 * Merges what an answer or an event says about requests. A closed request stays closed: an answer read before
 * it closed cannot take it back, whatever order the answer and the event arrive in.
 */
/** Called when the stream says a request the page was showing has ended (the page announces it). */
let onEnded: (request: RequestView) => void = () => undefined;
export function whenRequestEnds(handler: (request: RequestView) => void): void {
  onEnded = handler;
}

export function putRequests(requests: RequestView[], fromStream = false): void {
  for (const incoming of requests) {
    const known = state.requests.get(incoming.id);
    if (!known && fromStream) state.arrivals += 1;
    if (known && CLOSED.has(known.state) && !CLOSED.has(incoming.state)) continue;
    if (fromStream && known && !CLOSED.has(known.state) && CLOSED.has(incoming.state)) onEnded(incoming);
    state.requests.set(incoming.id, { ...known, ...incoming });
  }
  changed();
}

/** The stream (re)connected: what happened while it was away is read again. */
export function streamReady(): void {
  state.stream = 'live';
  state.arrivals += 1;
  changed();
}

export function locationName(id: string): string {
  if (id === 'all') return 'All locations';
  return state.locations.find((l) => l.id === id)?.name ?? id;
}
