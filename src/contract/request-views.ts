import { z } from 'zod';
import { UndoSummary } from './undo';
import {
  Channel,
  CONTACT_READ_STRATEGIES,
  ContactMapping,
  ControlAction,
  CreateSyncRequestBody,
  DailyLimitView,
  InputText,
  IsoDate,
  OrderOutcome,
  PostingMode,
  PreviewWarning,
  SyncCounts,
  SyncOptions,
  SyncPhase,
  SyncProgress,
  SyncState,
} from './sync-request';

/**
 * What /api/sync-requests takes and answers: a submit's and a retry's acceptance, a request as the history log
 * lists it and as its detail shows it, the per-order results, a control's answer, the preview; with the path,
 * query and header parameters of those operations. The API validates and documents with them
 * (src/api/sync-requests/operations.ts); the page client reads their types.
 */

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
  undo: z.string().describe('Its undo (issue 27): GET its state, POST to start it; …/undo/preview first.'),
});

export const SyncRequestAccepted = z.object({
  id: z.string(),
  state: SyncState,
  retryOf: z.string().nullable(),
  /** true when an Idempotency-Key matched an earlier submit. */
  replayed: z.boolean(),
  links: Links,
});
export type SyncRequestAccepted = z.infer<typeof SyncRequestAccepted>;

/** A request as the history log lists it. */
export const SyncRequestSummary = z.object({
  id: z.string(),
  state: SyncState,
  channel: Channel,
  locationId: z.string().describe('"all" for every location of the channel'),
  startDate: z.string(),
  endDate: z.string(),
  contactMapping: ContactMapping,
  contactName: z
    .string()
    .nullable()
    .describe(
      'The manual contact’s name as Xero had it when the request was submitted (null for auto-match).',
    ),
  retryOf: z.string().nullable(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  counts: SyncCounts,
  expected: z.number().int().nullable().describe('Orders the request covers (known once it has started).'),
  resumeAt: SyncProgress.shape.resumeAt.describe(
    'While waiting for Xero’s daily quota: when the request resumes.',
  ),
  resumeAtIsReset: SyncProgress.shape.resumeAtIsReset.describe(
    'true: resumeAt is the daily window’s reset; false: only when the sync looks again.',
  ),
  pausing: SyncProgress.shape.pausing.describe(
    'A pause was accepted; it takes effect at the next page of orders, or at once in a wait, and stays true until the request is paused.',
  ),
  lastError: SyncProgress.shape.lastError.describe('Why the request failed, or is waiting for a reconnect.'),
  alreadyInXero: z
    .number()
    .int()
    .describe('Of the skipped orders, those already in Xero from an earlier request (the rest were voided).'),
  retriedBy: z
    .object({
      id: z.string(),
      state: SyncState,
      fixed: z.number().int().describe('Of this request’s failed orders, those the retry has synced.'),
    })
    .nullable()
    .describe('The retry of this request’s failed orders, once one was started (a request has one retry).'),
  undo: UndoSummary.nullable().describe(
    'Its undo once one was started (docs/undo.md): its state, take-backs done of total, what it left in place.',
  ),
  links: Links,
});
export type SyncRequestSummary = z.infer<typeof SyncRequestSummary>;

/**
 * A request's ETA: a range while the organisation's daily reset is not known yet (it lies somewhere in the next
 * window: done no sooner than `earliestSeconds`, no later than `latestSeconds`, at most one window apart), a point
 * (the two equal) once it is, and the daily limit it assumed.
 */
export const RequestEta = z.object({
  earliestSeconds: z.number().int().describe('Seconds to go if the daily window resets at the soonest.'),
  latestSeconds: z.number().int().describe('Seconds to go if it resets at the latest (etaSeconds).'),
  resetKnown: z
    .boolean()
    .describe('true: the organisation’s daily reset is known (learnt from Xero), so the two are one point.'),
  dailyLimit: DailyLimitView.describe('The daily call limit the ETA assumed, and where it comes from.'),
  dailyReserve: z.number().int().describe('The calls a day the ETA left for the business’s live sync.'),
});
export type RequestEta = z.infer<typeof RequestEta>;

/** A daily-summary request's summaries (issue 23): how many are written, and each money check that differed. */
export const RequestSummaries = z.object({
  invoices: z.number().int().describe('Summary invoices this request recorded (adjustments included).'),
  creditNotes: z.number().int().describe('Refund credit notes (one per location and refund date).'),
  adjustments: z
    .number()
    .int()
    .describe('Of those, adjustment summaries: orders imported after their day was summarised.'),
  written: z.number().int().describe('Summaries whose writes are all done.'),
  failed: z.number().int().describe('Summaries Xero refused; their orders failed with the reason.'),
  differences: z
    .array(
      z.object({
        number: z.string(),
        expected: z.string().describe('The sum of its orders (what the per-order documents would total).'),
        xero: z.string().describe('The total Xero holds.'),
        difference: z.string().describe('xero - expected.'),
      }),
    )
    .describe(
      'Money checks that differed (at most 50 shown): each summary’s Xero total against the sum of its orders.',
    ),
});
export type RequestSummaries = z.infer<typeof RequestSummaries>;
/** Changes of orders already in Xero, by what each does there (docs/revisions.md). */
export const ChangeKinds = z
  .object({
    payments: z.number().int().describe('Later payments.'),
    refunds: z.number().int().describe('Later refunds (each its own credit note).'),
    voids: z.number().int().describe('Voids of orders in Xero.'),
    lineChanges: z
      .number()
      .int()
      .describe('Changes of lines, total or date of unpaid orders (invoice updates).'),
  })
  .describe('Changes of orders already in Xero by kind, apart from new orders.');
export type ChangeKinds = z.infer<typeof ChangeKinds>;

/** A request's detail: its summary, with its options and its progress (GET /api/sync-requests/{id}). */
export const SyncRequestDetail = SyncRequestSummary.extend({
  requestId: z.string(),
  options: SyncOptions,
  phase: SyncPhase.describe(
    'queued; contacts (auto-match, before the first invoice); orders (invoices and their follow-ups); done.',
  ),
  reachedDate: z
    .string()
    .nullable()
    .describe('The local date (business time zone) of the last order the sync has passed.'),
  contacts: z.object({ total: z.number().int(), done: z.number().int() }),
  changes: z
    .object({ applied: z.number().int(), failed: z.number().int(), kinds: ChangeKinds })
    .describe(
      'Changes of orders already in Xero (later payments, refunds, voids; docs/revisions.md) this request applied or could not apply, apart from the new orders in `counts`.',
    ),
  summaries: RequestSummaries.optional().describe(
    'Daily-summary requests only (options.posting "daily-summary"): their summaries, counted as they are written.',
  ),
  xeroCalls: z.number().int().describe('Every Xero call made for the request so far, retries included.'),
  plannedCalls: z.number().int().nullable().describe('The calls the request was planned to need.'),
  etaSeconds: z
    .number()
    .int()
    .nullable()
    .describe('Seconds to go, sharing the organisation’s quota with its other running requests.'),
  eta: RequestEta.nullable().describe(
    'The ETA and what it assumed; null while it cannot be known (no plan yet) or the request is not moving.',
  ),
  quotaWaits: SyncProgress.shape.quotaWaits.describe('Daily quota windows waited for.'),
  asOf: z.string().describe('When this progress was last recorded.'),
  stale: z.boolean().describe('true: the request is running but has not reported progress for a while.'),
});
export type SyncRequestDetail = z.infer<typeof SyncRequestDetail>;

export const HistoryQuery = z
  .object({
    state: SyncState.optional(),
    channel: Channel.optional(),
    locationId: InputText(100, 'must not be empty')
      .optional()
      .describe('A location id, or "all" for requests of every location.'),
    date: IsoDate.optional().describe('Only requests whose date range covers this local day.'),
    search: InputText(100, 'must not be empty: give an order number or an invoice number')
      .optional()
      .describe(
        'An order number or an invoice number (any case): the requests that sent, failed or skipped that order.',
      ),
    limit: z.coerce
      .number({ error: 'must be a whole number from 1 to 100' })
      .int('must be a whole number from 1 to 100')
      .min(1, 'must be a whole number from 1 to 100')
      .max(100, 'must be a whole number from 1 to 100')
      .default(20),
    cursor: Cursor.optional(),
  })
  .strict();

export const HistoryPage = z.object({
  items: z.array(SyncRequestSummary),
  nextCursor: z.string().nullable(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

export const OrdersQuery = z
  .object({
    status: OrderOutcome.optional(),
    limit: HistoryQuery.shape.limit,
    cursor: Cursor.optional(),
  })
  .strict();

/** Why an order failed, in a merchant's words, and who can fix it (src/requests/failure-reasons.ts). */
export const FailureReason = z.object({
  code: z.enum([
    'unmapped_tax_code',
    'tax_type_not_in_xero',
    'lock_date',
    'archived_contact',
    'currency_not_enabled',
    'other',
  ]),
  fixedBy: z
    .enum(['merchant', 'accountant', 'support'])
    .describe(
      'merchant: a setting of the business (`setting`); accountant: in Xero; support: anything else.',
    ),
  setting: z
    .enum(['taxTypes', 'paymentAccounts'])
    .nullable()
    .describe('The business setting that fixes it, when the merchant can.'),
  text: z.string().describe('What went wrong and what to do, in plain words.'),
  detail: z.string().describe('The failure as recorded (Xero’s own message, or ours), without internal ids.'),
});
export type FailureReason = z.infer<typeof FailureReason>;

/** What happened to one order of a request. */
export const OrderResult = z.object({
  orderId: z.string(),
  orderNumber: z.string().nullable(),
  placedAt: z.string().nullable(),
  total: z.string().nullable().describe('The order total as a decimal string.'),
  currency: z.string().nullable().describe('The order’s currency (ISO 4217), such as "SGD".'),
  status: OrderOutcome,
  message: z
    .string()
    .nullable()
    .describe(
      'Xero’s message for a failed order, or why it was skipped; and where an amount Xero answered differs from the order’s, both amounts (“Xero’s total 11.90 differs from the order’s 11.00”).',
    ),
  reason: FailureReason.nullable().describe('For a failed order: why, in plain words, and who can fix it.'),
  xeroInvoiceId: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  updatedAt: z.string(),
});
export type OrderResult = z.infer<typeof OrderResult>;

export const OrdersPage = z.object({ items: z.array(OrderResult), nextCursor: z.string().nullable() });
export type OrdersPage = z.infer<typeof OrdersPage>;

export const SummariesQuery = z
  .object({
    limit: HistoryQuery.shape.limit,
    cursor: Cursor.optional(),
  })
  .strict();

/** One order a daily summary holds. */
export const SummaryOrderView = z.object({
  orderId: z.string(),
  orderNumber: z.string().nullable(),
  total: z.string().nullable().describe('The order total as a decimal string.'),
});

/** A daily summary a request wrote (issue 23): its Xero number, its orders and its amounts (docs/posting-modes.md). */
export const DailySummaryView = z.object({
  number: z.string().describe('Its number in Xero (InvoiceNumber, or CreditNoteNumber for refunds).'),
  kind: z
    .enum(['invoice', 'credit_note'])
    .describe('invoice: the day’s sales; credit_note: the day’s refunds.'),
  date: IsoDate.describe('The local business day it summarises (for refunds, the refund date).'),
  locationId: z.string(),
  currency: z.string(),
  adjustment: z
    .number()
    .int()
    .describe(
      '0: the day’s summary; 1, 2, …: an adjustment summary of orders imported after the day was posted.',
    ),
  state: z
    .enum(['writing', 'done', 'failed'])
    .describe('writing: it or its payments are still to be written; failed: `error` says why.'),
  error: z.string().nullable(),
  xeroId: z.string().nullable().describe('Its InvoiceID (or CreditNoteID) once Xero has it.'),
  total: z.string().describe('What its orders add up to, as they state them.'),
  tax: z.string().describe('The tax the per-order invoices of its orders would carry in Xero.'),
  xeroTotal: z.string().nullable().describe('Xero’s total, once written.'),
  difference: z
    .string()
    .nullable()
    .describe(
      'Xero’s total minus the sum of its orders when they differ (the money check); null when equal.',
    ),
  orders: z.array(SummaryOrderView).describe('The orders it holds, in the order they were placed.'),
});
export type DailySummaryView = z.infer<typeof DailySummaryView>;

export const SummariesPage = z.object({
  items: z.array(DailySummaryView),
  nextCursor: z.string().nullable(),
});
export type SummariesPage = z.infer<typeof SummariesPage>;

export const ControlAccepted = z.object({
  id: z.string(),
  action: ControlAction,
  state: SyncState.describe('The state when the workflow accepted; follow GET /api/sync-requests/{id}.'),
  pending: z
    .boolean()
    .describe('true: accepted, and takes effect when the step in flight ends (pause) or it stops (cancel).'),
});
export type ControlAccepted = z.infer<typeof ControlAccepted>;

/**
 * One posting mode's cost for the previewed range (issue 23): what it would write and the Xero calls that takes,
 * counted by the engine's own plan for that mode, so a merchant sees both side by side.
 */
export const PostingModeEstimate = z.object({
  mode: PostingMode,
  refusal: z
    .string()
    .nullable()
    .describe(
      'Why this mode cannot serve the request (daily summary for online or B2B orders with auto-matched contacts, or with resyncPolicy "update"); null when it can.',
    ),
  estimate: z
    .object({
      orders: z.number().int().describe('Orders it would send.'),
      invoices: z
        .number()
        .int()
        .describe(
          'Invoices it would write: one per order, or one summary per location, local day and currency.',
        ),
      creditNotes: z.number().int(),
      payments: z
        .number()
        .int()
        .describe('Payments it would write, refunds paid back out of credit notes included.'),
      allocations: z.number().int(),
      calls: z.number().int().describe('Xero calls in all (contacts and the organisation’s reads included).'),
    })
    .nullable()
    .describe('null when the mode is refused.'),
  skipped: z
    .object({
      count: z.number().int(),
      reason: z.string(),
    })
    .describe(
      'Orders of the range the other posting mode already sent: this mode never sends them again (count 0: none).',
    ),
});
export type PostingModeEstimate = z.infer<typeof PostingModeEstimate>;

/** A preview asks about exactly what a submit would start. */
export const PreviewBody = CreateSyncRequestBody;

export const PreviewResult = z.object({
  orders: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    refunded: z.number().int(),
    voided: z.number().int(),
    alreadySynced: z.number().int(),
    toSync: z.number().int(),
    changes: z
      .number()
      .int()
      .describe(
        'Changes of orders already in Xero (later payments, refunds, voids) not yet applied: sent by this request, apart from the new orders (docs/revisions.md).',
      ),
    changeKinds: ChangeKinds,
  }),
  estimate: z.object({
    calls: z.object({
      invoices: z.number().int(),
      payments: z.number().int(),
      creditNotes: z.number().int(),
      allocations: z.number().int(),
      contacts: z.number().int(),
      organisation: z
        .number()
        .int()
        .describe(
          'GET /Organisation at the request’s start (lock dates, currencies, plan), and GET /Currencies when an order is in another currency than the base; 0 when nothing is to be written.',
        ),
      total: z.number().int(),
    }),
    quotaWindows: z.number().int().describe('Daily quota windows the request needs (1: fits in today’s).'),
    dayRemaining: z
      .number()
      .int()
      .describe('The organisation’s remaining daily calls (last seen, or the full limit).'),
    dayLimit: z.number().int(),
    dailyLimit: DailyLimitView,
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
      strategy: z.enum(CONTACT_READ_STRATEGIES),
      assumption: z.string(),
    }),
  }),
  posting: z
    .object({
      mode: PostingMode.describe('The mode this request would use (its own, or the business’s default).'),
      modes: z
        .array(PostingModeEstimate)
        .describe('Per order and daily summary, side by side, for the same range.'),
    })
    .describe('Issue 23: both posting modes’ costs for this range (docs/posting-modes.md).'),
  warnings: z.array(PreviewWarning),
});
export type PreviewResult = z.infer<typeof PreviewResult>;
