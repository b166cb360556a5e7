import { archivedContactError } from '../../src/engine/contacts-step';
import { mapOrder } from '../../src/engine/invoice-mapping';
import { currencyProblem, lockedProblem } from '../../src/engine/organisation-rules';
import type { Order } from '../../src/orders/schema';
import { failureReason } from '../../src/requests/failure-reasons';
import type { OrganisationFacts } from '../../src/xero/organisation';
import { mappingSettings } from '../support/mapping';

/**
 * A failed order's reason in plain words, classified from the very sentences the engine writes (and Xero's own
 * validation message): a reworded engine sentence that no longer matches fails here.
 */
const settings = mappingSettings({
  taxTypes: { GST9: { taxType: 'OUTPUT', rate: '9' } },
  paymentAccounts: {},
});

const order: Order = {
  id: 'ord_ux_tax_0',
  number: 'UX-TAX-0',
  businessId: 'biz_1',
  channel: 'pos',
  location: { id: 'loc-1', name: 'Orchard Road' },
  customer: null,
  placedAt: '2026-03-14T10:00:00+08:00',
  currency: 'SGD',
  pricesIncludeTax: true,
  lines: [{ description: 'Latte', quantity: 1, unitPrice: '5.00', discount: '0.00', taxCode: 'GST8' }],
  total: '5.00',
  payments: [],
  status: 'completed',
};

const facts: OrganisationFacts = {
  tenantId: 't1',
  name: 'Demo Coffee Co.',
  baseCurrency: 'SGD',
  currencies: ['SGD'],
  shortCode: '!abc12',
  planClass: 'STANDARD',
  periodLockDate: null,
  endOfYearLockDate: '2026-03-31',
  readAt: '2026-04-01T00:00:00Z',
  currenciesReadAt: '2026-04-01T00:00:00Z',
};

describe('a failed order’s reason in plain words', () => {
  it('an unmapped tax code: the merchant fixes it in the tax mapping; the internal order id is left out', () => {
    const mapped = mapOrder(order, settings, { name: 'Orchard Road' });
    if (mapped.kind !== 'error') throw new Error('expected the mapping to refuse GST8');
    const reason = failureReason(mapped.message, order.id);
    expect(reason).toMatchObject({ code: 'unmapped_tax_code', fixedBy: 'merchant', setting: 'taxTypes' });
    expect(reason.text).toContain('Tax code "GST8"');
    expect(reason.detail).toContain('UX-TAX-0');
    expect(reason.detail).not.toContain('ord_ux_tax_0');
    expect(reason.text).not.toContain('ord_ux_tax_0');
  });

  it('a tax type Xero does not have (Xero’s own message): the merchant fixes the tax mapping; Xero’s text stays', () => {
    const xero = 'The TaxType code NOSUCHTAX does not exist or cannot be used for this type of transaction.';
    const reason = failureReason(xero, order.id);
    expect(reason).toMatchObject({
      code: 'tax_type_not_in_xero',
      fixedBy: 'merchant',
      setting: 'taxTypes',
      detail: xero,
    });
    expect(reason.text).toContain('NOSUCHTAX');
  });

  it('a lock date: the accountant, in Xero', () => {
    const locked = lockedProblem('Order UX-1 (ord_1)', [{ what: 'its invoice', day: '2026-03-14' }], facts)!;
    const reason = failureReason(locked, 'ord_1');
    expect(reason).toMatchObject({ code: 'lock_date', fixedBy: 'accountant', setting: null });
    expect(reason.detail).not.toContain('ord_1');
    // Xero's own wording of it too.
    const xero = 'The document date cannot be before the end of year lock date, currently set at 31-Mar-2026';
    expect(failureReason(xero, 'ord_1')).toMatchObject({
      code: 'lock_date',
      fixedBy: 'accountant',
      detail: xero,
    });
  });

  it('an archived contact: the accountant, in Xero', () => {
    const reason = failureReason(archivedContactError('Orchard Road'), 'ord_1');
    expect(reason).toMatchObject({ code: 'archived_contact', fixedBy: 'accountant', setting: null });
  });

  it('a currency the organisation has not enabled: the accountant, in Xero', () => {
    const reason = failureReason(currencyProblem('EUR', facts)!, 'ord_1');
    expect(reason).toMatchObject({ code: 'currency_not_enabled', fixedBy: 'accountant' });
    expect(reason.text).toContain('EUR');
    expect(failureReason('The currency code EUR is not valid for this organisation.', 'ord_1').code).toBe(
      'currency_not_enabled',
    );
  });

  it('anything else: support, with the recorded text under it', () => {
    const reason = failureReason('Something Xero has never said before', 'ord_1');
    expect(reason).toMatchObject({ code: 'other', fixedBy: 'support', setting: null });
    expect(reason.detail).toBe('Something Xero has never said before');
  });
});
