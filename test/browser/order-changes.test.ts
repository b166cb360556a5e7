import type { Browser } from 'playwright-core';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import {
  collectPageErrors,
  expectThat,
  openPage,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { beansOrder, createBusiness, loadOrders, ndjsonFile } from '../support/orders';
import { localDay } from '../support/businesses';
import { syncToEnd } from '../support/requests';
import type { TestSystem } from '../support/system';

/**
 * The page shows changes of orders already in Xero apart from new orders (issue 26, docs/revisions.md): the Add
 * Sync Request preview counts them by kind beside the orders to send, and a request's detail the changes it
 * applied by kind beside its synced orders.
 */
const businessId = 'biz_page_changes';
const DAY = localDay(-5);

const order = (id: string, channel: Order['channel'], paid: boolean, minute: number) =>
  beansOrder(businessId, id, {
    placedAt: `${DAY}T10:${String(minute).padStart(2, '0')}:00+08:00`,
    channel,
    paid,
  });

describe('the Manual Syncing page: changes apart from new orders', () => {
  let system: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-changes'));
    await createBusiness(system.database.db, businessId);
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('previews a refund apart from a new order, and a request’s detail shows what it applied by kind', async () => {
    const sold = order('ord_pc1', 'pos', true, 1);
    const unpaid = order('ord_pc2', 'b2b', false, 2);
    await loadOrders(system.database.db, [sold, unpaid]);
    for (const channel of ['pos', 'b2b'] as const)
      expect(
        (await syncToEnd(system, { businessId, channel, startDate: DAY, endDate: DAY })).result.state,
      ).toBe('completed');
    // Later: the POS sale is refunded in part, the B2B order's lines change; a new POS order comes in.
    const refunded: Order = {
      ...sold,
      status: 'refunded',
      refunds: [{ id: 'r1', amount: '5.00', refundedAt: `${DAY}T15:00:00+08:00` }],
    };
    const amended: Order = {
      ...unpaid,
      lines: [{ description: 'Beans', quantity: 3, unitPrice: '10.90', discount: '0.00', taxCode: 'GST9' }],
      total: '32.70',
    };
    expect(await importOrdersFile(system.database.db, ndjsonFile([refunded, amended]))).toMatchObject({
      revised: 2,
      failed: 0,
    });
    await loadOrders(system.database.db, [order('ord_pc3', 'pos', true, 3)]);

    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    await dialog.getByLabel('Start Date').fill(DAY);
    await dialog.getByLabel('End Date').fill(DAY);
    const preview = dialog.getByRole('region', { name: 'Preview' });
    await expectThat(preview).toContainText('1 order to send of 2 orders in the range, 1 already in Xero.');
    await expectThat(preview).toContainText(
      '1 change to orders already in Xero, apart from the new orders: 1 refund.',
    );
    await dialog.getByRole('button', { name: 'Submit Sync Request' }).click();
    await expectThat(page.getByRole('status'), 60_000).toContainText(/POS sync request .*: Completed\./);

    const id = ((await page.locator('li.request').first().getAttribute('id')) ?? '').replace('request-', '');
    await requestRow(page, id).getByRole('link', { name: 'POS · All locations' }).click();
    const facts = page.locator('.detail .facts');
    await expectThat(facts).toContainText('Changes applied (orders already in Xero)1 refund');
    await expectThat(facts).toContainText('Changes not applied0');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The B2B order's change of lines, sent by a request of its own, shows as a line change.
    const b2b = await syncToEnd(system, { businessId, channel: 'b2b', startDate: DAY, endDate: DAY });
    await page.goto(`${system.apiUrl}/manual-sync/requests/${encodeURIComponent(b2b.id)}`);
    await expectThat(page.locator('.detail .facts')).toContainText(
      'Changes applied (orders already in Xero)1 line change',
    );
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
