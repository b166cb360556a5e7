import { Invoice, LineAmountTypes, type LineItem } from 'xero-node';

/** xero-node model objects (camelCase; the SDK serializes them to Xero's PascalCase). */
export function sdkInvoice(overrides: Partial<Invoice> = {}): Invoice {
  const line: LineItem = {
    description: 'Coffee beans 1kg',
    quantity: 2,
    unitAmount: 25,
    accountCode: '200',
    taxType: 'OUTPUTY24',
  };
  return {
    type: Invoice.TypeEnum.ACCREC,
    contact: { name: 'Walk-in Customer' },
    date: '2025-03-01',
    dueDate: '2025-03-31',
    status: Invoice.StatusEnum.AUTHORISED,
    lineAmountTypes: LineAmountTypes.Exclusive,
    lineItems: [line],
    ...overrides,
  };
}
