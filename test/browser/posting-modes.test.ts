import type { Browser } from 'playwright-core';
import { localDateOf } from '../../src/calendar';
import { generateDemoOrders } from '../../src/orders/seed';
import type { Order } from '../../src/orders/schema';
import { parseDecimal } from '../../src/money';
import { money2 } from '../../src/xero/amounts';
import {
  collectPageErrors,
  expectThat,
  openPage,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness, loadOrders, simInvoices } from '../support/orders';
import { syncResult } from '../support/requests';
import { QUICK_SYNC } from '../support/system';
import { BUSINESS_TIME_ZONE, localDay } from '../support/businesses';
import type { TestSystem } from '../support/system';

/**
 * Issue 23 on the Manual Syncing page, in a real browser against the real API, Temporal, PostgreSQL and the Xero
 * simulator: the Add Sync Request dialog offers the posting mode, compares both modes in its preview, and shows
 * the API's refusal of a daily summary where it does not apply.
 */
const businessId = 'biz_posting';

describe('posting modes on the Manual Syncing page', () => {
  let system: TestSystem;
  let browser: Browser;
  let orders: Order[];
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-posting', QUICK_SYNC));
    await createBusiness(system.database.db, businessId);
    orders = [
      ...generateDemoOrders({
        businessId,
        from: localDay(-10),
        to: localDay(-1),
        ordersPerDay: 12,
        seed: 15,
      }),
    ];
    await loadOrders(system.database.db, orders);
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('refuses a daily summary for online orders with auto-matched contacts, saying why, in the dialog and its preview', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    const preview = dialog.getByRole('region', { name: 'Preview' });
    const summary = dialog.getByRole('radio', { name: /Daily summary/ });
    // POS with auto contacts: both modes apply, per order by default, side by side in the preview.
    await expectThat(dialog.getByRole('table', { name: 'Posting modes compared' })).toBeVisible();
    expect(await dialog.getByRole('radio', { name: /One invoice per order/ }).isChecked()).toBe(true);
    expect(await summary.isDisabled()).toBe(false);
    await expectThat(dialog.locator('#add-posting-daily-summary')).toContainText(
      /One invoice per location and day/,
    );

    await dialog.getByLabel('Sales Channel').selectOption({ label: 'Online Store' });
    const refusal = /one contact for the whole day, but online orders with contactMapping "auto"/;
    await expectThat(dialog.locator('#add-posting-daily-summary')).toContainText(refusal);
    await expectThat(preview.getByRole('row', { name: /Daily summary/ })).toContainText(refusal);
    expect(await summary.isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Chosen first on POS, then the channel changed: the API refuses the body, and its message is under Posting.
    await dialog.getByLabel('Sales Channel').selectOption({ label: 'POS' });
    await expectThat(summary).toBeEnabled();
    await summary.check();
    await expectThat(preview.getByRole('row', { name: /Daily summary \(this request\)/ })).toBeVisible();
    await dialog.getByLabel('Sales Channel').selectOption({ label: 'Online Store' });
    await expectThat(dialog.locator('#add-posting-error')).toContainText(refusal);
    expect(await dialog.getByRole('button', { name: 'Submit Sync Request' }).isDisabled()).toBe(true);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('submits last week’s POS orders as daily summaries and shows the request reach Completed: one invoice per location per day, listed in its detail with their orders and linked from each order', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    const preview = dialog.getByRole('region', { name: 'Preview' });
    await dialog.getByRole('radio', { name: /Daily summary/ }).check();
    const lastWeek = orders.filter(
      (o) =>
        o.channel === 'pos' &&
        o.status !== 'voided' &&
        localDateOf(o.placedAt, BUSINESS_TIME_ZONE) >= localDay(-7),
    );
    const days = new Set(
      lastWeek.map((o) => `${o.location.id} ${localDateOf(o.placedAt, BUSINESS_TIME_ZONE)}`),
    );
    const summaryRow = preview.getByRole('row', { name: /Daily summary \(this request\)/ });
    await expectThat(summaryRow).toContainText(new RegExp(`^Daily summary \\(this request\\)${days.size}`));
    await expectThat(preview.getByRole('row', { name: /One invoice per order/ })).toContainText(
      new RegExp(`^One invoice per order${lastWeek.length}`),
    );
    expect(await seriousAxeViolations(page)).toEqual([]);

    await dialog.getByRole('button', { name: 'Submit Sync Request' }).click();
    await expectThat(page.getByRole('status').getByText('Sync request submitted.')).toBeVisible();
    const { rows } = await system.database.db.query<{ id: string }>(
      'SELECT id FROM sync_requests WHERE business_id = $1',
      [businessId],
    );
    expect(rows).toHaveLength(1);
    const id = rows[0]!.id;
    const row = requestRow(page, id);
    await expectThat(row.locator('.state'), 90_000).toContainText(/^Completed$/);
    expect((await syncResult(system, id)).state).toBe('completed');
    // In Xero: one summary per location per day, and no invoice of a single order.
    const invoices = await simInvoices(system.xero.baseUrl);
    expect(invoices.map((i) => i.InvoiceNumber).sort()).toEqual(
      [...days].map((d) => `POS-${d.replace(' ', '-')}`).sort(),
    );

    // Its detail: the summaries with their Xero number and amounts, and each synced order linked to its summary.
    await row.getByRole('link', { name: 'POS · All locations' }).click();
    const table = page.getByRole('region', { name: 'Daily summaries' });
    await expectThat(page.locator('.facts')).toContainText(/Daily summaries(\d+) of \1 in Xero/);
    const first = [...days].sort()[0]!;
    const number = `POS-${first.replace(' ', '-')}`;
    const held = lastWeek.filter(
      (o) => `${o.location.id} ${localDateOf(o.placedAt, BUSINESS_TIME_ZONE)}` === first,
    );
    const total = held.reduce((n, o) => n + parseDecimal(o.total), 0n);
    const heldRow = table.getByRole('row', { name: new RegExp(number) });
    await expectThat(heldRow).toContainText(`${held.length} orders`);
    // As the page shows money (en-GB in the test's browser): 1,234.50.
    const shown = Number(money2(total)).toLocaleString('en-GB', { minimumFractionDigits: 2 });
    await expectThat(heldRow).toContainText(shown);
    await expectThat(heldRow).toContainText('In Xero');
    await heldRow.getByText(`${held.length} orders`).click();
    await expectThat(heldRow.getByRole('listitem').first()).toContainText(held[0]!.number);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const synced = page.getByRole('region', { name: 'Synced orders' });
    const link = synced.getByRole('link', { name: /^POS-/ }).first();
    const target = (await link.textContent())!;
    await link.click();
    expect(new URL(page.url()).hash).toBe(`#summary-${target}`);
    await expectThat(table.locator(`tr#summary-${target}`)).toBeVisible();
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
