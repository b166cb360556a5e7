import type { ContactMapping, CreateSyncRequestBody, PostingMode, PreviewWarning } from '../contract';
import type { ManualSyncInput } from '../definitions';
import { localDateOf } from '../calendar';
import type { FieldProblem } from '../errors';
import type { BusinessSettings } from '../businesses/store';

/**
 * Which posting mode a request uses (issue 23), and why a daily summary cannot serve it. A summary is one invoice
 * per channel, location, local day, currency and contact, so it needs one contact for a whole day: POS in auto mode
 * (each location's walk-in contact) or a manual contact on any channel. Online and B2B orders in auto mode each
 * name their own customer. And a summary is never rewritten in place (an order imported later goes into an
 * adjustment summary), so `resyncPolicy: "update"` has nothing to update.
 */

type RequestBody = Pick<CreateSyncRequestBody, 'channel' | 'contactMapping' | 'options'>;

/** Why daily summaries cannot serve this request, each naming the field to change; [] when they can. */
export function summaryProblems(body: RequestBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!oneContactPerDay(body.channel, body.contactMapping))
    problems.push({
      path: 'options.posting',
      message: `a daily summary needs one contact for the whole day, but ${body.channel} orders with contactMapping "auto" each go to their own customer; post them "per-order", or give a manual contact (contactMapping {"mode":"manual","contactId":…}) to summarise them on it.`,
    });
  if (body.options.resyncPolicy === 'update')
    problems.push({
      path: 'options.resyncPolicy',
      message:
        'resyncPolicy "update" is refused in daily-summary mode: a posted summary is never rewritten (an order imported later goes into an adjustment summary); use "skip", or post "per-order" to update invoices.',
    });
  return problems;
}

function oneContactPerDay(channel: RequestBody['channel'], mapping: ContactMapping): boolean {
  return mapping.mode === 'manual' || channel === 'pos';
}

/**
 * The request's mode: the one it names, else the business's default where a summary can serve the request
 * (a default is not a demand: an online request with auto contacts posts per order whatever the default).
 */
export function postingOf(body: RequestBody, settings: Pick<BusinessSettings, 'posting'>): PostingMode {
  if (body.options.posting) return body.options.posting;
  if (settings.posting === 'daily-summary' && summaryProblems(body).length === 0) return 'daily-summary';
  return 'per-order';
}

/**
 * A daily-summary range that ends on today's local date: today is still open, so its orders imported after this
 * request go into an adjustment summary of today (never into the one posted now).
 */
export function openDayWarning(input: ManualSyncInput, now: Date): PreviewWarning[] {
  if (input.options.posting !== 'daily-summary') return [];
  const today = localDateOf(now.toISOString(), input.timeZone);
  if (input.endDate !== today) return [];
  return [
    {
      code: 'open_day',
      message: `The range ends today (${today}), which is still open: orders of today imported after this request go into an adjustment summary of today, with its own number. End the range yesterday to post only closed days.`,
      count: 1,
      examples: [today],
    },
  ];
}
