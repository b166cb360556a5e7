import { CreditNote, Invoice, Payment } from 'xero-node';
import { call, expectConformance, http, startHarness, type Harness } from './support/harness';
import { sdkInvoice } from './support/sdk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

async function createInvoice(number: string, status = Invoice.StatusEnum.AUTHORISED): Promise<string> {
  const result = await call(
    h.xero.accountingApi.createInvoices(
      h.tenantId,
      { invoices: [sdkInvoice({ invoiceNumber: number, status })] },
      false,
    ),
  );
  return result.body.invoices[0].invoiceID as string; // total 54.50 (2 × 25 + 9% GST)
}

const pay = (invoiceID: string, amount: number, code = '090') => ({
  invoice: { invoiceID },
  account: { code },
  amount,
  date: '2025-03-05',
});

describe('payments', () => {
  it('takes many payments in one PUT and marks a fully paid invoice PAID', async () => {
    const a = await createInvoice('P-1');
    const b = await createInvoice('P-2');
    const result = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [pay(a, 54.5), pay(b, 20, '091')] }, false),
    );
    expect(result.status).toBe(200);
    expect(result.body.payments).toHaveLength(2);
    const paid = await call(h.xero.accountingApi.getInvoice(h.tenantId, a));
    expect(paid.body.invoices[0]).toMatchObject({
      status: Invoice.StatusEnum.PAID,
      amountDue: 0,
      amountPaid: 54.5,
    });
    const partial = await call(h.xero.accountingApi.getInvoice(h.tenantId, b));
    expect(partial.body.invoices[0]).toMatchObject({
      status: Invoice.StatusEnum.AUTHORISED,
      amountDue: 34.5,
      amountPaid: 20,
    });
  });

  it('refuses a payment on an invoice that is not AUTHORISED', async () => {
    const draft = await createInvoice('P-3', Invoice.StatusEnum.DRAFT);
    const result = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [pay(draft, 1)] }, false),
    );
    expect(result.body.payments[0].validationErrors[0].message).toBe(
      'Payments can only be made against Authorised documents.',
    );
  });

  it('refuses a payment larger than the amount due', async () => {
    const id = await createInvoice('P-4');
    const result = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [pay(id, 54.51)] }, false),
    );
    expect(result.body.payments[0].validationErrors[0].message).toBe(
      'Payment amount exceeds the amount outstanding on this document.',
    );
  });

  it('refuses a payment to an account that does not accept payments', async () => {
    const id = await createInvoice('P-5');
    const result = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [pay(id, 1, '200')] }, false),
    );
    expect(result.body.payments[0].validationErrors[0].message).toBe(
      'Account type is invalid for making a payment to/from.',
    );
  });
});

describe('credit notes', () => {
  it('creates an ACCRECCREDIT credit note and allocates it to an invoice', async () => {
    const invoiceID = await createInvoice('CN-INV-1');
    const note: CreditNote = {
      type: CreditNote.TypeEnum.ACCRECCREDIT,
      contact: { name: 'Walk-in Customer' },
      date: '2025-03-06',
      status: CreditNote.StatusEnum.AUTHORISED,
      lineItems: [
        { description: 'refund', quantity: 2, unitAmount: 25, accountCode: '200', taxType: 'OUTPUTY24' },
      ],
    };
    const created = await call(
      h.xero.accountingApi.createCreditNotes(h.tenantId, { creditNotes: [note] }, false),
    );
    expect(created.body.creditNotes[0]).toMatchObject({ total: 54.5, remainingCredit: 54.5 });
    const creditNoteID = created.body.creditNotes[0].creditNoteID as string;
    const tooMuch = await call(
      h.xero.accountingApi.createCreditNoteAllocation(
        h.tenantId,
        creditNoteID,
        { allocations: [{ invoice: { invoiceID }, amount: 60, date: '2025-03-06' }] },
        false,
      ),
    );
    expect(tooMuch.body.allocations[0].validationErrors[0].message).toMatch(/exceeds/);
    const ok = await call(
      h.xero.accountingApi.createCreditNoteAllocation(
        h.tenantId,
        creditNoteID,
        { allocations: [{ invoice: { invoiceID }, amount: 54.5, date: '2025-03-06' }] },
        false,
      ),
    );
    expect(ok.status).toBe(200);
    const invoice = await call(h.xero.accountingApi.getInvoice(h.tenantId, invoiceID));
    expect(invoice.body.invoices[0]).toMatchObject({
      status: Invoice.StatusEnum.PAID,
      amountCredited: 54.5,
      amountDue: 0,
    });
    const after = await call(h.xero.accountingApi.getCreditNote(h.tenantId, creditNoteID));
    expect(after.body.creditNotes[0]).toMatchObject({
      remainingCredit: 0,
      status: CreditNote.StatusEnum.PAID,
    });
  });
});

describe('credit note refunds (payments against a credit note)', () => {
  /** An ACCRECCREDIT note totalling 54.50 (2 × 25 + 9% GST). */
  async function createCreditNote(
    overrides: Partial<CreditNote> = {},
  ): Promise<{ creditNoteID: string; creditNoteNumber: string }> {
    const note: CreditNote = {
      type: CreditNote.TypeEnum.ACCRECCREDIT,
      contact: { name: 'Walk-in Customer' },
      date: '2025-03-06',
      status: CreditNote.StatusEnum.AUTHORISED,
      lineItems: [
        { description: 'refund', quantity: 2, unitAmount: 25, accountCode: '200', taxType: 'OUTPUTY24' },
      ],
      ...overrides,
    };
    const created = await call(
      h.xero.accountingApi.createCreditNotes(h.tenantId, { creditNotes: [note] }, false),
    );
    const { creditNoteID, creditNoteNumber } = created.body.creditNotes[0];
    return { creditNoteID: creditNoteID as string, creditNoteNumber: creditNoteNumber as string };
  }

  const refund = (creditNoteID: string, amount: number) => ({
    creditNote: { creditNoteID },
    account: { code: '090' },
    amount,
    date: '2025-03-07',
  });

  async function creditNote(id: string) {
    return (await call(h.xero.accountingApi.getCreditNote(h.tenantId, id))).body.creditNotes[0];
  }

  it('reduces RemainingCredit, lists the refund on the credit note and marks it PAID once fully refunded', async () => {
    const { creditNoteID, creditNoteNumber } = await createCreditNote();
    const before = (await http(h, 'GET', '/__sim/stats')).body.tenants[h.tenantId].stored.payments;
    const first = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [refund(creditNoteID, 20)] }, false),
    );
    expect(first.body.payments[0]).toMatchObject({
      amount: 20,
      paymentType: Payment.PaymentTypeEnum.ARCREDITPAYMENT,
      creditNote: { creditNoteID, creditNoteNumber },
    });
    expect(first.body.payments[0].invoice).toBeUndefined();
    expect(await creditNote(creditNoteID)).toMatchObject({
      remainingCredit: 34.5,
      status: CreditNote.StatusEnum.AUTHORISED,
      payments: [{ paymentID: first.body.payments[0].paymentID, amount: 20 }],
    });
    const rest = await call(
      h.xero.accountingApi.createPayments(
        h.tenantId,
        { payments: [{ creditNoteNumber, account: { code: '090' }, amount: 34.5, date: '2025-03-08' }] },
        false,
      ),
    );
    expect(rest.status).toBe(200);
    const paid = await creditNote(creditNoteID);
    expect(paid).toMatchObject({ remainingCredit: 0, status: CreditNote.StatusEnum.PAID });
    expect(paid.payments).toHaveLength(2);
    const after = (await http(h, 'GET', '/__sim/stats')).body.tenants[h.tenantId].stored.payments;
    expect(after).toBe(before + 2);
  });

  it('refuses an over-refund per element in a mixed batch, saving the valid invoice payment and refund', async () => {
    const invoiceID = await createInvoice('REF-INV-1');
    const small = await createCreditNote();
    const big = await createCreditNote();
    const result = await call(
      h.xero.accountingApi.createPayments(
        h.tenantId,
        {
          payments: [pay(invoiceID, 10), refund(big.creditNoteID, 54.5), refund(small.creditNoteID, 54.51)],
        },
        false,
      ),
    );
    expect(result.status).toBe(200);
    const [invoicePayment, fullRefund, overRefund] = result.body.payments;
    expect(invoicePayment).toMatchObject({ statusAttributeString: 'OK', invoice: { invoiceID } });
    expect(fullRefund).toMatchObject({
      statusAttributeString: 'OK',
      creditNote: { creditNoteID: big.creditNoteID },
    });
    expect(overRefund).toMatchObject({ statusAttributeString: 'ERROR', hasValidationErrors: true });
    expect(overRefund.validationErrors.map((e: { message: string }) => e.message)).toEqual([
      'Payment amount exceeds the amount outstanding on this document.',
    ]);
    expect(await creditNote(small.creditNoteID)).toMatchObject({ remainingCredit: 54.5, payments: [] });
    expect(await creditNote(big.creditNoteID)).toMatchObject({ status: CreditNote.StatusEnum.PAID });
  });

  it('refuses a refund on a DRAFT credit note', async () => {
    const draft = await createCreditNote({ status: CreditNote.StatusEnum.DRAFT });
    const result = await call(
      h.xero.accountingApi.createPayments(h.tenantId, { payments: [refund(draft.creditNoteID, 1)] }, false),
    );
    expect(result.body.payments[0].validationErrors[0].message).toBe(
      'Payments can only be made against Authorised documents.',
    );
    expect(await creditNote(draft.creditNoteID)).toMatchObject({ remainingCredit: 54.5, payments: [] });
  });

  it('GET /CreditNotes filters by CreditNoteNumber and Reference and pages', async () => {
    const wanted = await createCreditNote({ reference: 'ORDER-77' });
    await createCreditNote({ reference: 'ORDER-78' });
    const byNumber = await call(
      h.xero.accountingApi.getCreditNotes(
        h.tenantId,
        undefined,
        `CreditNoteNumber=="${wanted.creditNoteNumber}"`,
      ),
    );
    expect(byNumber.body.creditNotes.map((n: CreditNote) => n.creditNoteID)).toEqual([wanted.creditNoteID]);
    const byReference = await call(
      h.xero.accountingApi.getCreditNotes(h.tenantId, undefined, 'Reference=="ORDER-77"'),
    );
    expect(byReference.body.creditNotes.map((n: CreditNote) => n.creditNoteID)).toEqual([
      wanted.creditNoteID,
    ]);
    const all = await call(h.xero.accountingApi.getCreditNotes(h.tenantId));
    const page = await call(
      h.xero.accountingApi.getCreditNotes(h.tenantId, undefined, undefined, undefined, 2, undefined, 1),
    );
    expect(all.body.creditNotes.length).toBeGreaterThan(1);
    expect(page.body.creditNotes.map((n: CreditNote) => n.creditNoteID)).toEqual([
      all.body.creditNotes[1].creditNoteID,
    ]);
  });
});
