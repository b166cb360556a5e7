import { XeroClient } from 'xero-node';
import { startXeroSim, type RunningXeroSim, type XeroSimOptions } from '../../../src/xero-sim';
import { createConformance, type Conformance } from './openapi';

/** A simulator on a random port, a xero-node client pointed at it, and OpenAPI validation of every exchange. */
export interface Harness {
  running: RunningXeroSim;
  conformance: Conformance;
  tenantId: string;
  accessToken: string;
  xero: XeroClient;
  close(): Promise<void>;
}

export interface CallResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- Xero's raw or deserialized JSON
  headers: Record<string, string>;
}

export async function startHarness(options: Partial<XeroSimOptions> = {}): Promise<Harness> {
  const conformance = createConformance();
  // Generous limits unless a test is about limits, so call counts never make unrelated tests flaky.
  const limits = {
    perMinute: 100_000,
    concurrent: 100,
    perDay: 1_000_000,
    appPerMinute: 1_000_000,
    ...options.limits,
  };
  const running = await startXeroSim({
    port: 0,
    ...options,
    limits,
    onExchange: (e) => conformance.record(e),
  });
  const tenant = running.sim.createTenant({ name: 'Test Company (SG)' });
  const token = running.sim.issueAccessToken([tenant.tenantId]);
  const xero = await xeroClient(running, token.access_token);
  return {
    running,
    conformance,
    tenantId: tenant.tenantId,
    accessToken: token.access_token,
    xero,
    close: () => running.close(),
  };
}

/** xero-node's XeroClient with the Accounting API pointed at the simulator (identity URLs are hard-coded in it). */
export async function xeroClient(running: RunningXeroSim, accessToken: string): Promise<XeroClient> {
  const xero = new XeroClient();
  xero.accountingApi.basePath = running.apiUrl;
  await xero.setTokenSet({ access_token: accessToken, token_type: 'Bearer', expires_in: 1800 });
  return xero;
}

/** Runs a xero-node call and returns status/body/headers whether it resolved or rejected with its JSON string. */
export async function call(
  promise: Promise<{ response: { status: number; headers: unknown }; body: unknown }>,
): Promise<CallResult> {
  try {
    const result = await promise;
    return {
      status: result.response.status,
      body: result.body,
      headers: result.response.headers as Record<string, string>,
    };
  } catch (error) {
    if (typeof error !== 'string') throw error;
    const parsed = JSON.parse(error) as {
      response: { statusCode: number; body: unknown; headers: Record<string, string> };
    };
    return {
      status: parsed.response.statusCode,
      body: parsed.response.body,
      headers: parsed.response.headers,
    };
  }
}

/** Plain HTTP against the simulator, for what xero-node cannot express (raw bodies, identity, /__sim/). */
export async function http(
  h: Harness,
  method: string,
  path: string,
  init: {
    body?: unknown;
    headers?: Record<string, string>;
    token?: string | null;
    tenantId?: string | null;
  } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? h.accessToken : init.token;
  const tenantId = init.tenantId === undefined ? h.tenantId : init.tenantId;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (tenantId) headers['xero-tenant-id'] = tenantId;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const url =
    path.startsWith('/__sim') ||
    path.startsWith('/connect') ||
    path.startsWith('/connections') ||
    path.startsWith('/identity')
      ? `${h.running.baseUrl}${path}`
      : `${h.running.apiUrl}${path}`;
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // plain-text bodies stay strings
  }
  return { status: response.status, body: parsed, headers: Object.fromEntries(response.headers.entries()) };
}

/** Registers an afterEach that fails the test whose exchanges broke Xero's OpenAPI document. */
export function expectConformance(get: () => Harness | undefined): void {
  afterEach(async () => {
    const h = get();
    if (!h) return;
    expect(h.conformance.drain()).toEqual([]);
  });
}

export function invoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'ACCREC',
    Contact: { Name: 'Walk-in Customer' },
    Date: '2025-03-01',
    DueDate: '2025-03-31',
    Status: 'AUTHORISED',
    LineAmountTypes: 'Exclusive',
    LineItems: [
      {
        Description: 'Coffee beans 1kg',
        Quantity: 2,
        UnitAmount: 25,
        AccountCode: '200',
        TaxType: 'OUTPUTY24',
      },
    ],
    ...overrides,
  };
}
