import { z } from 'zod';
import type { LinkSpec, Operation } from '../operation';
import {
  ControlAccepted,
  CreateSyncRequestBody,
  HistoryPage,
  HistoryQuery,
  IdempotencyHeaders,
  OrdersPage,
  OrdersQuery,
  PreviewBody,
  PreviewResult,
  Problem,
  Reconciliation,
  ReconciliationCheck,
  ReconciliationCheckBody,
  ReconciliationQuery,
  RequestIdParams,
  SummariesPage,
  SummariesQuery,
  SyncRequestAccepted,
  SyncRequestDetail,
  UndoCancelAccepted,
  UndoPreview,
  UndoProgress,
} from '../../contract';

const BASE = '/api/sync-requests';
const tag = 'Sync requests';

/** What can follow an answer carrying a request's `id`: the request's own operations. */
function requestLinks(except: string[] = []): Record<string, LinkSpec> {
  const all: Record<string, [string, string]> = {
    GetSyncRequest: ['getSyncRequest', 'The request and its progress.'],
    ListOrders: ['listSyncRequestOrders', 'Its per-order results.'],
    Pause: ['pauseSyncRequest', 'Pause it.'],
    Resume: ['resumeSyncRequest', 'Resume it.'],
    Cancel: ['cancelSyncRequest', 'Cancel it.'],
    RetryFailed: ['retryFailedOrders', 'Retry its failed orders once it has ended.'],
    UndoPreview: ['previewSyncRequestUndo', 'What undoing it would take back, and its cost.'],
  };
  return Object.fromEntries(
    Object.entries(all)
      .filter(([, [operationId]]) => !except.includes(operationId))
      .map(([name, [operationId, description]]) => [
        name,
        { operationId, parameters: { id: '$response.body#/id' }, description },
      ]),
  );
}

const acceptedResponse = {
  description:
    'Accepted: the request is recorded and its workflow started (or, on a replayed Idempotency-Key, the earlier request).',
  schema: SyncRequestAccepted,
  headers: {
    Location: 'The request’s URL.',
    'Idempotent-Replayed': '"true" when an earlier request was returned.',
  },
  links: requestLinks(),
};
const notFound = { description: 'No such request for this key’s business.', schema: Problem };
const ended = { description: 'The request has already ended.', schema: Problem };
/** What submit and preview answer when the business or Xero stops the checks. */
const checkFailures = {
  404: { description: 'The businessId is not the key’s business.', schema: Problem },
  409: { description: 'The business has no Xero connection.', schema: Problem },
  502: { description: 'Xero refused the manual-contact check.', schema: Problem },
  503: {
    description:
      'Xero’s daily quota is used up (manual-contact check), or PostgreSQL or Temporal is down (Retry-After).',
    schema: Problem,
  },
};

function control(action: 'pause' | 'resume' | 'cancel', summary: string) {
  return {
    method: 'post',
    path: `${BASE}/:id/${action}`,
    operationId: `${action}SyncRequest`,
    summary,
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      202: {
        description: 'Accepted by the request.',
        schema: ControlAccepted,
        links: requestLinks([`${action}SyncRequest`]),
      },
      404: notFound,
      409: ended,
    },
  } satisfies Operation;
}

export const syncRequestOperations = {
  create: {
    method: 'post',
    path: BASE,
    operationId: 'createSyncRequest',
    summary: 'Submit a manual sync of a date range',
    description:
      'Validates the request against the business (dates in its time zone, location of the channel, manual contact ' +
      'active in Xero), records it and starts its workflow. Send an Idempotency-Key to make retries safe.',
    tag,
    auth: true,
    session: true,
    body: CreateSyncRequestBody,
    headers: IdempotencyHeaders,
    responses: {
      202: acceptedResponse,
      ...checkFailures,
      409: {
        description:
          'The business has no Xero connection; or the range has nothing to send (type "nothing_to_send", with ' +
          '`counts`: no orders, or every one already in Xero or voided).',
        schema: Problem,
      },
      422: { description: 'The Idempotency-Key was used for a different body.', schema: Problem },
    },
  },
  preview: {
    method: 'post',
    path: `${BASE}/preview`,
    operationId: 'previewSyncRequest',
    summary: 'Count, estimate and warn before submitting',
    description:
      'Counts the orders in the range, estimates Xero calls and daily quota windows from the organisation’s ' +
      'remaining quota, and lists warnings. Calls no Xero write endpoint.',
    tag,
    auth: true,
    session: true,
    body: PreviewBody,
    responses: {
      200: { description: 'The preview.', schema: PreviewResult },
      ...checkFailures,
    },
  },
  list: {
    method: 'get',
    path: BASE,
    operationId: 'listSyncRequests',
    summary: 'The history log, newest first',
    tag,
    auth: true,
    session: true,
    query: HistoryQuery,
    responses: { 200: { description: 'A page of requests.', schema: HistoryPage } },
  },
  get: {
    method: 'get',
    path: `${BASE}/:id`,
    operationId: 'getSyncRequest',
    summary: 'Progress of a request (or its final result)',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      200: {
        description: 'The request and its progress.',
        schema: SyncRequestDetail,
        links: requestLinks(['getSyncRequest']),
      },
      404: notFound,
    },
  },
  orders: {
    method: 'get',
    path: `${BASE}/:id/orders`,
    operationId: 'listSyncRequestOrders',
    summary: 'Per-order results of a request',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    query: OrdersQuery,
    responses: { 200: { description: 'A page of order results.', schema: OrdersPage }, 404: notFound },
  },
  summaries: {
    method: 'get',
    path: `${BASE}/:id/summaries`,
    operationId: 'listSyncRequestSummaries',
    summary: 'The daily summaries a request wrote: their Xero numbers, amounts and orders',
    description:
      'Daily-summary requests only (issue 23; a per-order request has none): each summary invoice or refund credit ' +
      'note, its state, Xero’s number and id, what its orders add up to and Xero’s total, and the orders it holds.',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    query: SummariesQuery,
    responses: { 200: { description: 'A page of summaries.', schema: SummariesPage }, 404: notFound },
  },
  exportOrders: {
    method: 'get',
    path: `${BASE}/:id/orders.csv`,
    operationId: 'exportSyncRequestOrders',
    summary: 'Every order of a request as CSV, with its outcome, Xero invoice number and reason',
    description:
      'Columns: order_number, placed_at, total, currency, outcome (synced, failed or skipped), xero_invoice_number, ' +
      'xero_invoice_id, reason (a failed order’s reason in plain words), details (Xero’s message, or why it was ' +
      "skipped). RFC 4180, UTF-8; a text starting with =, +, - or @ is prefixed with ' so no spreadsheet runs it.",
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      200: {
        description: 'The CSV, one row per order, in order-id order.',
        schema: z.string(),
        contentType: 'text/csv',
        headers: { 'Content-Disposition': 'attachment; filename="<request id>-orders.csv"' },
      },
      404: notFound,
    },
  },
  reconciliation: {
    method: 'get',
    path: `${BASE}/:id/reconciliation`,
    operationId: 'reconcileSyncRequest',
    summary: 'The request’s orders against what Xero holds for them, per day × location and payment method',
    description:
      'From the ledger only (no Xero call): each order’s latest revision against the invoice, credit notes and ' +
      'payments Xero answered for it; a row’s difference lists the orders behind it (docs/reconciliation.md).',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: { 200: { description: 'The reconciliation.', schema: Reconciliation }, 404: notFound },
  },
  reconciliationCsv: {
    method: 'get',
    path: `${BASE}/:id/reconciliation.csv`,
    operationId: 'exportSyncRequestReconciliation',
    summary: 'The request’s reconciliation as CSV, one line per row',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      200: { description: 'The CSV (RFC 4180, UTF-8).', schema: z.string(), contentType: 'text/csv' },
      404: notFound,
    },
  },
  rangeReconciliation: {
    method: 'get',
    path: '/api/reconciliation',
    operationId: 'reconcileRange',
    summary:
      'A date range’s orders (any request) against what Xero holds, per day × location and payment method',
    tag,
    auth: true,
    session: true,
    query: ReconciliationQuery,
    responses: { 200: { description: 'The reconciliation.', schema: Reconciliation } },
  },
  rangeReconciliationCsv: {
    method: 'get',
    path: '/api/reconciliation.csv',
    operationId: 'exportRangeReconciliation',
    summary: 'A date range’s reconciliation as CSV, one line per row',
    tag,
    auth: true,
    session: true,
    query: ReconciliationQuery,
    responses: {
      200: { description: 'The CSV (RFC 4180, UTF-8).', schema: z.string(), contentType: 'text/csv' },
    },
  },
  checkAgainstXero: {
    method: 'post',
    path: '/api/reconciliation/check',
    operationId: 'checkAgainstXero',
    summary:
      'Read back what the ledger says is in Xero, and report invoices changed, voided or deleted since',
    description:
      'Reads through the organisation’s limiter (GET /Invoices by IDs, 50 a call, summaryOnly, If-Modified-Since); ' +
      '`dryRun: true` answers the call cost first, reading nothing (docs/reconciliation.md).',
    tag,
    auth: true,
    session: true,
    body: ReconciliationCheckBody,
    responses: {
      200: { description: 'The check, or its cost for a dry run.', schema: ReconciliationCheck },
      ...checkFailures,
    },
  },
  undoPreview: {
    method: 'get',
    path: `${BASE}/:id/undo/preview`,
    operationId: 'previewSyncRequestUndo',
    summary: 'What undoing the request would take back in Xero, its Xero calls, and what it would leave',
    description:
      'From the ledger only (no Xero call): counts per kind (payments and refunds to delete, allocations to ' +
      'remove, credit notes and invoices to void or delete), the call estimate, and what is known to be left in ' +
      'place (contacts the request created, documents in the locked period). `canStart` false with `refusal` says ' +
      'why POST …/undo would be refused now (docs/undo.md).',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: { 200: { description: 'The undo’s preview.', schema: UndoPreview }, 404: notFound },
  },
  undoStart: {
    method: 'post',
    path: `${BASE}/:id/undo`,
    operationId: 'undoSyncRequest',
    summary:
      'Start undoing the request in Xero (its own workflow: paced, resumable, exactly once, cancellable)',
    description:
      'Deletes its payments and refunds, removes its credit-note allocations, voids (or deletes, for drafts) its ' +
      'credit notes and invoices, one Xero write each, and lists what it leaves in place and why. Starting it ' +
      'again after a cancel finishes the rest. Refused (409, `type` names why) while the request is open, while ' +
      'another open request of the business covers any of its orders, while its undo runs, or when nothing is ' +
      'left to take back.',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      202: { description: 'Started: the undo’s state.', schema: UndoProgress },
      404: notFound,
      409: {
        description:
          'Refused: "request_open", "orders_in_use", "undo_running" or "nothing_to_undo" (problem `type`); or ' +
          'the business has no Xero connection.',
        schema: Problem,
      },
      503: { description: 'PostgreSQL or Temporal is down (Retry-After).', schema: Problem },
    },
  },
  undoGet: {
    method: 'get',
    path: `${BASE}/:id/undo`,
    operationId: 'getSyncRequestUndo',
    summary: 'The undo’s state, take-backs done of total, and what it left in place and why',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      200: { description: 'The undo’s state.', schema: UndoProgress },
      404: { description: 'No such request, or it was never undone.', schema: Problem },
    },
  },
  undoCancel: {
    method: 'post',
    path: `${BASE}/:id/undo/cancel`,
    operationId: 'cancelSyncRequestUndo',
    summary: 'Cancel a running undo at its next page (what is done stays done; start it again to finish)',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    responses: {
      202: { description: 'Accepted by the undo.', schema: UndoCancelAccepted },
      404: { description: 'No such request, or it was never undone.', schema: Problem },
      409: { description: 'The undo has already ended.', schema: Problem },
    },
  },
  pause: control('pause', 'Pause a request at the next batch boundary'),
  resume: control('resume', 'Resume a paused request'),
  cancel: control('cancel', 'Cancel a request (orders already in Xero stay there)'),
  retryFailed: {
    method: 'post',
    path: `${BASE}/:id/retry-failed`,
    operationId: 'retryFailedOrders',
    summary: 'Start a new request for only the failed orders of an ended one',
    tag,
    auth: true,
    session: true,
    params: RequestIdParams,
    headers: IdempotencyHeaders,
    responses: {
      202: acceptedResponse,
      404: notFound,
      409: { description: 'The request is still running, or has no failed orders.', schema: Problem },
      422: { description: 'The Idempotency-Key was used for a different request.', schema: Problem },
    },
  },
} satisfies Record<string, Operation>;
