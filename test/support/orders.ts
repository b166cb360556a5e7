import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/db/pool';
import { parseDecimal, sumDecimal } from '../../src/money';
import { upsertBusiness } from './businesses';
import type { BusinessSettings } from '../../src/businesses/store';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { DEMO_LOCATIONS, generateDemoOrders } from '../../src/orders/seed';
import type { SeedOptions } from '../../src/orders/seed';
import type { Order } from '../../src/orders/schema';
import { upsertOrders } from '../../src/orders/store';
import { decodeKey } from '../../src/config';
import { inTransaction } from '../../src/db/pool';
import { ConnectionStore } from '../../src/xero/connection-store';
import { TokenCipher } from '../../src/xero/token-crypto';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID } from '../../src/xero-sim';
import { TEST_TOKEN_ENCRYPTION_KEY } from './harness';
import type { TestSystem } from './system';

/** A business connected to the simulator's demo organisation, with the demo mapping settings. */
export async function createBusiness(
  db: Db,
  id: string,
  settings: Partial<BusinessSettings> = {},
  tenantId = DEMO_TENANT_ID,
): Promise<void> {
  await upsertBusiness(db, {
    id,
    name: id,
    timeZone: 'Asia/Singapore',
    xeroTenantId: tenantId,
    settings: { ...DEMO_SETTINGS, ...settings },
  });
  await connectToSimulator(db, id, tenantId);
}

/**
 * Stores a Custom Connection to the simulator (its demo client) for the business, as
 * `business connect-custom` would, without asking the simulator first: the first Xero call fetches the token.
 */
export async function connectToSimulator(
  db: Db,
  businessId: string,
  tenantId = DEMO_TENANT_ID,
  client = { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET },
): Promise<void> {
  const store = new ConnectionStore(db, new TokenCipher(decodeKey(TEST_TOKEN_ENCRYPTION_KEY)!));
  await inTransaction(db, (tx) =>
    store.put(tx, {
      businessId,
      kind: 'custom',
      tenantId,
      tenantName: null,
      xeroConnectionId: null,
      client,
    }),
  );
}

type TenantOptions = NonNullable<Parameters<TestSystem['xero']['sim']['createTenant']>[0]>;

/**
 * A business on a simulated organisation of its own: its own tenant (its limits, its daily reset) reached through
 * a Custom Connection of its own app, so its quota is no other business's. Answers the organisation's tenant id.
 */
export async function businessOnOwnOrganisation(
  system: TestSystem,
  opts: {
    businessId: string;
    name: string;
    /** The start of its app's client id (the bench's and the scale-out test's apps are told apart by it). */
    clientPrefix: string;
    limits?: TenantOptions['limits'];
    dayResetOffsetSeconds?: number;
    settings?: Partial<BusinessSettings>;
    /** A large organisation (Xero's high-volume threshold, src/xero-sim/high-volume.ts). */
    highVolume?: TenantOptions['highVolume'];
  },
): Promise<string> {
  const { tenantId } = system.xero.sim.createTenant({
    name: opts.name,
    limits: opts.limits,
    dayResetOffsetSeconds: opts.dayResetOffsetSeconds,
    highVolume: opts.highVolume,
  });
  const client = { clientId: `${opts.clientPrefix}-${tenantId.slice(0, 8)}`, clientSecret: randomUUID() };
  system.xero.sim.createClient({ ...client, customConnectionTenantId: tenantId });
  await upsertBusiness(system.database.db, {
    id: opts.businessId,
    name: opts.name,
    timeZone: 'Asia/Singapore',
    xeroTenantId: tenantId,
    settings: { ...DEMO_SETTINGS, ...opts.settings },
  });
  await connectToSimulator(system.database.db, opts.businessId, tenantId, client);
  return tenantId;
}

/**
 * One day (2026-02-02) of 60 completed, card-paid online orders, each from a customer Xero has never seen and none
 * refunded: the day the real-pacing test and bench scenario sync.
 */
export function newCustomersDay(businessId: string, idPrefix: string): Order[] {
  const day = generateDemoOrders({
    businessId,
    from: '2026-02-02',
    to: '2026-02-02',
    ordersPerDay: 60,
    channel: 'online',
    seed: 60,
  });
  return [...day].map(({ refund: _refund, ...o }, i) => ({
    ...o,
    id: `${idPrefix}_${i}`,
    status: 'completed' as const,
    customer: { name: `New Customer ${String(i).padStart(2, '0')}`, email: null },
    payments: [{ method: 'card', amount: o.total, paidAt: o.placedAt }],
  }));
}

/**
 * One small order at one shop: two bags of beans, 21.80 tax inclusive (2 × 10.00 + 9% GST: 20.00 + 1.80), paid by
 * card when placed unless `paid` is false, numbered after its id. What the change and resync tests revise.
 */
export function beansOrder(
  businessId: string,
  id: string,
  opts: { placedAt: string; channel?: Order['channel']; paid?: boolean },
): Order {
  const { placedAt, channel = 'pos', paid = true } = opts;
  return {
    id,
    number: id.replace('ord_', '').toUpperCase(),
    businessId,
    channel,
    location: { id: 'loc_1', name: 'Shop' },
    customer: null,
    placedAt,
    currency: 'SGD',
    pricesIncludeTax: true,
    lines: [{ description: 'Beans', quantity: 2, unitPrice: '10.90', discount: '0.00', taxCode: 'GST9' }],
    total: '21.80',
    payments: paid ? [{ id: 'p1', method: 'card', amount: '21.80', paidAt: placedAt }] : [],
    status: 'completed',
  };
}

/** Seeds contacts into a simulated organisation (archived ones too), in chunks; answers them as stored. */
export async function seedSimContacts(
  baseUrl: string,
  tenantId: string,
  contacts: Array<{ Name: string; ContactStatus?: string }>,
): Promise<Array<{ ContactID: string; Name: string }>> {
  const stored: Array<{ ContactID: string; Name: string }> = [];
  for (let i = 0; i < contacts.length; i += 5000) {
    const res = await fetch(`${baseUrl}/__sim/tenants/${tenantId}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Contacts: contacts.slice(i, i + 5000) }),
    });
    if (res.status !== 201) throw new Error(`seeding contacts answered ${res.status}`);
    stored.push(...((await res.json()) as { Contacts: typeof stored }).Contacts);
  }
  return stored;
}

export async function loadOrders(db: Db, orders: Order[]): Promise<void> {
  for (let i = 0; i < orders.length; i += 1000) await upsertOrders(db, orders.slice(i, i + 1000));
}

/** Generates the demo orders (seeded, so the same options give the same orders), loads them, and answers them. */
export async function loadDemoOrders(db: Db, options: SeedOptions): Promise<Order[]> {
  const orders = [...generateDemoOrders(options)];
  await loadOrders(db, orders);
  return orders;
}

/**
 * A business whose tax code GST9X is mapped to a tax type Xero does not have, and its demo POS orders: every
 * `every`-th order placed on one of `failingDays` uses GST9X on all its lines, so it fails with Xero's own message.
 * Answers the orders loaded.
 */
export async function failingTaxBusiness(
  db: Db,
  businessId: string,
  opts: Omit<SeedOptions, 'businessId' | 'channel'> & { failingDays: string[]; every: number },
): Promise<Order[]> {
  const { failingDays, every, ...seed } = opts;
  await createBusiness(db, businessId, {
    taxTypes: {
      GST9: { taxType: 'OUTPUTY24', rate: '9' },
      GST9X: { taxType: 'NOSUCHTAX', rate: '9' },
    },
  });
  const orders = [...generateDemoOrders({ ...seed, businessId, channel: 'pos' })];
  orders.forEach((o, i) => {
    if (i % every === 0 && failingDays.some((d) => o.placedAt.startsWith(d)))
      o.lines = o.lines.map((l) => ({ ...l, taxCode: 'GST9X' }));
  });
  await loadOrders(db, orders);
  return orders;
}

export interface SimInvoice {
  InvoiceID: string;
  InvoiceNumber: string;
  Reference: string;
  Total: number;
  AmountPaid: number;
  Status: string;
  Contact: { ContactID: string; Name: string };
  Payments?: Array<{ PaymentID: string; Amount: number }>;
}

/** Every invoice the simulator stores for a tenant (its /__sim/ inspection API). */
export async function simInvoices(baseUrl: string, tenantId = DEMO_TENANT_ID): Promise<SimInvoice[]> {
  const res = await fetch(`${baseUrl}/__sim/tenants/${tenantId}/invoices`);
  return ((await res.json()) as { Invoices: SimInvoice[] }).Invoices;
}

/** Someone voids an invoice in Xero, behind the product's back (the simulator's test hook). */
export async function voidInSimulator(
  baseUrl: string,
  invoiceId: string,
  tenantId = DEMO_TENANT_ID,
): Promise<void> {
  const res = await fetch(`${baseUrl}/__sim/tenants/${tenantId}/invoices/${invoiceId}/void`, {
    method: 'POST',
  });
  if (res.status !== 204) throw new Error(`the simulator's void hook answered ${res.status}`);
}

/** Someone reconciles a payment to a bank statement line in Xero (IsReconciled; Xero then refuses to delete it). */
export async function reconcileInSimulator(
  baseUrl: string,
  paymentId: string,
  tenantId = DEMO_TENANT_ID,
): Promise<void> {
  const res = await fetch(`${baseUrl}/__sim/tenants/${tenantId}/payments/${paymentId}/reconcile`, {
    method: 'POST',
  });
  if (res.status !== 204) throw new Error(`the simulator's reconcile hook answered ${res.status}`);
}

export interface SimTenantStats {
  calls: { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> };
  rateLimited: { total: number; byProblem: Record<string, number> };
  peakPerMinute: number;
  peakInFlight: number;
  /** GET /Contacts a large organisation refused with HighVolumeException. */
  highVolumeRefusals: number;
  stored: { invoices: number; payments: number; contacts: number; creditNotes: number };
  duplicateInvoiceNumbers: string[];
  duplicateReferences: string[];
}

export async function simStats(baseUrl: string, tenantId = DEMO_TENANT_ID): Promise<SimTenantStats> {
  const res = await fetch(`${baseUrl}/__sim/stats`);
  const body = (await res.json()) as { tenants: Record<string, SimTenantStats> };
  const stats = body.tenants[tenantId];
  if (!stats) throw new Error(`no stats for tenant ${tenantId}`);
  return stats;
}

/**
 * The exactly-once check: every order that should be in Xero is there exactly once, with the order's total,
 * and its payments recorded exactly once.
 */
export function expectExactlyOnce(orders: Order[], invoices: SimInvoice[]): void {
  const expected = orders.filter((o) => o.status !== 'voided');
  const byReference = new Map<string, SimInvoice[]>();
  for (const inv of invoices)
    byReference.set(inv.Reference, [...(byReference.get(inv.Reference) ?? []), inv]);
  const missing = expected.filter((o) => !byReference.has(o.id)).map((o) => o.id);
  const duplicated = [...byReference].filter(([, list]) => list.length > 1).map(([ref]) => ref);
  // Xero's JSON numbers are read back through their decimal text, never compared as floats.
  const amount = (n: number | undefined) => parseDecimal(String(n ?? 0));
  const wrongTotal = expected.filter(
    (o) => amount(byReference.get(o.id)?.[0]?.Total) !== parseDecimal(o.total),
  );
  const wrongPayments = expected.filter((o) => {
    const paid = sumDecimal(o.payments.map((p) => parseDecimal(p.amount)));
    const inv = byReference.get(o.id)?.[0];
    return amount(inv?.AmountPaid) !== paid || (inv?.Payments?.length ?? 0) !== o.payments.length;
  });
  expect({ missing, duplicated, extra: invoices.length - expected.length }).toEqual({
    missing: [],
    duplicated: [],
    extra: 0,
  });
  expect(wrongTotal.map((o) => o.id)).toEqual([]);
  expect(wrongPayments.map((o) => o.id)).toEqual([]);
}

/**
 * Every order in the simulated organisation exactly once, with its payments (expectExactlyOnce), and every refund
 * as one credit note (expectCreditNotesOnce). Answers the organisation's stats for the test's own checks.
 */
export async function expectSyncedExactlyOnce(
  system: TestSystem,
  orders: Order[],
  tenantId = DEMO_TENANT_ID,
): Promise<SimTenantStats> {
  expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, tenantId));
  const stats = await simStats(system.xero.baseUrl, tenantId);
  expectCreditNotesOnce(orders, stats);
  return stats;
}

/**
 * Refunded orders: exactly one credit note each, and every payment (sales payments and refunds paid back out of
 * credit notes) stored exactly once.
 */
export function expectCreditNotesOnce(orders: Order[], stats: SimTenantStats): void {
  const refunded = orders.filter((o) => o.status === 'refunded');
  const salesPayments = orders
    .filter((o) => o.status !== 'voided')
    .reduce((n, o) => n + o.payments.length, 0);
  // A fully paid refunded order is paid back from its credit note: one refund payment each.
  const refunds = refunded.filter((o) => o.payments.length > 0).length;
  expect({ creditNotes: stats.stored.creditNotes, payments: stats.stored.payments }).toEqual({
    creditNotes: refunded.length,
    payments: salesPayments + refunds,
  });
}

/**
 * Refunded orders whose lines carry discounts, for the credit-note tests: tax-inclusive and exclusive, 9%, 8% and
 * 0% lines (tax codes GST9, GST8, ZERO), 4-decimal unit prices, fractional and large quantities, every order with
 * at least one discounted line; unpaid, fully and partly paid; full and partial refunds. Totals are rounded once
 * per basket, as tills do. Deterministic for a seed.
 */
export function discountedRefundOrders(opts: {
  businessId: string;
  count: number;
  days: string[];
  seed?: number;
}): Order[] {
  let seed = opts.seed ?? 11;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const QUANTITIES = [1, 2, 3, 0.5, 1.25, 2.125, 12, 150];
  const RATES: Record<string, bigint> = { GST9: 9n, GST8: 8n, ZERO: 0n };
  const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  return Array.from({ length: opts.count }, (_, k) => {
    const inclusive = next(2) === 0;
    const lines = Array.from({ length: 1 + next(4) }, (_l, i) => {
      const quantity = QUANTITIES[next(QUANTITIES.length)]!;
      const unitPrice = `${next(30)}.${String(5000 + next(5000)).padStart(4, '0')}`;
      const grossCents = (BigInt(Math.round(quantity * 10_000)) * parseDecimal(unitPrice)) / 1_000_000n;
      const discounted = i === 0 || next(3) !== 0;
      const discount = discounted && grossCents > 1n ? 1n + BigInt(next(Number(grossCents / 3n) + 1)) : 0n;
      return {
        description: `Item ${k}-${i}`,
        quantity,
        unitPrice,
        discount: cents(discount),
        taxCode: ['GST9', 'GST8', 'ZERO'][next(3)]!,
      };
    });
    // Exact basket at 10 decimals (quantity 4 × price 4 decimals, × tax percent), rounded to the cent once.
    let exact = 0n;
    for (const l of lines) {
      const net =
        BigInt(Math.round(l.quantity * 10_000)) * parseDecimal(l.unitPrice) -
        parseDecimal(l.discount) * 10_000n;
      exact += (inclusive ? 100n : 100n + RATES[l.taxCode]!) * net;
    }
    const totalCents = (exact + 50_000_000n) / 100_000_000n;
    const total = cents(totalCents);
    const day = opts.days[k % opts.days.length]!;
    const placedAt = `${day}T${String(8 + (k % 12)).padStart(2, '0')}:${String(k % 60).padStart(2, '0')}:00+08:00`;
    const paidKind = next(3); // 0 unpaid, 1 fully paid, 2 partly paid
    const paid = paidKind === 0 ? 0n : paidKind === 1 ? totalCents : totalCents / 2n;
    const refundCents =
      next(5) < 3 || totalCents < 2n ? totalCents : 1n + BigInt(next(Number(totalCents - 1n)));
    return {
      id: `ord_disc_${k}`,
      number: `D${1000 + k}`,
      businessId: opts.businessId,
      channel: 'pos',
      location: DEMO_LOCATIONS.pos[k % 2]!,
      customer: null,
      placedAt,
      currency: 'SGD',
      pricesIncludeTax: inclusive,
      lines,
      total,
      payments:
        paid > 0n
          ? [{ method: ['card', 'cash', 'paynow'][k % 3]!, amount: cents(paid), paidAt: placedAt }]
          : [],
      status: 'refunded',
      refund: {
        amount: cents(refundCents),
        refundedAt: placedAt.replace(/T\d\d/, 'T21'),
        reason: 'Returned',
      },
    } satisfies Order;
  });
}

export interface SimCreditNote {
  CreditNoteID: string;
  CreditNoteNumber: string;
  Reference?: string;
  Status: string;
  LineAmountTypes: 'Inclusive' | 'Exclusive' | 'NoTax';
  SubTotal: number;
  TotalTax: number;
  Total: number;
  RemainingCredit: number;
  LineItems: Array<{
    Quantity: number;
    UnitAmount: number;
    LineAmount: number;
    TaxAmount: number;
    DiscountAmount?: number;
    DiscountRate?: number;
  }>;
}

/** Every credit note the simulator stores for a tenant (its /__sim/ inspection API; unit amounts at 4 decimals). */
export async function simCreditNotes(baseUrl: string, tenantId = DEMO_TENANT_ID): Promise<SimCreditNote[]> {
  const res = await fetch(`${baseUrl}/__sim/tenants/${tenantId}/credit-notes`);
  return ((await res.json()) as { CreditNotes: SimCreditNote[] }).CreditNotes;
}

/** Orders (or raw objects) as an NDJSON file in a fresh temporary folder, for `importOrdersFile`. */
export function ndjsonFile(orders: unknown[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xms-orders-'));
  const file = path.join(dir, 'orders.ndjson');
  writeFileSync(file, orders.map((o) => JSON.stringify(o)).join('\n') + '\n');
  return file;
}
