import { expectConformance, http, invoice, startHarness, type Harness } from './support/harness';

/**
 * Undoing what was booked (src/xero-sim/reversals.ts): payment deletion, voiding an invoice or a credit note only
 * once its payments and allocations are gone, lock dates refusing both, and a document voided by someone else.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

const HAS_PAYMENTS = 'This document cannot be edited as it has a payment or credit note allocated to it.';

const messages = (element: { ValidationErrors?: Array<{ Message: string }> }) =>
  (element.ValidationErrors ?? []).map((e) => e.Message);

const setOrganisation = (spec: Record<string, unknown>) =>
  http(h, 'POST', `/__sim/tenants/${h.tenantId}/organisation`, { body: spec });

afterEach(async () => {
  await setOrganisation({ periodLockDate: null, endOfYearLockDate: null });
});

let numbers = 0;
/** An approved invoice of 54.50 (2 × 25 + 9%), dated `date`. */
async function createInvoice(date = '2026-02-01'): Promise<string> {
  const created = await http(h, 'PUT', '/Invoices', {
    body: { Invoices: [invoice({ InvoiceNumber: `RV-${++numbers}`, Date: date, DueDate: date })] },
  });
  expect(created.status).toBe(200);
  return created.body.Invoices[0].InvoiceID as string;
}

async function pay(target: Record<string, unknown>, amount: number, date = '2026-02-02'): Promise<string> {
  const paid = await http(h, 'PUT', '/Payments', {
    body: { Payments: [{ ...target, Account: { Code: '090' }, Amount: amount, Date: date }] },
  });
  expect(paid.status).toBe(200);
  return paid.body.Payments[0].PaymentID as string;
}

async function creditNote(amount: number, date = '2026-02-03'): Promise<string> {
  const created = await http(h, 'PUT', '/CreditNotes', {
    body: {
      CreditNotes: [
        {
          Type: 'ACCRECCREDIT',
          Contact: { Name: 'Walk-in Customer' },
          Date: date,
          Status: 'AUTHORISED',
          LineItems: [
            { Description: 'Refund', Quantity: 1, UnitAmount: amount, AccountCode: '200', TaxType: 'NONE' },
          ],
        },
      ],
    },
  });
  expect(created.status).toBe(200);
  return created.body.CreditNotes[0].CreditNoteID as string;
}

const getInvoice = async (id: string) => (await http(h, 'GET', `/Invoices/${id}`)).body.Invoices[0];
const getNote = async (id: string) => (await http(h, 'GET', `/CreditNotes/${id}`)).body.CreditNotes[0];
const deletePayment = (id: string) => http(h, 'POST', `/Payments/${id}`, { body: { Status: 'DELETED' } });
const voidInvoice = (id: string) =>
  http(h, 'POST', `/Invoices/${id}`, { body: { Invoices: [{ InvoiceID: id, Status: 'VOIDED' }] } });
const voidNote = (id: string) =>
  http(h, 'POST', `/CreditNotes/${id}`, { body: { CreditNotes: [{ CreditNoteID: id, Status: 'VOIDED' }] } });

describe('payment deletion (POST /Payments/{PaymentID}, Status DELETED)', () => {
  it('deletes a payment: the invoice owes again and is AUTHORISED; a second deletion is refused', async () => {
    const id = await createInvoice();
    const paymentId = await pay({ Invoice: { InvoiceID: id } }, 54.5);
    expect((await getInvoice(id)).Status).toBe('PAID');

    const deleted = await deletePayment(paymentId);
    expect(deleted.status).toBe(200);
    expect(deleted.body.Payments[0]).toMatchObject({ PaymentID: paymentId, Status: 'DELETED' });
    expect(await getInvoice(id)).toMatchObject({ Status: 'AUTHORISED', AmountPaid: 0, AmountDue: 54.5 });
    expect((await getInvoice(id)).Payments).toEqual([]);
    expect((await http(h, 'GET', `/Payments/${paymentId}`)).body.Payments[0].Status).toBe('DELETED');

    const again = await deletePayment(paymentId);
    expect(again.status).toBe(400);
    expect(messages(again.body.Elements[0])).toEqual(['Payment not of valid status for modification']);
  });

  it('deletes a refund: the credit note gets its credit back', async () => {
    const noteId = await creditNote(10);
    const refundId = await pay({ CreditNote: { CreditNoteID: noteId } }, 10);
    expect(await getNote(noteId)).toMatchObject({ Status: 'PAID', RemainingCredit: 0 });
    expect((await deletePayment(refundId)).status).toBe(200);
    expect(await getNote(noteId)).toMatchObject({ Status: 'AUTHORISED', RemainingCredit: 10, Payments: [] });
  });

  it('refuses to delete a payment dated in a locked period', async () => {
    const id = await createInvoice('2026-01-05');
    const paymentId = await pay({ Invoice: { InvoiceID: id } }, 20, '2026-01-06');
    await setOrganisation({ periodLockDate: '2026-01-31' });
    const refused = await deletePayment(paymentId);
    expect(refused.status).toBe(400);
    expect(messages(refused.body.Elements[0])).toEqual([
      'The payment date cannot be before the period lock date, currently set at 31-Jan-2026',
    ]);
    expect((await getInvoice(id)).AmountPaid).toBe(20);
  });
});

describe('voiding an invoice', () => {
  it('is refused while a payment remains, and goes through once it is deleted; no payment is taken after', async () => {
    const id = await createInvoice();
    const paymentId = await pay({ Invoice: { InvoiceID: id } }, 20);
    const refused = await voidInvoice(id);
    expect(refused.status).toBe(400);
    expect(messages(refused.body.Elements[0])).toEqual([HAS_PAYMENTS]);

    await deletePayment(paymentId);
    const voided = await voidInvoice(id);
    expect(voided.status).toBe(200);
    expect(voided.body.Invoices[0].Status).toBe('VOIDED');
    const late = await http(h, 'PUT', '/Payments?summarizeErrors=false', {
      body: { Payments: [{ Invoice: { InvoiceID: id }, Account: { Code: '090' }, Amount: 1 }] },
    });
    expect(messages(late.body.Payments[0])).toEqual([
      'Payments can only be made against Authorised documents.',
    ]);
  });

  it('is refused while a credit note is allocated; deleting the allocation gives the credit back', async () => {
    const id = await createInvoice();
    const noteId = await creditNote(10);
    const allocated = await http(h, 'PUT', `/CreditNotes/${noteId}/Allocations`, {
      body: { Allocations: [{ Invoice: { InvoiceID: id }, Amount: 10, Date: '2026-02-03' }] },
    });
    const allocationId = allocated.body.Allocations[0].AllocationID as string;
    expect(messages((await voidInvoice(id)).body.Elements[0])).toEqual([HAS_PAYMENTS]);
    expect(messages((await voidNote(noteId)).body.Elements[0])).toEqual([
      'Credit note not of valid status for modification',
      HAS_PAYMENTS,
    ]);

    const removed = await http(h, 'DELETE', `/CreditNotes/${noteId}/Allocations/${allocationId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ AllocationID: allocationId, IsDeleted: true });
    expect(await getNote(noteId)).toMatchObject({
      Status: 'AUTHORISED',
      RemainingCredit: 10,
      Allocations: [],
    });
    expect(await getInvoice(id)).toMatchObject({ AmountCredited: 0, AmountDue: 54.5 });
    expect((await voidInvoice(id)).body.Invoices[0].Status).toBe('VOIDED');
    expect((await voidNote(noteId)).body.CreditNotes[0].Status).toBe('VOIDED');
  });

  it('is refused for an invoice dated in a locked period, as is voiding a credit note or removing an allocation there', async () => {
    const id = await createInvoice('2026-01-05');
    const noteId = await creditNote(10, '2026-01-06');
    const allocated = await http(h, 'PUT', `/CreditNotes/${noteId}/Allocations`, {
      body: { Allocations: [{ Invoice: { InvoiceID: id }, Amount: 10, Date: '2026-01-07' }] },
    });
    const allocationId = allocated.body.Allocations[0].AllocationID as string;
    const bareNote = await creditNote(5, '2026-01-06');
    const bareInvoice = await createInvoice('2026-01-05');
    await setOrganisation({ endOfYearLockDate: '2026-01-31' });
    const locked =
      'The document date cannot be before the end of year lock date, currently set at 31-Jan-2026';

    const removal = await http(h, 'DELETE', `/CreditNotes/${noteId}/Allocations/${allocationId}`);
    expect(removal.status).toBe(400);
    expect(messages(removal.body.Elements[0])).toEqual([locked]);
    expect(messages((await voidInvoice(bareInvoice)).body.Elements[0])).toEqual([locked]);
    expect(messages((await voidNote(bareNote)).body.Elements[0])).toEqual([locked]);
    expect((await getInvoice(bareInvoice)).Status).toBe('AUTHORISED');
    expect((await getNote(bareNote)).Status).toBe('AUTHORISED');
  });
});

describe('updating the lines of an approved invoice (POST /Invoices/{InvoiceID})', () => {
  const newLines = {
    LineItems: [
      {
        Description: 'Coffee beans 1kg',
        Quantity: 3,
        UnitAmount: 25,
        AccountCode: '200',
        TaxType: 'OUTPUTY24',
      },
    ],
  };
  const update = (id: string) => http(h, 'POST', `/Invoices/${id}`, { body: { Invoices: [newLines] } });

  it('replaces the lines and totals of an AUTHORISED invoice with nothing paid or credited, keeping its status', async () => {
    const id = await createInvoice();
    const res = await update(id);
    expect(res.status).toBe(200);
    expect(res.body.Invoices[0]).toMatchObject({ Status: 'AUTHORISED', Total: 81.75, AmountDue: 81.75 });
    expect((await getInvoice(id)).LineItems).toHaveLength(1);
  });

  it('is refused once a payment or a credit note allocation is on it, and in a locked period', async () => {
    const paid = await createInvoice();
    await pay({ Invoice: { InvoiceID: paid } }, 10);
    const credited = await createInvoice();
    const noteId = await creditNote(5);
    await http(h, 'PUT', `/CreditNotes/${noteId}/Allocations`, {
      body: { Allocations: [{ Invoice: { InvoiceID: credited }, Amount: 5, Date: '2026-02-03' }] },
    });
    const locked = await createInvoice('2026-01-05');
    await setOrganisation({ periodLockDate: '2026-01-31' });

    expect(messages((await update(paid)).body.Elements[0])).toEqual([HAS_PAYMENTS]);
    expect(messages((await update(credited)).body.Elements[0])).toEqual([HAS_PAYMENTS]);
    expect(messages((await update(locked)).body.Elements[0])).toEqual([
      'The document date cannot be before the period lock date, currently set at 31-Jan-2026',
    ]);
    for (const id of [paid, credited, locked]) expect((await getInvoice(id)).Total).toBe(54.5);
  });
});

describe('reading invoices back cheaply (GET /Invoices with IDs, summaryOnly, If-Modified-Since)', () => {
  it('answers only those changed since the instant, without their lines when summaryOnly', async () => {
    const kept = await createInvoice();
    const changed = await createInvoice();
    const since = new Date(h.running.sim.tenantNow(h.running.sim.tenants.get(h.tenantId)!) + 30_000);
    h.running.sim.advanceClock(60);
    expect((await voidInvoice(changed)).status).toBe(200);
    const read = await http(h, 'GET', `/Invoices?IDs=${kept},${changed}&summaryOnly=true`, {
      headers: { 'If-Modified-Since': since.toISOString() },
    });
    expect(read.status).toBe(200);
    expect(read.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID)).toEqual([changed]);
    expect(read.body.Invoices[0]).toMatchObject({ Status: 'VOIDED', Total: 54.5 });
    expect(read.body.Invoices[0].LineItems).toBeUndefined();
    const full = await http(h, 'GET', `/Invoices?IDs=${kept},${changed}`);
    expect(full.body.Invoices).toHaveLength(2);
    expect(full.body.Invoices[0].LineItems).toHaveLength(1);
  });
});

describe('a document voided in Xero by someone else (/__sim/ hook)', () => {
  it('voids the invoice with its payments deleted, and refuses unknown documents', async () => {
    const id = await createInvoice();
    const paymentId = await pay({ Invoice: { InvoiceID: id } }, 54.5);
    const hook = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/invoices/${id}/void`);
    expect(hook.status).toBe(204);
    expect(await getInvoice(id)).toMatchObject({ Status: 'VOIDED', AmountPaid: 0, Payments: [] });
    expect((await http(h, 'GET', `/Payments/${paymentId}`)).body.Payments[0].Status).toBe('DELETED');
    const noteId = await creditNote(3);
    expect((await http(h, 'POST', `/__sim/tenants/${h.tenantId}/credit-notes/${noteId}/void`)).status).toBe(
      204,
    );
    expect((await getNote(noteId)).Status).toBe('VOIDED');
    const unknown = await http(
      h,
      'POST',
      `/__sim/tenants/${h.tenantId}/invoices/00000000-0000-0000-0000-000000000001/void`,
    );
    expect(unknown.status).toBe(404);
  });
});

describe('a payment reconciled to a bank statement line (IsReconciled)', () => {
  it('is refused deletion with Xero’s reason, the invoice keeping it, until it is unreconciled (never, here)', async () => {
    const id = await createInvoice();
    const paymentId = await pay({ Invoice: { InvoiceID: id } }, 54.5);
    const hook = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/payments/${paymentId}/reconcile`);
    expect(hook.status).toBe(204);
    expect((await http(h, 'GET', `/Payments/${paymentId}`)).body.Payments[0].IsReconciled).toBe(true);

    const refused = await deletePayment(paymentId);
    expect(refused.status).toBe(400);
    expect(messages(refused.body.Elements[0])).toEqual([
      'This payment has been reconciled to a bank statement line and cannot be deleted; unreconcile it first',
    ]);
    expect(await getInvoice(id)).toMatchObject({ Status: 'PAID', AmountPaid: 54.5 });
    expect(messages((await voidInvoice(id)).body.Elements[0])).toContain(HAS_PAYMENTS);
    const unknown = `/__sim/tenants/${h.tenantId}/payments/00000000-0000-0000-0000-000000000001/reconcile`;
    expect((await http(h, 'POST', unknown)).status).toBe(404);
  });
});

describe('a document edited in Xero by someone else (/__sim/ hook)', () => {
  it('changes its Reference and moves its UpdatedDateUTC, its amounts untouched', async () => {
    const id = await createInvoice();
    const before = await getInvoice(id);
    const edited = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/invoices/${id}/edit`, {
      body: { Reference: 'edited by the bookkeeper' },
    });
    expect(edited.status).toBe(204);
    const after = await getInvoice(id);
    expect(after).toMatchObject({
      Reference: 'edited by the bookkeeper',
      Total: before.Total,
      Status: 'AUTHORISED',
    });
    const ms = (d: string) => Number(/\d+/.exec(d)![0]);
    expect(ms(after.UpdatedDateUTC)).toBeGreaterThanOrEqual(ms(before.UpdatedDateUTC));
    const noteId = await creditNote(3);
    const noteEdit = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/credit-notes/${noteId}/edit`, {
      body: { Reference: 'x' },
    });
    expect(noteEdit.status).toBe(204);
    expect((await getNote(noteId)).Reference).toBe('x');
    const noBody = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/invoices/${id}/edit`, { body: {} });
    expect(noBody.status).toBe(400);
  });
});
