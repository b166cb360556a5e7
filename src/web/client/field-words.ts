import { day } from './day';

/**
 * The API's field messages in the page's own words: the dialog's labels (End Date, not `endDate`) and dates as
 * the page shows them (5 Dec 2026, not 2026-12-05). The API's wording is for the platform's developers; the
 * merchant reads this. A message the page has no words of its own for keeps the API's, with labels and dates put
 * the page's way.
 */
export type DialogField = 'channel' | 'locationId' | 'startDate' | 'endDate' | 'contact' | 'posting';

const LABELS: Record<string, string> = {
  startDate: 'Start Date',
  endDate: 'End Date',
  locationId: 'Location',
  channel: 'Sales Channel',
  contactId: 'Xero contact',
  posting: 'Posting',
};

const ISO_DATE = /\b(\d{4}-\d{2}-\d{2})\b/g;

function pageWay(message: string): string {
  const text = message
    .replace(ISO_DATE, (d) => day(d))
    .replace(/\b(startDate|endDate|locationId|channel|contactId|posting)\b/g, (name) => LABELS[name] ?? name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function fieldWords(field: DialogField, message: string): string {
  const isDate = field === 'startDate' || field === 'endDate';
  if (isDate && /is in the future/.test(message)) {
    const today = /today there is (\d{4}-\d{2}-\d{2})/.exec(message)?.[1];
    return today ? `Pick ${day(today)} or an earlier day.` : 'Pick today or an earlier day.';
  }
  if (isDate && /real calendar date|YYYY-MM-DD|Required|expected string/i.test(message))
    return 'Enter a date: day, month and year.';
  if (field === 'endDate' && /is before startDate/.test(message))
    return 'The End Date is before the Start Date: pick a later End Date, or an earlier Start Date.';
  if (field === 'channel') return 'Pick a sales channel: POS, Online Store or B2B.';
  if (field === 'locationId')
    return 'Pick a location that has orders in this sales channel, or All locations.';
  return pageWay(message);
}
