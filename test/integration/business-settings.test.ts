import { unconnectedBusiness } from '../support/businesses';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { ApiClient, ApiResponse } from '../support/api';
import { createBusiness, simStats } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * The business settings API against the real API, PostgreSQL and the Xero simulator (whose Accounts and TaxRates
 * are a Singapore organisation's: see src/xero-sim/seed.ts). Every answer is checked against the OpenAPI document
 * by the test client.
 */

type FieldError = { path: string; message: string };
type Settings = Record<string, unknown>;

const A = 'biz_settings_a';
const B = 'biz_settings_b';
const OFFLINE = 'biz_settings_offline';

const errorsOf = (res: ApiResponse) => (res.body.errors ?? []) as FieldError[];
const messageAt = (res: ApiResponse, path: string) => errorsOf(res).find((e) => e.path === path)?.message;

describe('business settings API', () => {
  let system: TestSystem;
  let a: ApiClient;
  let b: ApiClient;
  let offline: ApiClient;
  const patch = (client: ApiClient, body: unknown) =>
    client.request('PATCH', '/api/business/settings', { body });
  const settingsOf = async (client: ApiClient) => (await client.get<Settings>('/api/business/settings')).body;
  const xeroReads = async () => {
    const { byEndpoint } = (await simStats(system.xero.baseUrl, DEMO_TENANT_ID)).calls;
    const count = (name: string) =>
      Object.entries(byEndpoint)
        .filter(([endpoint]) => endpoint.includes(name))
        .reduce((n, [, c]) => n + c, 0);
    return { accounts: count('Accounts'), taxRates: count('TaxRates') };
  };

  beforeAll(async () => {
    system = await startTestSystem('business-settings', { worker: false });
    await createBusiness(system.database.db, A);
    await createBusiness(system.database.db, B, { invoiceNumberTemplate: 'B-{number}' });
    await unconnectedBusiness(system.database.db, OFFLINE, {
      name: 'Offline Ltd',
      timeZone: 'Europe/London',
      settings: {},
    });
    [a, b, offline] = await Promise.all([system.api(A), system.api(B), system.api(OFFLINE)]);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('GET /api/business shows the key’s business and its Xero connection, never a token', async () => {
    const res = await a.get('/api/business');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: A,
      name: A,
      timeZone: 'Asia/Singapore',
      xero: { status: 'active', kind: 'custom', tenantId: DEMO_TENANT_ID, tenantName: null, lastError: null },
      // No call made for this organisation yet: the deployment's default limit, and no facts read.
      dailyLimit: { calls: system.cfg.XERO_DAILY_LIMIT, source: 'default' },
      organisation: null,
    });
    const other = await offline.get('/api/business');
    expect(other.body).toMatchObject({
      id: OFFLINE,
      name: 'Offline Ltd',
      xero: { status: 'not_connected', tenantId: null },
    });
  });

  it('GET /api/business/settings answers every setting, defaults included', async () => {
    const res = await a.get('/api/business/settings');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      timeZone: 'Asia/Singapore',
      ...DEMO_SETTINGS,
      invoiceNumberTemplate: '{CHANNEL}-{number}',
      invoiceStatus: 'AUTHORISED',
      dailyQuotaReserve: 500,
      dailyCallLimit: null,
      tracking: [],
      posting: 'per-order',
      summaryLines: 'account',
      summaryNumberTemplate: '{CHANNEL}-{LOCATION}-{DATE}',
    });
  });

  it('PATCH checks the codes in Xero, stores only the fields given and answers the merged settings', async () => {
    const before = await xeroReads();
    const res = await patch(a, {
      timeZone: 'Australia/Sydney',
      salesAccountCode: '260',
      taxTypes: {
        GST9: { taxType: 'OUTPUTY24', rate: '9' },
        GST8: { taxType: 'OUTPUTY23', rate: '8.00' },
        ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
      },
      // 090 is a BANK account; 091 and 092 are current assets with "enable payments" set.
      paymentAccounts: { card: '091', cash: '092', transfer: '090' },
      invoiceNumberTemplate: '{CHANNEL}-{location}-{number}',
      dailyQuotaReserve: 800,
    });
    expect(res.status).toBe(200);
    const expected = {
      timeZone: 'Australia/Sydney',
      salesAccountCode: '260',
      roundingAccountCode: '860',
      taxTypes: {
        GST9: { taxType: 'OUTPUTY24', rate: '9' },
        GST8: { taxType: 'OUTPUTY23', rate: '8.00' },
        ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
      },
      noTaxType: 'NONE',
      paymentAccounts: { card: '091', cash: '092', transfer: '090' },
      invoiceNumberTemplate: '{CHANNEL}-{location}-{number}',
      walkInContactName: 'Walk-in Customer',
      invoiceStatus: 'AUTHORISED',
      dailyQuotaReserve: 800,
      dailyCallLimit: null,
      tracking: [],
      posting: 'per-order',
      summaryLines: 'account',
      summaryNumberTemplate: '{CHANNEL}-{LOCATION}-{DATE}',
    };
    expect(res.body).toEqual(expected);
    expect(await settingsOf(a)).toEqual(expected);
    expect((await a.get('/api/business')).body).toMatchObject({ timeZone: 'Australia/Sydney' });
    // One read of each, through the gateway (and so the tenant's limiter).
    expect(await xeroReads()).toEqual({ accounts: before.accounts + 1, taxRates: before.taxRates + 1 });

    // Fields that need no Xero are changed without asking it.
    const quiet = await patch(a, { invoiceStatus: 'DRAFT', walkInContactName: 'Counter sale' });
    expect(quiet.status).toBe(200);
    expect(quiet.body).toEqual({ ...expected, invoiceStatus: 'DRAFT', walkInContactName: 'Counter sale' });
    expect(await xeroReads()).toEqual({ accounts: before.accounts + 1, taxRates: before.taxRates + 1 });
  });

  it('refuses an unknown account code, naming it and the accounts that would do', async () => {
    const res = await patch(a, { salesAccountCode: '299' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(errorsOf(res)).toHaveLength(1);
    expect(messageAt(res, 'body.salesAccountCode')).toBe(
      'Xero has no account with code "299"; known revenue accounts: 200 (Sales), 260 (Other Revenue), 270 (Interest Income).',
    );
    expect(res.body.detail).toContain('body.salesAccountCode: Xero has no account with code "299"');
  });

  it('refuses an unknown tax type, naming it and the known ones', async () => {
    const res = await patch(a, {
      taxTypes: { GST9: { taxType: 'OUTPUTZZ', rate: '9' }, ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' } },
    });
    expect(res.status).toBe(400);
    expect(errorsOf(res).map((e) => e.path)).toEqual(['body.taxTypes.GST9.taxType']);
    expect(messageAt(res, 'body.taxTypes.GST9.taxType')).toMatch(
      /^Xero has no tax rate "OUTPUTZZ"; known: OUTPUTY24 \(9%\), OUTPUTY23 \(8%\), OUTPUT \(7%\), .*NONE \(0%\)\.$/,
    );
    // INPUTY24 is a purchase rate: not offered for sales.
    expect(messageAt(res, 'body.taxTypes.GST9.taxType')).not.toContain('INPUTY24');
    const unknownNoTax = await patch(a, { noTaxType: 'NOTAX' });
    expect(messageAt(unknownNoTax, 'body.noTaxType')).toMatch(/^Xero has no tax rate "NOTAX"; known: /);
  });

  it('refuses a tax rate whose percentage differs from Xero’s, saying what Xero has', async () => {
    const res = await patch(a, { taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '8' } } });
    expect(res.status).toBe(400);
    expect(messageAt(res, 'body.taxTypes.GST9.rate')).toBe(
      'Xero tax rate OUTPUTY24 (Standard-Rated Supplies) is 9%, not 8%; set the rate to "9" or choose another tax type.',
    );
    const noTax = await patch(a, { noTaxType: 'OUTPUT' });
    expect(messageAt(noTax, 'body.noTaxType')).toBe(
      'Xero tax rate OUTPUT (Standard-Rated Supplies (7%)) is 7%; the no-tax type must be a 0% rate: ZERORATEDOUTPUT (0%), ES33OUTPUT (0%), OSOUTPUT (0%), NONE (0%).',
    );
  });

  it('refuses a purchase-only tax rate for sales', async () => {
    const res = await patch(a, { taxTypes: { GST9: { taxType: 'INPUTY24', rate: '9' } } });
    expect(res.status).toBe(400);
    expect(messageAt(res, 'body.taxTypes.GST9.taxType')).toMatch(
      /^Xero tax rate INPUTY24 \(Standard-Rated Purchases\) cannot be used on sales; use one of: OUTPUTY24/,
    );
  });

  it('refuses a sales account that is not a revenue account', async () => {
    const res = await patch(a, { salesAccountCode: '090' });
    expect(res.status).toBe(400);
    expect(messageAt(res, 'body.salesAccountCode')).toBe(
      'Xero account 090 (Business Bank Account) is a BANK account of class ASSET; the sales account must be a revenue account: 200 (Sales), 260 (Other Revenue), 270 (Interest Income).',
    );
  });

  it('refuses a payment account that takes no payments, and an unknown one, each by payment method', async () => {
    const res = await patch(a, { paymentAccounts: { card: '200', cash: '092', voucher: '999' } });
    expect(res.status).toBe(400);
    expect(errorsOf(res).map((e) => e.path)).toEqual([
      'body.paymentAccounts.card',
      'body.paymentAccounts.voucher',
    ]);
    expect(messageAt(res, 'body.paymentAccounts.card')).toBe(
      'Xero account 200 (Sales) is a REVENUE account of class REVENUE; a payment account must be a BANK account or have "Enable payments to this account" set: 090 (Business Bank Account), 091 (Card clearing), 092 (Cash on hand).',
    );
    expect(messageAt(res, 'body.paymentAccounts.voucher')).toBe(
      'Xero has no account with code "999"; known accounts that take payments: 090 (Business Bank Account), 091 (Card clearing), 092 (Cash on hand).',
    );
  });

  it('refuses a bank account as the rounding account (Xero takes none on an invoice line)', async () => {
    const res = await patch(a, { roundingAccountCode: '090' });
    expect(res.status).toBe(400);
    expect(messageAt(res, 'body.roundingAccountCode')).toMatch(
      /^Xero account 090 \(Business Bank Account\) is a BANK account of class ASSET; Xero does not accept a bank account on an invoice line; use: 091/,
    );
    expect((await patch(a, { roundingAccountCode: '860' })).status).toBe(200);
  });

  it('reports every problem of a change at once and stores none of it', async () => {
    const before = await settingsOf(a);
    const res = await patch(a, {
      salesAccountCode: '299',
      roundingAccountCode: '090',
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '7' } },
      paymentAccounts: { card: '091' },
      walkInContactName: 'Someone else',
    });
    expect(res.status).toBe(400);
    expect(errorsOf(res).map((e) => e.path)).toEqual([
      'body.salesAccountCode',
      'body.roundingAccountCode',
      'body.taxTypes.GST9.rate',
    ]);
    expect(await settingsOf(a)).toEqual(before);
  });

  it('checks what needs no Xero from the request alone, naming each field', async () => {
    const before = await settingsOf(a);
    const res = await patch(a, {
      timeZone: 'Mars/Olympus_Mons',
      invoiceNumberTemplate: '{CHANNEL}-{date}',
      invoiceStatus: 'PAID',
      dailyQuotaReserve: 5000,
      walkInContactName: ' padded ',
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: 9 } },
      paymentAccounts: { card: 'far-too-long-code' },
    });
    expect(res.status).toBe(400);
    const paths = errorsOf(res).map((e) => e.path);
    expect(new Set(paths)).toEqual(
      new Set([
        'body.timeZone',
        'body.invoiceNumberTemplate',
        'body.invoiceStatus',
        'body.dailyQuotaReserve',
        'body.walkInContactName',
        'body.taxTypes.GST9.rate',
        'body.paymentAccounts.card',
      ]),
    );
    expect(messageAt(res, 'body.timeZone')).toBe('must be an IANA time zone such as "Asia/Singapore"');
    const template = errorsOf(res)
      .filter((e) => e.path === 'body.invoiceNumberTemplate')
      .map((e) => e.message);
    expect(template).toEqual([
      'Unknown token {date} in the invoice number template; the tokens are {channel}, {CHANNEL}, {number}, {id}, {location}.',
      'The invoice number template must contain {number} or {id}, otherwise two orders would get the same invoice number.',
    ]);
    expect(messageAt(res, 'body.dailyQuotaReserve')).toBe('must be a whole number from 0 to 4999');
    expect((await patch(a, { dailyQuotaReserve: 12.5 })).status).toBe(400);
    expect((await patch(a, { dailyQuotaReserve: -1 })).status).toBe(400);
    expect(await settingsOf(a)).toEqual(before);
  });

  it('summaryLines round-trips ("product", then "account" again); another value is a 400 naming the field', async () => {
    const before = await settingsOf(a);
    const byProduct = await patch(a, { summaryLines: 'product' });
    expect(byProduct.status).toBe(200);
    expect(byProduct.body).toEqual({ ...before, summaryLines: 'product' });
    expect(await settingsOf(a)).toEqual({ ...before, summaryLines: 'product' });
    const bad = await patch(a, { summaryLines: 'sku' });
    expect(bad.status).toBe(400);
    expect(errorsOf(bad).map((e) => e.path)).toEqual(['body.summaryLines']);
    expect(messageAt(bad, 'body.summaryLines')).toBe(
      'must be "account" (lines per sales account, tax type and tracking option) or "product" (also per product)',
    );
    expect(await settingsOf(a)).toEqual({ ...before, summaryLines: 'product' });
    expect((await patch(a, { summaryLines: 'account' })).status).toBe(200);
    expect(await settingsOf(a)).toEqual(before);
  });

  it('refuses unknown fields, at the top and inside a mapping', async () => {
    const top = await patch(a, { salesAccount: '200', businessId: B });
    expect(top.status).toBe(400);
    expect(errorsOf(top)).toEqual([
      { path: 'body', message: expect.stringMatching(/salesAccount.*businessId/) },
    ]);
    const nested = await patch(a, {
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9', inclusive: true } },
    });
    expect(errorsOf(nested)).toEqual([
      { path: 'body.taxTypes.GST9', message: expect.stringContaining('inclusive') },
    ]);
    const notJsonObject = await a.request('PATCH', '/api/business/settings', { rawBody: '["x"]' });
    expect(notJsonObject.status).toBe(400);
  });

  it('refuses one Xero tax type at two rates, and a taxed rate as the no-tax type', async () => {
    const twoRates = await patch(a, {
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, OLD: { taxType: 'OUTPUTY24', rate: '8' } },
    });
    expect(twoRates.status).toBe(400);
    expect(messageAt(twoRates, 'body.taxTypes.OLD.rate')).toBe(
      'Xero tax type OUTPUTY24 is also mapped from "GST9" at 9%; one Xero tax type has one rate.',
    );
    const clash = await patch(a, { taxTypes: { GST9: { taxType: 'NONE', rate: '9' } } });
    expect(messageAt(clash, 'body.taxTypes.GST9.taxType')).toBe(
      'NONE is the no-tax type (0%), but tax code "GST9" maps it at 9%; use another tax type for one of them.',
    );
  });

  it('without a Xero connection: 409 for codes that need checking in Xero, the rest is saved', async () => {
    // (Its stored sales account is the default "200": sending "200" again would need no check at all.)
    const res = await patch(offline, { salesAccountCode: '260', paymentAccounts: { card: '090' } });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(
      /^salesAccountCode, paymentAccounts must be checked against .* connect it first/,
    );
    const saved = await patch(offline, { invoiceStatus: 'SUBMITTED', timeZone: 'Pacific/Auckland' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ invoiceStatus: 'SUBMITTED', timeZone: 'Pacific/Auckland' });
  });

  it('a key reads and changes only its own business: another business’s settings stay untouched', async () => {
    const bBefore = await settingsOf(b);
    expect(bBefore).toMatchObject({ invoiceNumberTemplate: 'B-{number}' });
    const aBefore = await settingsOf(a);
    expect(aBefore).not.toEqual(bBefore);

    const res = await patch(a, { invoiceNumberTemplate: 'A-{number}', salesAccountCode: '200' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ invoiceNumberTemplate: 'A-{number}', salesAccountCode: '200' });
    // B, through its own key and in the database, is as it was.
    expect(await settingsOf(b)).toEqual(bBefore);
    const { rows } = await system.database.db.query<{
      id: string;
      settings: { invoiceNumberTemplate?: string };
    }>('SELECT id, settings FROM businesses WHERE id = ANY($1) ORDER BY id', [[A, B]]);
    expect(rows.map((r) => [r.id, r.settings.invoiceNumberTemplate])).toEqual([
      [A, 'A-{number}'],
      [B, 'B-{number}'],
    ]);
    // There is no way to name another business: a business id in the body is an unknown field.
    expect((await patch(a, { businessId: B, invoiceStatus: 'DRAFT' })).status).toBe(400);
    expect((await b.get('/api/business')).body).toMatchObject({ id: B });
  });

  it('needs an API key', async () => {
    expect((await a.get('/api/business/settings', null)).status).toBe(401);
    expect((await a.request('PATCH', '/api/business/settings', { body: {}, key: null })).status).toBe(401);
    expect((await a.get('/api/business', 'xms_000000000000_' + 'x'.repeat(43))).status).toBe(401);
  });
});
