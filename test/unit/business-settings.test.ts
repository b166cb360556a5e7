import type { Account, TaxRate } from 'xero-node';
import { checkAgainstXero } from '../../src/businesses/settings';

/** Rules the simulator's seeded organisation cannot show: archived accounts and tax rates. */
const account = (code: string, fields: Record<string, unknown>) =>
  ({ code, name: `Account ${code}`, status: 'ACTIVE', ...fields }) as unknown as Account;
const rate = (taxType: string, fields: Record<string, unknown>) =>
  ({ taxType, name: taxType, status: 'ACTIVE', canApplyToRevenue: true, ...fields }) as unknown as TaxRate;

const accounts = [
  account('200', { type: 'REVENUE', _class: 'REVENUE' }),
  account('201', { type: 'SALES', _class: 'REVENUE', status: 'ARCHIVED' }),
  account('090', { type: 'BANK', _class: 'ASSET' }),
  account('095', { type: 'BANK', _class: 'ASSET', status: 'ARCHIVED' }),
  account('091', { type: 'CURRENT', _class: 'ASSET', enablePaymentsToAccount: true }),
];
const taxRates = [
  rate('OUTPUT2', { effectiveRate: 15 }),
  rate('OLDGST', { effectiveRate: 10, status: 'DELETED' }),
];

describe('settings checked against the organisation', () => {
  it('refuses archived accounts and deleted tax rates, offering active ones', () => {
    expect(
      checkAgainstXero(
        {
          salesAccountCode: '201',
          paymentAccounts: { cash: '095', card: '091' },
          taxTypes: { GST: { taxType: 'OLDGST', rate: '10' } },
        },
        { accounts, taxRates },
      ),
    ).toEqual([
      {
        path: 'salesAccountCode',
        message:
          'Xero account 201 (Account 201) is ARCHIVED; use an active revenue account: 200 (Account 200).',
      },
      {
        path: 'paymentAccounts.cash',
        message:
          'Xero account 095 (Account 095) is ARCHIVED; use an active account that takes payments: 090 (Account 090), 091 (Account 091).',
      },
      {
        path: 'taxTypes.GST.taxType',
        message: 'Xero tax rate OLDGST (OLDGST) is DELETED; use an active one: OUTPUT2 (15%).',
      },
    ]);
  });

  it('accepts decimal rates equal to Xero’s however written', () => {
    expect(
      checkAgainstXero({ taxTypes: { GST: { taxType: 'OUTPUT2', rate: '15.00' } } }, { taxRates }),
    ).toEqual([]);
  });
});
