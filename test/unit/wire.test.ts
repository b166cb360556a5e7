import type { CreditNoteDraft, InvoiceDraft } from '../../src/xero/documents';
import { toXeroCreditNote, toXeroInvoice } from '../../src/xero/wire';

const line = {
  Description: 'Mug',
  Quantity: '3',
  UnitAmount: '5.00',
  DiscountAmount: '1.50',
  AccountCode: '200',
  TaxType: 'OUTPUTY24',
};
const common = {
  Reference: 'ord_1',
  contact: { contactId: 'c-1' },
  Date: '2026-03-14',
  CurrencyCode: 'SGD',
  LineAmountTypes: 'Inclusive' as const,
  Status: 'AUTHORISED' as const,
};

describe('the Xero wire edge', () => {
  it('sends a sales invoice line discount', () => {
    const draft: InvoiceDraft = {
      ...common,
      Type: 'ACCREC',
      InvoiceNumber: 'POS-1',
      DueDate: '2026-03-14',
      LineItems: [line],
    };
    expect(toXeroInvoice(draft).lineItems?.[0]).toMatchObject({
      quantity: 3,
      unitAmount: 5,
      discountAmount: 1.5,
    });
  });

  it('never sends a discount on a credit note ("credit notes in Xero do not support discounts"), even one that slipped into a draft', () => {
    const draft = {
      ...common,
      Type: 'ACCRECCREDIT',
      CreditNoteNumber: 'POS-1-CN',
      LineItems: [line],
    } as CreditNoteDraft;
    const [sent] = toXeroCreditNote(draft).lineItems ?? [];
    expect(sent).toEqual({
      description: 'Mug',
      quantity: 3,
      unitAmount: 5,
      accountCode: '200',
      taxType: 'OUTPUTY24',
    });
  });
});
