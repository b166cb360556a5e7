import type {
  ContactMapping,
  DailyLimit,
  PreviewWarning,
  SyncCounts,
  SyncOptions,
  SyncPhase,
  SyncState,
} from '../../contract';

/**
 * The page's side of the HTTP API (the same /api the platform's backend uses, described by /openapi.json),
 * called with the page's session cookie. Only the fields the page shows are declared here; every write sends
 * the page's CSRF token.
 */
export type { DailyLimit };

export type Channel = 'pos' | 'online' | 'b2b';

export interface RequestView {
  id: string;
  state: SyncState;
  channel: Channel;
  locationId: string;
  startDate: string;
  endDate: string;
  contactMapping: ContactMapping;
  retryOf: string | null;
  createdAt: string;
  closedAt: string | null;
  counts: SyncCounts;
  expected: number | null;
  resumeAt: string | null;
  resumeAtIsReset: boolean;
  pausing: boolean;
  lastError: string | null;
  // Only in a request's detail (GET /api/sync-requests/:id, and the live updates).
  phase?: SyncPhase;
  options?: SyncOptions;
  reachedDate?: string | null;
  contacts?: { total: number; done: number };
  xeroCalls?: number;
  plannedCalls?: number | null;
  etaSeconds?: number | null;
  quotaWaits?: number;
  stale?: boolean;
}

export interface HistoryPage {
  items: RequestView[];
  nextCursor: string | null;
}

export interface OrderResult {
  orderId: string;
  orderNumber: string | null;
  placedAt: string | null;
  total: string | null;
  currency: string | null;
  status: 'failed' | 'synced' | 'skipped';
  message: string | null;
  invoiceNumber: string | null;
}

export interface OrdersPage {
  items: OrderResult[];
  nextCursor: string | null;
}

export interface ConnectionView {
  status: 'not_connected' | 'active' | 'needs_reconnect' | 'disconnected';
  kind: 'oauth' | 'custom' | null;
  tenantId: string | null;
  tenantName: string | null;
  lastError: string | null;
}

export interface BusinessView {
  id: string;
  name: string;
  timeZone: string;
  xero: ConnectionView;
}

export interface LocationView {
  id: string;
  name: string;
  channels: Channel[];
}

export interface ContactView {
  contactId: string;
  name: string;
  status: string;
  email: string | null;
  accountNumber: string | null;
}

export interface Preview {
  orders: {
    total: number;
    completed: number;
    refunded: number;
    voided: number;
    alreadySynced: number;
    toSync: number;
  };
  estimate: {
    calls: { total: number };
    quotaWindows: number;
    dayRemaining: number;
    dailyLimit: DailyLimit;
    dailyReserve: number;
    etaSeconds: number;
    sharedWith: number;
  };
  warnings: PreviewWarning[];
}

export interface SubmitBody {
  channel: Channel;
  locationId: string;
  startDate: string;
  endDate: string;
  contactMapping: ContactMapping;
}

export interface Accepted {
  id: string;
  retryOf: string | null;
  replayed: boolean;
}

export interface ControlAnswer {
  state: SyncState;
  pending: boolean;
}

/** An API answer other than 2xx: the problem+json's words, and each field's message. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: Array<{ path: string; message: string }>,
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
  const problem = json as {
    title?: string;
    detail?: string;
    errors?: Array<{ path: string; message: string }>;
  };
  if (res.status === 401) onSessionEnded();
  throw new ApiProblem(
    res.status,
    problem.title ?? `HTTP ${res.status}`,
    problem.detail ?? '',
    problem.errors ?? [],
  );
}

const q = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const api = {
  business: () => call<BusinessView>('GET', '/api/business'),
  locations: () => call<{ items: LocationView[] }>('GET', '/api/business/locations'),
  history: (filter: Record<string, string | undefined>) =>
    call<HistoryPage>('GET', `/api/sync-requests${q({ limit: '10', ...filter })}`),
  request: (id: string) => call<RequestView>('GET', `/api/sync-requests/${encodeURIComponent(id)}`),
  orders: (id: string, status: OrderResult['status'], cursor?: string) =>
    call<OrdersPage>(
      'GET',
      `/api/sync-requests/${encodeURIComponent(id)}/orders${q({ status, cursor, limit: '10' })}`,
    ),
  preview: (body: SubmitBody) => call<Preview>('POST', '/api/sync-requests/preview', body),
  submit: (body: SubmitBody, idempotencyKey: string) =>
    call<Accepted>('POST', '/api/sync-requests', body, { 'idempotency-key': idempotencyKey }),
  control: (id: string, action: 'pause' | 'resume' | 'cancel') =>
    call<ControlAnswer>('POST', `/api/sync-requests/${encodeURIComponent(id)}/${action}`),
  retryFailed: (id: string, idempotencyKey: string) =>
    call<Accepted>('POST', `/api/sync-requests/${encodeURIComponent(id)}/retry-failed`, undefined, {
      'idempotency-key': idempotencyKey,
    }),
  contacts: (search: string) => call<{ items: ContactView[] }>('GET', `/api/xero/contacts${q({ search })}`),
  reconnect: () => call<{ authorizeUrl: string }>('POST', '/manual-sync/reconnect'),
};
