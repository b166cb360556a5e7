import { z } from 'zod';
import { Channel, InputText, IsoDate } from './sync-request';

/**
 * The reconciliation (docs/reconciliation.md): what the orders of a request, or of a business and a date range, add
 * up to, against what Xero holds for them as the ledger keeps it, one row per local day × location, and per
 * payment method. Served as JSON and CSV (GET /api/reconciliation, /api/sync-requests/{id}/reconciliation).
 */

const Money = z.string().describe('A decimal amount, 2 decimals, in the orders’ currency (never a float).');

export const ReconciliationQuery = z
  .object({
    startDate: IsoDate.describe('First local day (business time zone), inclusive.'),
    endDate: IsoDate.describe('Last local day, inclusive.'),
    channel: Channel.optional().describe('One channel; every channel when absent.'),
    locationId: InputText(100, 'must not be empty: give a location id, or leave it out for every location')
      .optional()
      .describe('One location; every location when absent.'),
  })
  .strict()
  .refine((q) => q.startDate <= q.endDate, {
    path: ['endDate'],
    error: 'must be on or after startDate',
  });
export type ReconciliationQuery = z.infer<typeof ReconciliationQuery>;

export const ReconciliationDifference = z.object({
  orderId: z.string(),
  orderNumber: z.string(),
  invoiceNumber: z
    .string()
    .nullable()
    .describe('Its invoice number in Xero, per the ledger (null: not in Xero).'),
  summaryNumber: z
    .string()
    .optional()
    .describe('Posted in a daily summary: the summary invoice holding it (its invoiceNumber once in Xero).'),
  expected: Money.describe('What the order’s latest revision comes to on this row.'),
  inXero: Money.describe('What Xero holds for it on this row, per the ledger.'),
  why: z
    .string()
    .describe('Why they differ, in words (not synced, failed, a money check, a change not applied).'),
});

export const ReconciliationRow = z.object({
  day: IsoDate.describe('Local day (business time zone) the orders were placed.'),
  locationId: z.string(),
  locationName: z.string(),
  currency: z.string(),
  paymentMethod: z
    .string()
    .nullable()
    .describe('null: the sales row (invoices less credit notes); a method: the payments row of that method.'),
  orders: z.number().int().describe('Orders on this row (voided ones included: they count 0).'),
  ordersAmount: Money.describe(
    'Sales row: order totals less refunds (voided orders 0). Payments row: the orders’ payments by this method.',
  ),
  xeroDocuments: z
    .number()
    .int()
    .describe('Sales row: invoices and credit notes in Xero; payments row: payments in Xero.'),
  xeroInvoices: Money.nullable().describe(
    'Sales row: the invoices’ totals as Xero answered them; else null.',
  ),
  xeroCreditNotes: Money.nullable().describe('Sales row: the credit notes’ totals; else null.'),
  xeroAmount: Money.describe('Sales row: invoices less credit notes; payments row: the payments.'),
  difference: Money.describe('ordersAmount − xeroAmount.'),
  differences: z.array(ReconciliationDifference).describe('The orders behind a difference, each with why.'),
});
export type ReconciliationRow = z.infer<typeof ReconciliationRow>;

export const Reconciliation = z.object({
  businessId: z.string(),
  requestId: z.string().nullable(),
  startDate: IsoDate,
  endDate: IsoDate,
  timeZone: z.string(),
  rows: z.array(ReconciliationRow),
  totals: z.object({
    orders: z.number().int(),
    rowsWithDifference: z.number().int(),
    ordersWithDifference: z.number().int(),
  }),
});
export type Reconciliation = z.infer<typeof Reconciliation>;

/** "Check against Xero": its scope, and `dryRun` to learn its call cost before it starts. */
export const ReconciliationCheckBody = z
  .object({
    startDate: IsoDate.describe('First local day (business time zone), inclusive.'),
    endDate: IsoDate.describe('Last local day, inclusive.'),
    channel: Channel.optional(),
    locationId: InputText(
      100,
      'must not be empty: give a location id, or leave it out for every location',
    ).optional(),
    dryRun: z
      .boolean()
      .default(false)
      .describe('true: only count the invoices and the Xero calls; read nothing.'),
  })
  .strict()
  .refine((q) => q.startDate <= q.endDate, { path: ['endDate'], error: 'must be on or after startDate' });

export const ReconciliationFinding = z.object({
  day: IsoDate,
  locationId: z.string(),
  locationName: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  invoiceNumber: z.string(),
  amount: Money.describe('What the ledger says Xero holds for the invoice.'),
  xeroStatus: z.string().describe('The invoice’s status in Xero now (VOIDED, DELETED, …).'),
  xeroTotal: Money.nullable(),
  what: z.string().describe('What changed in Xero since the sync, in words.'),
  document: z
    .enum(['invoice', 'credit note'])
    .optional()
    .describe('The document read back (a payment deleted shows on its invoice).'),
  documentNumber: z.string().optional().describe('Its number in Xero.'),
  orders: z
    .array(z.string())
    .optional()
    .describe(
      'A daily summary’s document: the order numbers of the scope it holds (orderId names the first).',
    ),
});

export const ReconciliationCheck = z.object({
  invoices: z
    .number()
    .int()
    .describe('Invoices (per order and daily summaries) the ledger says are in Xero for the scope.'),
  creditNotes: z.number().int().describe('Credit notes the ledger says are in Xero for the scope.'),
  calls: z
    .number()
    .int()
    .describe(
      'Xero calls the check makes in all: invoiceCalls + creditNoteCalls (payments read with invoices).',
    ),
  invoiceCalls: z.number().int().describe('GET /Invoices by IDs, 50 a call, summaryOnly.'),
  creditNoteCalls: z
    .number()
    .int()
    .describe('GET /CreditNotes by a where on their ids, as many as the URL budget takes.'),
  ran: z.boolean().describe('false for a dry run: nothing was read.'),
  findings: z
    .array(ReconciliationFinding)
    .describe(
      'Documents changed, voided or deleted in Xero since the sync (a deleted payment: on its invoice).',
    ),
});
export type ReconciliationCheck = z.infer<typeof ReconciliationCheck>;
