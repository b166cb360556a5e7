import { z } from 'zod';
import { isRealDate } from '../../calendar';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../../text';

/** Request and response schemas of /api/sync-requests. They validate requests and generate the OpenAPI document. */

const DATE_MESSAGE = 'must be a real calendar date in YYYY-MM-DD form, such as "2026-03-14"';
// Years 1900–9999, months 01–12, days 01–31; the refine then refuses days a month does not have ("2026-02-30").
const DATE_PATTERN = /^(19|[2-9]\d)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const IsoDate = z
  .string()
  .regex(DATE_PATTERN, DATE_MESSAGE)
  .refine((d) => !DATE_PATTERN.test(d) || isRealDate(d), DATE_MESSAGE);

/** An id or name given by the caller: printable, and as long as the store allows. */
const Text = (max: number, required: string) =>
  z
    .string()
    .min(1, required)
    .max(max, `must be at most ${max} characters`)
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE);

/** A `nextCursor` as this API gives them out (base64url); its content is checked when it is decoded. */
const Cursor = z
  .string()
  .min(1)
  .max(500, 'is not a cursor this API gave out; pass `nextCursor` from the previous page unchanged')
  .regex(
    /^[A-Za-z0-9_-]+$/,
    'is not a cursor this API gave out; pass `nextCursor` from the previous page unchanged',
  )
  .describe('`nextCursor` of the previous page.');

export const Channel = z.enum(['pos', 'online', 'b2b'], { error: 'must be one of "pos", "online" or "b2b"' });

export const SyncStateSchema = z.enum([
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

export const ContactMappingBody = z.discriminatedUnion(
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

export const SyncOptionsBody = z
  .object({
    invoiceStatus: z.enum(['DRAFT', 'SUBMITTED', 'AUTHORISED']).optional(),
    recordPayments: z.boolean().default(true),
    resyncPolicy: z.enum(['skip', 'update']).default('skip'),
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
    businessId: Text(100, 'must not be empty')
      .optional()
      .describe('Optional: the API key decides the business; if given, it must be the key’s business.'),
    channel: Channel,
    locationId: Text(100, 'is required: a location id, or "all"').describe(
      'A location id of the channel, or "all" for every location.',
    ),
    startDate: IsoDate.describe('First local day (business time zone), inclusive.'),
    endDate: IsoDate.describe('Last local day, inclusive; not in the future.'),
    contactMapping: ContactMappingBody,
    options: SyncOptionsBody.default({ recordPayments: true, resyncPolicy: 'skip' }),
  })
  .strict()
  // A request any connected business can submit (a past week, every location): docs and fuzzers start from it.
  .meta({ examples: [EXAMPLE_REQUEST] });
export type CreateSyncRequestBody = z.infer<typeof CreateSyncRequestBody>;

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces, such as a UUID')
    .optional()
    .describe('Retrying a submit with the same key returns the same request instead of starting another.'),
});

export const RequestIdParams = z.object({
  id: z.string().regex(/^sr_[a-z0-9]+$/, 'must be a sync request id such as "sr_3f2a…"'),
});

const Links = z.object({
  self: z.string(),
  orders: z.string(),
  pause: z.string(),
  resume: z.string(),
  cancel: z.string(),
  retryFailed: z.string(),
});

export const SyncRequestAccepted = z.object({
  id: z.string(),
  state: SyncStateSchema,
  retryOf: z.string().nullable(),
  /** true when an Idempotency-Key matched an earlier submit. */
  replayed: z.boolean(),
  links: Links,
});

const Counts = z.object({
  found: z.number().int(),
  synced: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

const RequestSummary = z.object({
  id: z.string(),
  state: SyncStateSchema,
  channel: Channel,
  locationId: z.string().describe('"all" for every location of the channel'),
  startDate: z.string(),
  endDate: z.string(),
  contactMapping: ContactMappingBody,
  retryOf: z.string().nullable(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  counts: Counts,
  links: Links,
});

export const SyncRequestDetail = RequestSummary.extend({
  requestId: z.string(),
  options: z.object({
    invoiceStatus: z.enum(['DRAFT', 'SUBMITTED', 'AUTHORISED']),
    recordPayments: z.boolean(),
    resyncPolicy: z.enum(['skip', 'update']),
  }),
  phase: z
    .enum(['queued', 'contacts', 'orders', 'done'])
    .describe(
      'queued; contacts (auto-match, before the first invoice); orders (invoices and their follow-ups); done.',
    ),
  expected: z.number().int().nullable().describe('Orders the request covers (known once it has started).'),
  reachedDate: z
    .string()
    .nullable()
    .describe('The local date (business time zone) of the last order the sync has passed.'),
  contacts: z.object({ total: z.number().int(), done: z.number().int() }),
  xeroCalls: z.number().int().describe('Every Xero call made for the request so far, retries included.'),
  plannedCalls: z.number().int().nullable().describe('The calls the request was planned to need.'),
  resumeAt: z.string().nullable().describe('While waiting for Xero’s daily quota: when the request resumes.'),
  resumeAtIsReset: z
    .boolean()
    .describe('true: resumeAt is the daily window’s reset; false: only when the sync looks again.'),
  etaSeconds: z
    .number()
    .int()
    .nullable()
    .describe('Seconds to go, sharing the organisation’s quota with its other running requests.'),
  quotaWaits: z.number().int().describe('Daily quota windows waited for.'),
  pausing: z.boolean().describe('A pause was accepted and takes effect when the step in flight ends.'),
  lastError: z.string().nullable(),
  asOf: z.string().describe('When this progress was last recorded.'),
  stale: z.boolean().describe('true: the request is running but has not reported progress for a while.'),
});

export const HistoryQuery = z
  .object({
    state: SyncStateSchema.optional(),
    channel: Channel.optional(),
    locationId: Text(100, 'must not be empty')
      .optional()
      .describe('A location id, or "all" for requests of every location.'),
    date: IsoDate.optional().describe('Only requests whose date range covers this local day.'),
    limit: z.coerce
      .number({ error: 'must be a whole number from 1 to 100' })
      .int('must be a whole number from 1 to 100')
      .min(1, 'must be a whole number from 1 to 100')
      .max(100, 'must be a whole number from 1 to 100')
      .default(20),
    cursor: Cursor.optional(),
  })
  .strict();

export const HistoryPage = z.object({ items: z.array(RequestSummary), nextCursor: z.string().nullable() });

export const OrdersQuery = z
  .object({
    status: z
      .enum(['failed', 'synced', 'skipped'], { error: 'must be one of "failed", "synced" or "skipped"' })
      .optional(),
    limit: HistoryQuery.shape.limit,
    cursor: Cursor.optional(),
  })
  .strict();

export const OrderResult = z.object({
  orderId: z.string(),
  orderNumber: z.string().nullable(),
  placedAt: z.string().nullable(),
  total: z.string().nullable().describe('The order total as a decimal string.'),
  status: z.enum(['failed', 'synced', 'skipped']),
  message: z
    .string()
    .nullable()
    .describe(
      'Xero’s message for a failed order, or why it was skipped; and where an amount Xero answered differs from the order’s, both amounts (“Xero’s total 11.90 differs from the order’s 11.00”).',
    ),
  xeroInvoiceId: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  updatedAt: z.string(),
});

export const OrdersPage = z.object({ items: z.array(OrderResult), nextCursor: z.string().nullable() });

export const ControlAccepted = z.object({
  id: z.string(),
  action: z.enum(['pause', 'resume', 'cancel']),
  state: SyncStateSchema.describe(
    'The state when the workflow accepted; follow GET /api/sync-requests/{id}.',
  ),
  pending: z
    .boolean()
    .describe('true: accepted, and takes effect when the step in flight ends (pause) or it stops (cancel).'),
});

export const PreviewBody = CreateSyncRequestBody.omit({ options: true })
  .extend({
    options: SyncOptionsBody.default({ recordPayments: true, resyncPolicy: 'skip' }),
  })
  .meta({ examples: [EXAMPLE_REQUEST] });

export const PreviewWarning = z.object({
  code: z.enum([
    'unmapped_tax_code',
    'unmapped_payment_method',
    'contact_name_clash',
    'manual_contact_archived',
    'already_synced',
    'no_orders',
  ]),
  message: z.string(),
  count: z.number().int(),
  examples: z.array(z.string()),
});

export const PreviewResult = z.object({
  orders: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    refunded: z.number().int(),
    voided: z.number().int(),
    alreadySynced: z.number().int(),
    toSync: z.number().int(),
  }),
  estimate: z.object({
    calls: z.object({
      invoices: z.number().int(),
      payments: z.number().int(),
      creditNotes: z.number().int(),
      allocations: z.number().int(),
      contacts: z.number().int(),
      total: z.number().int(),
    }),
    quotaWindows: z.number().int().describe('Daily quota windows the request needs (1: fits in today’s).'),
    dayRemaining: z
      .number()
      .int()
      .describe('The organisation’s remaining daily calls (last seen, or the full limit).'),
    dayLimit: z.number().int(),
    dailyReserve: z.number().int(),
    etaSeconds: z.number().int(),
    sharedWith: z
      .number()
      .int()
      .describe(
        'Running requests of the same Xero organisation: they share its quota, and the ETA counts them.',
      ),
    contacts: z.object({
      distinct: z.number().int(),
      assumedNew: z.number().int(),
      strategy: z.enum(['none', 'lookup', 'directory', 'probe-directory']),
      assumption: z.string(),
    }),
  }),
  warnings: z.array(PreviewWarning),
});
