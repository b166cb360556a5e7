import type { HistoryFilter } from './api';
import { CHANNELS, STATE_NAMES } from './format';

/**
 * The history log's filters as the form holds them ('' for any) and as the address keeps them, so a reload or a
 * shared link shows the same requests: /manual-sync?state=completed&channel=pos&search=POS-1001. A location is ''
 * (any location), 'all' (requests for every location) or one location's id.
 */
export type Filter = {
  [K in 'state' | 'channel' | 'locationId' | 'date' | 'search']-?: NonNullable<HistoryFilter[K]> | '';
};

export const NO_FILTER: Filter = { state: '', channel: '', locationId: '', date: '', search: '' };

const KEYS = Object.keys(NO_FILTER) as Array<keyof Filter>;

/** The filters an address names; a value the form could not have chosen is left out. */
export function filterFromUrl(search: string): Filter {
  const params = new URLSearchParams(search);
  const text = (key: keyof Filter) => (params.get(key) ?? '').slice(0, 100);
  const state = text('state');
  const channel = text('channel');
  const date = text('date');
  return {
    state: Object.hasOwn(STATE_NAMES, state) ? (state as Filter['state']) : '',
    channel: Object.hasOwn(CHANNELS, channel) ? (channel as Filter['channel']) : '',
    locationId: text('locationId'),
    date: /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : '',
    search: text('search').trim(),
  };
}

/** The address for these filters (the path and hash kept; other parameters kept too). */
export function urlWithFilter(filter: Filter, at: Pick<Location, 'pathname' | 'search' | 'hash'>): string {
  const params = new URLSearchParams(at.search);
  for (const key of KEYS) {
    if (filter[key]) params.set(key, filter[key]);
    else params.delete(key);
  }
  const query = params.toString();
  return `${at.pathname}${query ? `?${query}` : ''}${at.hash}`;
}

export function isFiltered(filter: Filter): boolean {
  return KEYS.some((key) => filter[key] !== '');
}
