import { z } from 'zod';
import { PostingMode } from './sync-request';

/**
 * Undo a request (issue 27 part 2, docs/undo.md): take back in Xero what one sync request created, in the order
 * Xero allows (payments and refunds deleted → credit-note allocations removed → credit notes voided or deleted →
 * invoices voided or deleted), and list what is left in place and why. Served by
 * GET /api/sync-requests/{id}/undo/preview, POST /api/sync-requests/{id}/undo (starts it, 202),
 * GET /api/sync-requests/{id}/undo (its state) and POST /api/sync-requests/{id}/undo/cancel.
 */

const Money = z
  .string()
  .describe('A decimal amount, 2 decimals, in the document’s currency (never a float).');

/** What an undo takes back, by kind: one Xero write each. */
export const UndoKind = z.enum([
  'payment',
  'refund',
  'allocation',
  'credit_note_void',
  'credit_note_delete',
  'invoice_void',
  'invoice_delete',
]);
export type UndoKind = z.infer<typeof UndoKind>;

/** Counts per kind of take-back (docs/undo.md, "What it takes back"). */
export const UndoCounts = z.object({
  payments: z.number().int().describe('Payments on the request’s invoices to delete.'),
  refunds: z.number().int().describe('Refunds paid out of credit notes to delete.'),
  allocations: z.number().int().describe('Credit-note allocations to remove from invoices.'),
  creditNotesToVoid: z.number().int().describe('Approved credit notes to void.'),
  creditNotesToDelete: z.number().int().describe('Draft or submitted credit notes to delete.'),
  invoicesToVoid: z.number().int().describe('Approved invoices to void.'),
  invoicesToDelete: z.number().int().describe('Draft or submitted invoices to delete.'),
});
export type UndoCounts = z.infer<typeof UndoCounts>;

/** Why an undo leaves something in Xero as it is. */
export const LeftInPlaceReason = z.enum([
  'contact_created',
  'payment_reconciled',
  'locked_period',
  'changed_in_xero',
  'refused_by_xero',
]);
export type LeftInPlaceReason = z.infer<typeof LeftInPlaceReason>;

export const LeftInPlaceKind = z.enum([
  'contact',
  'payment',
  'refund',
  'allocation',
  'credit_note',
  'invoice',
]);
export type LeftInPlaceKind = z.infer<typeof LeftInPlaceKind>;

/** One thing the undo leaves in Xero, with why (in words; Xero's own words when Xero refused it). */
export const LeftInPlace = z.object({
  kind: LeftInPlaceKind,
  xeroId: z
    .string()
    .describe('Its id in Xero (ContactID, PaymentID, AllocationID, CreditNoteID, InvoiceID).'),
  number: z
    .string()
    .nullable()
    .describe('Its number or name in Xero (invoice or credit note number, contact name); null if none.'),
  orderId: z.string().nullable().describe('The order it was written for; null for a contact or a summary.'),
  orderNumber: z.string().nullable(),
  amount: Money.nullable().describe('Its amount as the ledger kept it; null for a contact.'),
  reason: LeftInPlaceReason.describe(
    'contact_created: contacts the request created are never deleted; payment_reconciled: Xero’s IsReconciled ' +
      '(matched to a bank statement line); locked_period: dated on or before the organisation’s lock date; ' +
      'changed_in_xero: its UpdatedDateUTC or status is not what the sync left; refused_by_xero: Xero answered no.',
  ),
  detail: z.string().describe('Why, in words; for refused_by_xero, Xero’s message.'),
});
export type LeftInPlace = z.infer<typeof LeftInPlace>;

/**
 * The `type` of a 409 that refuses an undo (problem+json): the request is still open (queued, running, paused,
 * waiting); another open request of the business covers some of its orders; its undo is already running; or
 * nothing is left to take back (a second undo of a fully undone request writes nothing: it is refused).
 */
export const UndoRefusal = z.enum(['request_open', 'orders_in_use', 'undo_running', 'nothing_to_undo']);
export type UndoRefusal = z.infer<typeof UndoRefusal>;

/** The preview: what an undo would take back and its cost, from the ledger only (no Xero call). */
export const UndoPreview = z.object({
  requestId: z.string(),
  posting: PostingMode.describe('The request’s posting mode; a daily-summary undo takes back its summaries.'),
  orders: z.number().int().describe('Orders whose documents the undo takes back (they can be synced again).'),
  takeBack: UndoCounts.describe('What it would take back, by kind, as the ledger knows it.'),
  summaries: z
    .object({
      invoices: z
        .number()
        .int()
        .describe('Summary invoices (adjustments included) among invoicesToVoid/Delete.'),
      creditNotes: z.number().int().describe('Summary refund credit notes among creditNotesToVoid/Delete.'),
    })
    .nullable()
    .describe('Daily-summary requests only; null for per-order.'),
  calls: z
    .object({
      reads: z.number().int().describe('GETs that read the documents back first (batched by IDs).'),
      writes: z.number().int().describe('One write per take-back (Xero has no batch delete or void).'),
      total: z.number().int(),
    })
    .describe('The Xero calls the undo is estimated to take, through the organisation’s daily quota.'),
  leftInPlace: z
    .array(LeftInPlace)
    .describe(
      'What is known now to be left in place (contacts the request created, documents in the locked period). ' +
        'Reconciled payments and documents changed in Xero are only known once the undo reads Xero.',
    ),
  canStart: z.boolean().describe('false: POST would be refused now; see `refusal`.'),
  refusal: z
    .object({ type: UndoRefusal, detail: z.string() })
    .nullable()
    .describe('Why an undo cannot start now (the 409 POST would answer), or null.'),
});
export type UndoPreview = z.infer<typeof UndoPreview>;

/** An undo's state words, like the sync's. */
export const UndoState = z.enum([
  'queued',
  'running',
  'waiting_for_quota',
  'cancelled',
  'completed',
  'failed',
]);
export type UndoState = z.infer<typeof UndoState>;

const DoneOfTotal = z.object({ done: z.number().int(), total: z.number().int() });

/** An undo's progress and result: GET /api/sync-requests/{id}/undo, and what POST answers (202). */
export const UndoProgress = z.object({
  requestId: z.string(),
  undoId: z.string().describe('Its workflow id.'),
  state: UndoState,
  runs: z
    .number()
    .int()
    .describe('How many times the undo was started (a cancelled one can be started again).'),
  startedAt: z.string().describe('When the latest run was started.'),
  closedAt: z.string().nullable().describe('When the latest run ended; null while it runs.'),
  cancelling: z.boolean().describe('A cancel was accepted; it stops at the next page of take-backs.'),
  progress: z
    .object({
      payments: DoneOfTotal,
      refunds: DoneOfTotal,
      allocations: DoneOfTotal,
      creditNotes: DoneOfTotal.describe('Voided or deleted.'),
      invoices: DoneOfTotal.describe('Voided or deleted.'),
    })
    .describe(
      'Take-backs done of those to do, by kind (over every run); left-in-place ones count as not done.',
    ),
  done: z.number().int().describe('Take-backs done in all.'),
  total: z.number().int().describe('Take-backs in all.'),
  leftInPlace: z.array(LeftInPlace).describe('What the undo left in Xero, and why.'),
  xeroCalls: z.number().int().describe('Xero calls the undo made so far, retries included.'),
  resumeAt: z.string().nullable().describe('While waiting for Xero’s daily quota: when it resumes.'),
  lastError: z.string().nullable().describe('Why it failed.'),
});
export type UndoProgress = z.infer<typeof UndoProgress>;

/** What POST …/undo/cancel answers. */
export const UndoCancelAccepted = z.object({
  requestId: z.string(),
  state: UndoState.describe('The state when the cancel was accepted; follow GET …/undo.'),
  pending: z.boolean().describe('true: accepted; it stops at the next page of take-backs.'),
});
export type UndoCancelAccepted = z.infer<typeof UndoCancelAccepted>;

/** A request's undo as its detail and the history log show it (null: never undone). */
export const UndoSummary = z.object({
  undoId: z.string(),
  state: UndoState,
  ...DoneOfTotal.shape,
  leftInPlace: z.number().int(),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type UndoSummary = z.infer<typeof UndoSummary>;
