import type { Order } from '../../src/orders/schema';
import { mapOrder } from '../../src/engine/invoice-mapping';
import type { InvoiceMapping, MappingSettings } from '../../src/engine/invoice-mapping';
import { currencyProblem, organisationProblem, organisationReads } from '../../src/engine/organisation-rules';
import { bindingLock, dayOfXeroDate, monthlyInvoiceCap, xeroDay } from '../../src/xero/organisation';
import type { OrganisationFacts } from '../../src/xero/organisation';
import { mappingSettings } from '../support/mapping';

const settings = mappingSettings();

const facts = (overrides: Partial<OrganisationFacts> = {}): OrganisationFacts => ({
  tenantId: 't-1',
  name: 'Demo Company (SG)',
  baseCurrency: 'SGD',
  currencies: ['SGD', 'USD'],
  shortCode: '!abcde',
  planClass: 'STANDARD',
  periodLockDate: null,
  endOfYearLockDate: '2025-12-31',
  readAt: '2026-01-05T00:00:00.000Z',
  currenciesReadAt: '2026-01-05T00:00:00.000Z',
  ...overrides,
});

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    number: '1001',
    businessId: 'biz_1',
    channel: 'pos',
    location: { id: 'loc-1', name: 'Orchard Road' },
    customer: null,
    // 1 January 2026, 00:30 in Singapore: 31 December 2025 in UTC, so the local date is what counts.
    placedAt: '2025-12-31T16:30:00Z',
    currency: 'SGD',
    pricesIncludeTax: true,
    lines: [{ description: 'Latte', quantity: 2, unitPrice: '5.50', discount: '0.00', taxCode: 'GST9' }],
    total: '11.00',
    payments: [{ method: 'card', amount: '11.00', paidAt: '2025-12-31T16:31:00Z' }],
    status: 'completed',
    ...overrides,
  };
}

function mapped(o: Order, status: MappingSettings['invoiceStatus'] = 'AUTHORISED'): InvoiceMapping {
  const result = mapOrder(o, { ...settings, invoiceStatus: status }, { name: 'Orchard Road' });
  if (result.kind !== 'invoice') throw new Error(`not mapped: ${JSON.stringify(result)}`);
  return result;
}

const approving = { approving: true, recordPayments: true };
const problem = (o: Order, f = facts(), opts = approving) =>
  organisationProblem(`Order ${o.number} (${o.id})`, o.currency, mapped(o), f, opts);

describe('lock dates', () => {
  it('the later of the two lock dates binds, whichever it is', () => {
    expect(bindingLock(facts({ periodLockDate: '2026-01-31' }))).toEqual({
      date: '2026-01-31',
      kind: 'period',
    });
    expect(bindingLock(facts({ periodLockDate: '2025-06-30' }))).toEqual({
      date: '2025-12-31',
      kind: 'end of year',
    });
    expect(bindingLock(facts({ endOfYearLockDate: null }))).toBeNull();
  });

  it('an order dated the day after the lock date (local date) is written', () => {
    expect(problem(order())).toBeNull();
  });

  it('an order dated on the lock date fails, naming the date and what to do', () => {
    const onLock = order({ placedAt: '2025-12-31T10:00:00+08:00', payments: [] });
    expect(problem(onLock)).toMatch(
      /^Order 1001 \(ord_1\): its invoice is dated 31 Dec 2025, on or before Xero's end of year lock date 31 Dec 2025.*ask your adviser to move the lock date in Xero.*then retry the failed orders\.$/,
    );
  });

  it('a payment or a refund dated on or before the lock date fails the whole order', () => {
    const paidBefore = order({
      payments: [{ method: 'card', amount: '11.00', paidAt: '2025-12-20T10:00:00+08:00' }],
    });
    expect(problem(paidBefore)).toMatch(/a payment is dated 20 Dec 2025/);
    // Without recording payments, that payment is not written, so it does not matter.
    expect(problem(paidBefore, facts(), { approving: true, recordPayments: false })).toBeNull();
  });

  it('a refund dated after the lock date of an order dated before it fails with its order', () => {
    const refunded = order({
      placedAt: '2025-12-20T10:00:00+08:00',
      payments: [],
      status: 'refunded',
      refund: { amount: '11.00', refundedAt: '2026-01-10T10:00:00+08:00' },
    });
    expect(problem(refunded)).toMatch(/its invoice is dated 20 Dec 2025.*none of its documents is written/);
  });

  it('drafts are not locked: Xero lets them in a locked period', () => {
    const onLock = order({ placedAt: '2025-12-31T10:00:00+08:00', payments: [] });
    expect(
      organisationProblem('o', 'SGD', mapped(onLock, 'DRAFT'), facts(), {
        approving: false,
        recordPayments: true,
      }),
    ).toBeNull();
  });
});

describe('currencies', () => {
  it('the base currency and enabled ones pass; another fails with the organisation and what to do', () => {
    expect(currencyProblem('SGD', facts())).toBeNull();
    expect(currencyProblem('USD', facts())).toBeNull();
    expect(currencyProblem('EUR', facts())).toBe(
      'Xero organisation Demo Company (SG) does not have EUR enabled: ask your adviser to add the currency in Xero (Settings → Currencies), then retry the failed orders.',
    );
    expect(problem(order({ currency: 'EUR' }))).toMatch(/does not have EUR enabled/);
  });

  it('unknown currencies (not read) or no facts at all leave it to Xero', () => {
    expect(currencyProblem('EUR', facts({ currencies: null }))).toBeNull();
    expect(currencyProblem('EUR', null)).toBeNull();
  });
});

describe('what a request reads and how the facts read', () => {
  it('reads GET /Organisation when something may be written, and GET /Currencies only for a foreign currency', () => {
    expect(organisationReads(0, [], 'SGD')).toBe(0);
    expect(organisationReads(5, ['SGD'], 'SGD')).toBe(1);
    expect(organisationReads(5, ['SGD', 'USD'], 'SGD')).toBe(2);
    expect(organisationReads(5, ['USD'], 'SGD')).toBe(2);
    // The base not known yet: one currency is taken to be the base.
    expect(organisationReads(5, ['NZD'], null)).toBe(1);
    expect(organisationReads(5, ['NZD', 'AUD'], null)).toBe(2);
  });

  it('reads Xero’s dates (Microsoft JSON, ISO, or the Date xero-node makes of them) as days, and shows them as Xero does', () => {
    expect(dayOfXeroDate('/Date(1767139200000+0000)/')).toBe('2025-12-31');
    expect(dayOfXeroDate(new Date(1767139200000))).toBe('2025-12-31');
    expect(dayOfXeroDate('2025-12-31T00:00:00')).toBe('2025-12-31');
    expect(dayOfXeroDate(undefined)).toBeNull();
    expect(xeroDay('2025-01-05')).toBe('5 Jan 2025');
  });

  it('knows the capped plans', () => {
    expect(monthlyInvoiceCap('STARTER')).toBe(20);
    expect(monthlyInvoiceCap('IGNITE')).toBe(20);
    expect(monthlyInvoiceCap('SIMPLE')).toBe(10);
    expect(monthlyInvoiceCap('STANDARD')).toBeNull();
    expect(monthlyInvoiceCap(null)).toBeNull();
  });
});
