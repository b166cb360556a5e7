import type { z } from 'zod';
import type {
  AuthorizeRedirect,
  BusinessView,
  ContactsResult,
  ControlAccepted,
  ControlAction,
  CreateSyncRequestBody,
  HistoryPage,
  HistoryQuery,
  LocationsView,
  MerchantSettings,
  MerchantSettingsPatch,
  OrderOutcome,
  OrdersPage,
  PreviewResult,
  Problem,
  Reconciliation,
  ReconciliationCheck,
  ReconciliationCheckBody,
  ReconciliationQuery,
  SummariesPage,
  SyncRequestAccepted,
  SyncRequestDetail,
  TrackingCategoriesView,
  UndoCancelAccepted,
  UndoPreview,
  UndoProgress,
} from '../../contract';

/**
 * The page's side of the HTTP API (the same /api the platform's backend uses, described by /openapi.json),
 * called with the page's session cookie; every write sends the page's CSRF token. Every shape it reads or sends
 * is the contract's (src/contract/), imported as types only: the bundle holds no schema. What the API answers is
 * each response schema's input side (src/api/operation.ts `reply`), the same as its output for every answer the
 * page reads (test/unit/page-contract.test.ts checks); what the page sends is a request schema's input side
 * (`z.input`: fields with defaults may be left out).
 */

export type { RequestView } from './request-view';

/** A submit's or a preview's body. */
export type SubmitBody = z.input<typeof CreateSyncRequestBody>;

/** The history log's filters and page (the page asks for its own page size). */
export type HistoryFilter = Omit<z.input<typeof HistoryQuery>, 'limit'>;

/** A "Check against Xero"'s body: its scope, and `dryRun` for its cost first. */
export type CheckBody = z.input<typeof ReconciliationCheckBody>;

/** An API answer other than 2xx: the problem+json's words, and each field's message. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: NonNullable<Problem['errors']>,
  ) {
    super(detail || title);
  }
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

/** Called when an answer says the session has ended (401): the page then says what to do. */
let onSessionEnded: () => void = () => undefined;
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken() }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiProblem(
      0,
      'No connection',
      'The server could not be reached; check your connection and try again.',
      [],
    );
  }
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : {};
  if (res.ok) return json as T;
  // problem+json; the page's own routes answer only its title and detail.
  const problem = json as Partial<Problem>;
  if (res.status === 401) onSessionEnded();
  throw new ApiProblem(
    res.status,
    problem.title ?? `HTTP ${res.status}`,
    problem.detail ?? '',
    problem.errors ?? [],
  );
}

/** The query string of these parameters (those without a value left out), with its `?`. */
export const q = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const api = {
  business: () => call<BusinessView>('GET', '/api/business'),
  locations: () => call<LocationsView>('GET', '/api/business/locations'),
  history: (filter: HistoryFilter) =>
    call<HistoryPage>('GET', `/api/sync-requests${q({ limit: '10', ...filter })}`),
  request: (id: string) => call<SyncRequestDetail>('GET', `/api/sync-requests/${encodeURIComponent(id)}`),
  orders: (id: string, status: OrderOutcome, cursor?: string) =>
    call<OrdersPage>(
      'GET',
      `/api/sync-requests/${encodeURIComponent(id)}/orders${q({ status, cursor, limit: '10' })}`,
    ),
  summaries: (id: string, cursor?: string) =>
    call<SummariesPage>(
      'GET',
      `/api/sync-requests/${encodeURIComponent(id)}/summaries${q({ cursor, limit: '10' })}`,
    ),
  preview: (body: SubmitBody) => call<PreviewResult>('POST', '/api/sync-requests/preview', body),
  submit: (body: SubmitBody, idempotencyKey: string) =>
    call<SyncRequestAccepted>('POST', '/api/sync-requests', body, { 'idempotency-key': idempotencyKey }),
  control: (id: string, action: ControlAction) =>
    call<ControlAccepted>('POST', `/api/sync-requests/${encodeURIComponent(id)}/${action}`),
  retryFailed: (id: string, idempotencyKey: string) =>
    call<SyncRequestAccepted>(
      'POST',
      `/api/sync-requests/${encodeURIComponent(id)}/retry-failed`,
      undefined,
      {
        'idempotency-key': idempotencyKey,
      },
    ),
  contacts: (search: string) => call<ContactsResult>('GET', `/api/xero/contacts${q({ search })}`),
  trackingCategories: () => call<TrackingCategoriesView>('GET', '/api/xero/tracking-categories'),
  mappings: () => call<MerchantSettings>('GET', '/api/business/mappings'),
  saveMappings: (patch: MerchantSettingsPatch) =>
    call<MerchantSettings>('PATCH', '/api/business/mappings', patch),
  reconciliation: (scope: ReconciliationQuery) =>
    call<Reconciliation>('GET', `/api/reconciliation${q(scope)}`),
  requestReconciliation: (id: string) =>
    call<Reconciliation>('GET', `/api/sync-requests/${encodeURIComponent(id)}/reconciliation`),
  checkAgainstXero: (body: CheckBody) => call<ReconciliationCheck>('POST', '/api/reconciliation/check', body),
  undoPreview: (id: string) =>
    call<UndoPreview>('GET', `/api/sync-requests/${encodeURIComponent(id)}/undo/preview`),
  startUndo: (id: string) => call<UndoProgress>('POST', `/api/sync-requests/${encodeURIComponent(id)}/undo`),
  undo: (id: string) => call<UndoProgress>('GET', `/api/sync-requests/${encodeURIComponent(id)}/undo`),
  cancelUndo: (id: string) =>
    call<UndoCancelAccepted>('POST', `/api/sync-requests/${encodeURIComponent(id)}/undo/cancel`),
  reconnect: () => call<AuthorizeRedirect>('POST', '/manual-sync/reconnect'),
};
