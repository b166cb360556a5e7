import type { Browser } from 'playwright-core';
import { addDays, localDateOf } from '../../src/calendar';
import type { UndoPreview, UndoProgress } from '../../src/contract';
import {
  collectPageErrors,
  expectThat,
  openPage,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness, loadDemoOrders, reconcileInSimulator, simInvoices } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { QUICK_SYNC } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Issue 27's undo on the Manual Syncing page, in a real browser against the real API, Temporal, PostgreSQL and
 * the Xero simulator: a finished request's detail offers "Undo this request"; its dialog shows the preview (what
 * it takes back by kind, its Xero calls) and asks for an explicit confirm; the detail then follows the undo to
 * Completed, with the list of what it left in place and why (a payment reconciled to a bank line in Xero); the
 * history log shows the undo on its request's row, linked to it. axe in light and dark on each step.
 */
const businessId = 'biz_undo_page';
const TIME_ZONE = 'Asia/Singapore';
const localDay = (days: number) => addDays(localDateOf(new Date().toISOString(), TIME_ZONE), days);
const START = localDay(-3);
const END = localDay(-1);

describe('undo a request on the Manual Syncing page', () => {
  let system: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-undo', QUICK_SYNC));
    await createBusiness(system.database.db, businessId);
    await loadDemoOrders(system.database.db, {
      businessId,
      from: START,
      to: END,
      ordersPerDay: 3,
      seed: 28,
      channel: 'pos',
    });
  }, 120_000);
  afterAll(() => stopWithBrowser({ system, browser }));

  it('previews, confirms, follows the undo to Completed and lists what it left in place; the history links the undo to its request', async () => {
    const { id, result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: START,
      endDate: END,
    });
    expect(result.state).toBe('completed');
    // Someone reconciles one order's payment to a bank statement line in Xero: the undo must leave it.
    const invoices = await simInvoices(system.xero.baseUrl);
    const paid = invoices.find((i) => (i.Payments ?? []).length > 0)!;
    const reconciled = paid.Payments![0]!.PaymentID;
    await reconcileInSimulator(system.xero.baseUrl, reconciled);
    const api = await system.api(businessId);
    const preview = (await api.get<UndoPreview>(`/api/sync-requests/${id}/undo/preview`)).body;
    expect(preview.canStart).toBe(true);

    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await requestRow(page, id).getByRole('link', { name: 'POS · All locations' }).click();
    await page.getByRole('button', { name: 'Undo this request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Undo this sync request?' });
    const shown = dialog.getByRole('region', { name: 'Undo preview' });
    await expectThat(shown).toContainText(
      `It takes back the Xero documents of ${preview.orders} orders, in about ${preview.calls.total} Xero calls`,
    );
    await expectThat(shown).toContainText(`Invoices to void${preview.takeBack.invoicesToVoid}`);
    await expectThat(shown).toContainText(`Payments to delete${preview.takeBack.payments}`);
    expect(preview.takeBack.invoicesToVoid).toBe(invoices.length);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Nothing is written before the confirm.
    expect((await simInvoices(system.xero.baseUrl)).filter((i) => i.Status === 'VOIDED')).toEqual([]);

    await dialog.getByRole('button', { name: 'Undo in Xero' }).click();
    await expectThat(dialog).toBeHidden();
    const undo = page.getByRole('region', { name: 'Undo' });
    await expectThat(undo.locator('.undo-state'), 120_000).toContainText(/^Completed$/);
    const ended = (await api.get<UndoProgress>(`/api/sync-requests/${id}/undo`)).body;
    expect(ended.state).toBe('completed');
    await expectThat(undo.locator('.undo-done')).toContainText(`${ended.done} of ${ended.total} taken back`);
    expect(
      await undo.getByRole('progressbar', { name: 'Progress of the undo' }).getAttribute('aria-valuetext'),
    ).toBe(`${ended.done} of ${ended.total} taken back`);
    const left = undo.getByRole('region', { name: 'Left in place' });
    await expectThat(left.getByRole('row', { name: /Reconciled to a bank statement line/ })).toBeVisible();
    expect(ended.leftInPlace.map((l) => l.reason)).toContain('payment_reconciled');
    await expectThat(left.locator('tbody tr')).toHaveCount(ended.leftInPlace.length);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // In Xero: every invoice but those the list names is voided or deleted.
    const kept = new Set(ended.leftInPlace.filter((l) => l.kind === 'invoice').map((l) => l.xeroId));
    const after = await simInvoices(system.xero.baseUrl);
    for (const i of after.filter((i) => !kept.has(i.InvoiceID) && i.InvoiceID !== paid.InvoiceID))
      expect([i.InvoiceNumber, i.Status]).toEqual([
        i.InvoiceNumber,
        expect.stringMatching(/^(VOIDED|DELETED)$/),
      ]);

    // The history log: the request's row says it was undone, linked to its detail's undo.
    await page.getByRole('link', { name: '← All sync requests' }).click();
    const fact = requestRow(page, id).getByRole('link', { name: /^Completed: \d+ of \d+ taken back/ });
    await expectThat(fact).toContainText(`Completed: ${ended.done} of ${ended.total} taken back`);
    expect(await fact.getAttribute('href')).toBe(`/manual-sync/requests/${id}#undo`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 300_000);
});
