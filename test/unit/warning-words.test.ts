import type { PreviewWarning } from '../../src/contract';
import { warningWords } from '../../src/web/client/warning-words';

/** The preview's code warnings in the page's words: the codes, and how many orders each holds back. */
describe('preview warnings in the page’s words', () => {
  it('an unmapped tax code names the code and how many orders use it', () => {
    const w: PreviewWarning = {
      code: 'unmapped_tax_code',
      message: 'Order tax codes with no Xero TaxType in the business settings; …',
      count: 1,
      examples: ['GST9X'],
      perCode: [{ code: 'GST9X', orders: 3 }],
    };
    expect(warningWords(w)).toBe(
      '1 tax code ("GST9X" on 3 orders) has no Xero tax rate in your Settings: those orders will fail until it is added.',
    );
  });

  it('several codes each with their count, and how many more the API did not name', () => {
    const w: PreviewWarning = {
      code: 'unmapped_payment_method',
      message: '…',
      count: 12,
      examples: ['cash', 'card'],
      perCode: [
        { code: 'cash', orders: 1 },
        { code: 'card', orders: 1200 },
      ],
    };
    expect(warningWords(w)).toBe(
      '12 payment methods ("cash" on 1 order, "card" on 1,200 orders, and 10 more) have no Xero bank account in your Settings: those payments will not be recorded.',
    );
  });

  it('other warnings keep the API’s message', () => {
    const w: PreviewWarning = {
      code: 'already_synced',
      message: '4 orders are already in Xero.',
      count: 4,
      examples: [],
    };
    expect(warningWords(w)).toBe('4 orders are already in Xero.');
  });
});
