import { dateLabel } from '../../calendar';

/** A local date (YYYY-MM-DD), shown as it is: it already is the business's day (its label, read in UTC). */
export function day(date: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(dateLabel(date));
}
