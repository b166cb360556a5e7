import { z } from 'zod';
import { isRealDate, LOCAL_DATE_PATTERN } from '../calendar';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';

/** The sales channels: the one list (orders, sync requests, the workflow's input and the API all use it). */
export const Channel = z.enum(['pos', 'online', 'b2b'], { error: 'must be one of "pos", "online" or "b2b"' });
export type Channel = z.infer<typeof Channel>;

/**
 * A sync request's contract, defined once: its states, phases, options, contact mapping, counts and progress, the
 * per-order outcomes, the control actions and the preview's warnings. They cross boundaries (the HTTP API, the
 * workflow's input and progress, the history log's rows), so they are zod schemas: the API validates and documents
 * with them, and src/definitions.ts infers the workflow's types from them (type-only, so the workflow bundle
 * holds no zod). The channel is the orders' own (src/orders/schema.ts).
 */

const DATE_MESSAGE = 'must be a real calendar date in YYYY-MM-DD form, such as "2026-03-14"';
/** A local date as a merchant picks it: a real day from 1900 (src/calendar.ts owns the pattern and the check). */
export const IsoDate = z
  .string()
  .regex(LOCAL_DATE_PATTERN, DATE_MESSAGE)
  .refine((d) => !LOCAL_DATE_PATTERN.test(d) || isRealDate(d), DATE_MESSAGE);

/** An id or name given by the caller: printable, and as long as the store allows. */
export const InputText = (max: number, required: string) =>
  z
    .string()
    .min(1, required)
    .max(max, `must be at most ${max} characters`)
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE);

export const SyncState = z.enum([
  'queued',
  'running',
  'waiting_for_quota',
  'paused',
  'needs_reconnect',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
]);
export type SyncState = z.infer<typeof SyncState>;

/** queued until the first step; contacts (auto-match); orders (invoices and their follow-ups); done. */
export const SyncPhase = z.enum(['queued', 'contacts', 'orders', 'done']);
export type SyncPhase = z.infer<typeof SyncPhase>;

export const InvoiceStatus = z.enum(['DRAFT', 'SUBMITTED', 'AUTHORISED'], {
  error: 'must be "DRAFT", "SUBMITTED" or "AUTHORISED"',
});
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

export const ResyncPolicy = z.enum(['skip', 'update'], { error: 'must be "skip" or "update"' });

/**
 * How orders become Xero documents (issue 23): one invoice per order, or one summary invoice per channel, location,
 * local day, currency and contact (docs/posting-modes.md).
 */
export const PostingMode = z.enum(['per-order', 'daily-summary'], {
  error: 'must be "per-order" or "daily-summary"',
});
export type PostingMode = z.infer<typeof PostingMode>;
const POSTING_DESCRIPTION =
  'per-order: one Xero invoice per order; daily-summary: one invoice per channel, location, local day, currency and contact (POS with auto contacts, or any channel with a manual contact). Default: the business’s posting setting.';

export const SyncOptions = z.object({
  invoiceStatus: InvoiceStatus,
  recordPayments: z.boolean(),
  resyncPolicy: ResyncPolicy,
  changesOnly: z
    .boolean()
    .optional()
    .describe(
      'true: only the changes of orders already in Xero (later payments, refunds, voids; docs/revisions.md) are sent; orders not yet in Xero are left for another request.',
    ),
  /** Absent: per-order (every request started before issue 23 has none, so their inputs stay as they were). */
  posting: PostingMode.optional().describe(POSTING_DESCRIPTION),
});
export type SyncOptions = z.infer<typeof SyncOptions>;

export const ContactMapping = z.discriminatedUnion(
  'mode',
  [
    z.object({ mode: z.literal('auto') }).strict(),
    z
      .object({
        mode: z.literal('manual'),
        contactId: z.uuid({
          message: 'must be the Xero ContactID (a UUID) of the contact to use for every order',
        }),
      })
      .strict(),
  ],
  { error: 'must be {"mode":"auto"} or {"mode":"manual","contactId":"<Xero ContactID>"}' },
);
export type ContactMapping = z.infer<typeof ContactMapping>;

export const SyncCounts = z.object({
  found: z.number().int(),
  synced: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});
export type SyncCounts = z.infer<typeof SyncCounts>;

/** The orders walk's position: the last (placedAt, id) whose invoice was handled. */
export const OrdersCursor = z.object({
  after: z.object({ placedAt: z.string(), id: z.string() }).nullable(),
  /** Every order of the range has been walked; only follow-up writes may remain. */
  walked: z.boolean(),
});

/**
 * The workflow's own state: its `progress` query (for the Web UI), what it records in the history log on every
 * state change, and the fields of a request's detail that come from there.
 */
export const SyncProgress = z.object({
  requestId: z.string(),
  state: SyncState,
  phase: SyncPhase,
  cursor: OrdersCursor,
  counts: SyncCounts,
  /** ISO instant the request resumes at, while waiting for Xero's daily quota. */
  resumeAt: z.string().nullable(),
  /** Whether resumeAt is the window's reset (true) or only the next look (false). */
  resumeAtIsReset: z.boolean(),
  /** How many daily quota windows the request waited for (a window counts once, however many looks). */
  quotaWaits: z.number().int(),
  /** A pause was accepted and takes effect at the next page of orders (or at once in a wait). */
  pausing: z.boolean(),
  lastError: z.string().nullable(),
});

/** What happened to one order of a request. */
export const OrderOutcome = z.enum(['failed', 'synced', 'skipped'], {
  error: 'must be one of "failed", "synced" or "skipped"',
});
export type OrderOutcome = z.infer<typeof OrderOutcome>;

export const ControlAction = z.enum(['pause', 'resume', 'cancel']);
export type ControlAction = z.infer<typeof ControlAction>;

// ---------------------------------------------------------------------------------------------------------------
// What a merchant asks for: the body of a submit (and of a preview)

/** The body's options: the business's invoice status unless given, payments recorded, already-synced skipped. */
const SyncOptionsBody = z
  .object({
    invoiceStatus: InvoiceStatus.optional(),
    recordPayments: SyncOptions.shape.recordPayments.default(true),
    resyncPolicy: SyncOptions.shape.resyncPolicy.default('skip'),
    changesOnly: z
      .boolean()
      .default(false)
      .describe(SyncOptions.shape.changesOnly.description ?? ''),
    posting: PostingMode.optional().describe(POSTING_DESCRIPTION),
  })
  .strict();

const EXAMPLE_REQUEST = {
  channel: 'pos',
  locationId: 'all',
  startDate: '2026-01-05',
  endDate: '2026-01-11',
  contactMapping: { mode: 'auto' },
};

export const CreateSyncRequestBody = z
  .object({
    businessId: InputText(100, 'must not be empty')
      .optional()
      .describe('Optional: the API key decides the business; if given, it must be the key’s business.'),
    channel: Channel,
    locationId: InputText(100, 'is required: a location id, or "all"').describe(
      'A location id of the channel, or "all" for every location.',
    ),
    startDate: IsoDate.describe('First local day (business time zone), inclusive.'),
    endDate: IsoDate.describe('Last local day, inclusive; not in the future.'),
    contactMapping: ContactMapping,
    options: SyncOptionsBody.default({ recordPayments: true, resyncPolicy: 'skip', changesOnly: false }),
  })
  .strict()
  // The range is checked here, once, at the edge: its dates above, their order here. Whether its end is already
  // past in the business's time zone needs the business (src/requests/submit.ts).
  .refine((b) => b.startDate <= b.endDate, {
    path: ['endDate'],
    error: (issue) => {
      const body = issue.input as { startDate: string; endDate: string };
      return `endDate ${body.endDate} is before startDate ${body.startDate}; swap them or pick a later endDate.`;
    },
  })
  // A request any connected business can submit (a past week, every location): docs and fuzzers start from it.
  .meta({ examples: [EXAMPLE_REQUEST] });
export type CreateSyncRequestBody = z.infer<typeof CreateSyncRequestBody>;

export const DailyLimitSource = z.enum(['setting', 'xero-headers', 'default']);
export type DailyLimitSource = z.infer<typeof DailyLimitSource>;

/** The organisation's daily call limit that estimates use, and where it comes from. */
export const DailyLimitView = z.object({
  calls: z.number().int(),
  source: DailyLimitSource.describe(
    'setting: the business’s dailyCallLimit; xero-headers: the largest X-DayLimit-Remaining Xero has shown, plus one; default: XERO_DAILY_LIMIT.',
  ),
});
export type DailyLimit = z.infer<typeof DailyLimitView>;

export const PreviewWarningCode = z.enum([
  'unmapped_tax_code',
  'unmapped_payment_method',
  'contact_name_clash',
  'manual_contact_archived',
  'already_synced',
  'no_orders',
  'locked_period',
  'currency_not_enabled',
  'plan_invoice_cap',
  'tracking_unmapped',
  'tracking_option_archived',
  'open_day',
]);

export const PreviewWarning = z.object({
  code: PreviewWarningCode,
  message: z.string(),
  count: z.number().int(),
  examples: z.array(z.string()),
  perCode: z
    .array(z.object({ code: z.string(), orders: z.number().int() }))
    .optional()
    .describe(
      'unmapped_tax_code and unmapped_payment_method only: each code and how many orders of the range (voided ones aside) use it.',
    ),
  months: z
    .array(
      z.object({
        month: z.string().describe('YYYY-MM, the calendar month of the invoice date.'),
        invoices: z.number().int().describe('Invoices this request would approve in that month.'),
        cap: z.number().int().describe('What the plan approves in a month.'),
      }),
    )
    .optional()
    .describe(
      'plan_invoice_cap only: per month, this request’s invoices against the cap (invoices already in Xero not counted).',
    ),
});
export type PreviewWarning = z.infer<typeof PreviewWarning>;

/** How a request reads the organisation's contacts (src/engine/packing.ts chooses; the preview shows it). */
export const CONTACT_READ_STRATEGIES = ['none', 'lookup', 'directory', 'probe-directory'] as const;
export type ContactReadStrategy = (typeof CONTACT_READ_STRATEGIES)[number];
