import type { Browser, Page } from 'playwright-core';
import { addDays, localDateOf } from '../../src/calendar';
import type { Reconciliation } from '../../src/contract';
import type { Order } from '../../src/orders/schema';
import {
  collectPageErrors,
  expectThat,
  openPage,
  PHONE,
  requestRow,
  seriousAxeViolations,
  sidewaysOverflow,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness, loadDemoOrders, simInvoices, simStats, voidInSimulator } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { QUICK_SYNC } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Issue 27's reconciliation view on the Manual Syncing page, in a real browser against the real API, Temporal,
 * PostgreSQL and the Xero simulator: a synced range shows no difference, orders not sent show as differences with
 * why, the CSV link answers the rows, and "Check against Xero" shows its cost first and then an invoice voided in
 * the simulator behind the product's back (its day, its order, its amount), highlighted. axe in light and dark.
 */
const businessId = 'biz_reconcile_page';
const TIME_ZONE = 'Asia/Singapore';
const localDay = (days: number) => addDays(localDateOf(new Date().toISOString(), TIME_ZONE), days);
const START = localDay(-5);
const END = localDay(-1);

/** A local day as the page shows it (en-GB in the test's browser): "3 Dec 2026". */
const shownDay = (d: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(new Date(`${d}T00:00:00Z`));
/** An amount as the page shows it: 1,234.50 (the currency's code beside it). */
const shownAmount = (amount: string) => Number(amount).toLocaleString('en-GB', { minimumFractionDigits: 2 });

async function showRange(page: Page, channel: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Which orders to reconcile' });
  await form.getByLabel('Start Date').fill(START);
  await form.getByLabel('End Date').fill(END);
  await form.getByLabel('Channel').selectOption({ label: channel });
  await form.getByRole('button', { name: 'Show' }).click();
}

describe('the reconciliation view on the Manual Syncing page', () => {
  let system: TestSystem;
  let browser: Browser;
  let orders: Order[];
  let requestId: string;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-reconciliation', QUICK_SYNC));
    await createBusiness(system.database.db, businessId);
    orders = await loadDemoOrders(system.database.db, {
      businessId,
      from: START,
      to: END,
      ordersPerDay: 6,
      seed: 27,
    });
    const synced = await syncToEnd(system, { businessId, channel: 'pos', startDate: START, endDate: END });
    expect(synced.result.state).toBe('completed');
    requestId = synced.id;
  }, 180_000);
  afterAll(() => stopWithBrowser({ system, browser }));

  it('shows a synced range with no difference, its CSV, and the orders not sent as differences with why', async () => {
    const pos = orders.filter((o) => o.channel === 'pos');
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.getByRole('link', { name: 'Reconciliation', exact: true }).click();
    await expectThat(page.getByRole('heading', { name: 'Reconciliation', level: 2 })).toBeVisible();
    await showRange(page, 'POS');
    expect(new URL(page.url()).search).toBe(`?startDate=${START}&endDate=${END}&channel=pos`);

    await expectThat(page.locator('.rec-verdict')).toContainText(
      `No difference: the ${pos.length} orders of this range match what Xero holds.`,
    );
    const totals = page.getByRole('region', { name: 'Totals' });
    await expectThat(totals.getByRole('row', { name: /^Sales/ })).toContainText(String(pos.length));
    const rows = page.getByRole('region', { name: 'Reconciliation rows' });
    const api = await system.api(businessId);
    const report = (
      await api.get<Reconciliation>(`/api/reconciliation?startDate=${START}&endDate=${END}&channel=pos`)
    ).body;
    // No difference: every row is shown (none hidden behind the toggle), each saying it matches, none highlighted.
    await expectThat(rows.locator('tbody tr')).toHaveCount(report.rows.length);
    await expectThat(rows.locator('tbody tr.differs')).toHaveCount(0);
    expect(await rows.getByText('Matches').count()).toBe(report.rows.length);
    expect(await page.getByRole('checkbox', { name: /Only rows with a difference \(0\)/ }).isChecked()).toBe(
      false,
    );
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The CSV link answers the same rows.
    const csvLink = page.getByRole('link', { name: 'Download CSV' });
    const href = (await csvLink.getAttribute('href'))!;
    expect(href).toBe(`/api/reconciliation.csv?startDate=${START}&endDate=${END}&channel=pos`);
    const csv = await page.request.get(new URL(href, page.url()).toString());
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(report.rows.length + 1);

    // Every channel: the online and B2B orders were never sent; only the rows that differ are shown, in words.
    await showRange(page, 'Any channel');
    await expectThat(page.locator('.rec-verdict')).toContainText(/rows? of \d+ differ, from \d+ orders?/);
    const toggle = page.getByRole('checkbox', { name: /Only rows with a difference/ });
    expect(await toggle.isChecked()).toBe(true);
    const differing = rows.locator('tbody tr');
    await expectThat(differing.first()).toContainText('Differs by');
    expect(await rows.locator('tbody tr:not(.differs)').count()).toBe(0);
    const online = orders.find((o) => o.channel === 'online' && o.status !== 'voided')!;
    const its = differing.filter({ hasText: shownDay(localDateOf(online.placedAt, TIME_ZONE)) }).filter({
      hasText: online.location.name,
    });
    await its
      .first()
      .getByText(/orders? behind it/)
      .click();
    await expectThat(its.first().locator('details')).toContainText(online.number);
    await expectThat(its.first().locator('details')).toContainText('not sent to Xero');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await toggle.uncheck();
    await expectThat(rows.locator('tbody tr:not(.differs)').first()).toContainText('Matches');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('lays the reconciliation out for a phone: at 375 px no table scrolls sideways, a difference opened', async () => {
    const { context, page } = await openPage(browser, system, businessId, PHONE);
    await page.goto(`${system.apiUrl}/manual-sync/reconciliation?startDate=${START}&endDate=${END}`);
    const rows = page.getByRole('region', { name: 'Reconciliation rows' });
    await expectThat(rows.locator('tbody tr').first()).toContainText('Differs by');
    await rows
      .locator('tbody tr')
      .first()
      .getByText(/orders? behind it/)
      .click();
    await expectThat(rows.locator('tbody tr').first().locator('details')).toContainText('not sent to Xero');
    expect(await sidewaysOverflow(page)).toEqual({ page: PHONE.width, wide: [] });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('from a request’s detail, checks against Xero: its cost first, then an invoice voided behind the product’s back with its day, order and amount, highlighted', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await requestRow(page, requestId).getByRole('link', { name: 'POS · All locations' }).click();
    await page.getByRole('link', { name: 'Reconciliation', exact: true }).click();
    await expectThat(
      page.getByRole('heading', { name: /^Reconciliation · POS · All locations/ }),
    ).toBeVisible();
    await expectThat(page.locator('.rec-verdict')).toContainText('No difference');
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(
      `/api/sync-requests/${requestId}/reconciliation.csv`,
    );

    const inXero = (await simInvoices(system.xero.baseUrl)).filter((i) => i.Status !== 'VOIDED');
    // The check also reads the ledger's credit notes (refunds, voids): its dry run says how many and in how
    // many calls; the invoices it reads are the simulator's live ones, 50 a call.
    const cost = await (
      await system.api(businessId)
    ).post<{ creditNotes: number; calls: number; invoiceCalls: number }>('/api/reconciliation/check', {
      startDate: START,
      endDate: END,
      channel: 'pos',
      dryRun: true,
    });
    expect(cost.body.invoiceCalls).toBe(Math.ceil(inXero.length / 50));
    const { calls, creditNotes } = cost.body;
    const documents = inXero.length + creditNotes;
    const check = page.getByRole('region', { name: 'Check against Xero' });
    const reads = async () => {
      const byEndpoint = (await simStats(system.xero.baseUrl)).calls.byEndpoint;
      return (byEndpoint['GET /Invoices'] ?? 0) + (byEndpoint['GET /CreditNotes'] ?? 0);
    };
    const runCheck = async () => {
      await check.getByRole('button', { name: 'Check against Xero' }).click();
      await expectThat(check.getByRole('status')).toContainText(
        `This reads ${documents} documents from Xero in about ${calls} call${calls === 1 ? '' : 's'} (of your daily limit of`,
      );
      const before = await reads();
      await check.getByRole('button', { name: 'Run the check' }).click();
      await expectThat(check.locator('.check-result')).toBeVisible();
      expect(await reads()).toBe(before + calls);
    };

    // Nothing changed in Xero yet.
    await runCheck();
    await expectThat(check.locator('.check-result')).toContainText(
      `Checked ${inXero.length} invoices and ${creditNotes} credit note${creditNotes === 1 ? '' : 's'} in Xero: none changed, voided or deleted since the sync.`,
    );

    // Someone voids one invoice in Xero.
    const target = orders.find((o) => o.channel === 'pos' && o.status === 'completed')!;
    const invoice = inXero.find((i) => i.Reference === target.id)!;
    await voidInSimulator(system.xero.baseUrl, invoice.InvoiceID);
    await runCheck();
    const found = check.getByRole('region', { name: 'Changed in Xero' });
    await expectThat(check.locator('.check-result')).toContainText(`1 document of ${documents} changed`);
    const row = found.locator('tbody tr');
    await expectThat(row).toHaveCount(1);
    expect(await row.getAttribute('class')).toBe('differs');
    await expectThat(row).toContainText(shownDay(localDateOf(target.placedAt, TIME_ZONE)));
    await expectThat(row).toContainText(target.number);
    await expectThat(row).toContainText(invoice.InvoiceNumber);
    await expectThat(row).toContainText(shownAmount(target.total));
    await expectThat(row).toContainText('Voided in Xero since the sync');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // A refusal of the API (the business's Xero organisation is no longer connected) is said in words beside
    // the button; the dry run reads no Xero, so the refusal comes with the check itself.
    await system.database.db.query('UPDATE businesses SET xero_tenant_id = NULL WHERE id = $1', [businessId]);
    await check.getByRole('button', { name: 'Check against Xero' }).click();
    await check.getByRole('button', { name: 'Run the check' }).click();
    const refusal = check.locator('.check-actions').getByRole('alert');
    await expectThat(refusal).toContainText('The check cannot reach Xero:');
    expect(
      await check.getByRole('button', { name: 'Check against Xero' }).getAttribute('aria-describedby'),
    ).toBe('check-error');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);
});
