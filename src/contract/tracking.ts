import { z } from 'zod';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';

/**
 * Tracking: the business maps its locations and/or channels to options of Xero tracking categories, so that every
 * line of its invoices, credit notes (and summaries) carries the option and the profit and loss reads per store or
 * per channel. Each mapping names one category and, per location id or channel, an option, **by id**: a rename in
 * Xero does not break it. At most two categories (Xero's limit of active ones); a location may feed both (Store
 * and Region, say). The settings API and the Manual Syncing page share these schemas; what needs Xero to check
 * is in src/businesses/tracking.ts.
 */

const XERO_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const xeroId = (what: string) => z.string().regex(XERO_ID, `must be the ${what}'s Xero id (a UUID)`);

/** What picks a line's option: the order's location id, or its channel. */
export const TrackingBy = z.enum(['location', 'channel'], { error: 'must be "location" or "channel"' });
export type TrackingBy = z.infer<typeof TrackingBy>;

export const TrackingMapping = z
  .object({
    categoryId: xeroId('tracking category').describe(
      'TrackingCategoryID of an active Xero tracking category.',
    ),
    by: TrackingBy.describe(
      'What picks the option: the order’s location id, or its channel (pos, online, b2b).',
    ),
    options: z
      .record(
        z
          .string()
          .min(1, 'a location id or channel must not be empty')
          .max(100, 'a location id or channel must be at most 100 characters')
          .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE),
        xeroId('tracking option'),
      )
      .describe('Location id (or channel) → TrackingOptionID of an active option of that category.'),
  })
  .strict();
export type TrackingMapping = z.infer<typeof TrackingMapping>;

export const TrackingSetting = z
  .array(TrackingMapping)
  .describe(
    'Up to two tracking categories (Xero’s limit), each mapping locations or channels to an option by id. Replaced as a whole by PATCH; [] for none.',
  );

/** An active option of a category, as the page offers it. */
export const TrackingOptionView = z.object({
  id: z.string().describe('TrackingOptionID: what a mapping stores.'),
  name: z.string().describe('The option’s name in Xero.'),
});

export const TrackingCategoryView = z.object({
  id: z.string().describe('TrackingCategoryID: what a mapping stores as `categoryId`.'),
  name: z.string().describe('The category’s name in Xero.'),
  options: z.array(TrackingOptionView).describe('Its active options, in Xero’s order.'),
});
export type TrackingCategoryView = z.infer<typeof TrackingCategoryView>;

/** GET /api/xero/tracking-categories: what a tracking mapping may name. */
export const TrackingCategoriesView = z.object({
  items: z
    .array(TrackingCategoryView)
    .describe('The organisation’s active tracking categories (Xero allows two); [] when it has none.'),
  readAt: z
    .string()
    .describe('When Xero was asked, as an ISO 8601 instant (the answer is kept for 60 seconds).'),
  cached: z.boolean().describe('true when answered from what was read at `readAt`, without calling Xero.'),
});
export type TrackingCategoriesView = z.infer<typeof TrackingCategoriesView>;
