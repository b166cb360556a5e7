import type { Browser } from 'playwright-core';
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
import { createBusiness, failingTaxBusiness } from '../support/orders';
import { syncResult, syncToEnd } from '../support/requests';
import { localDay } from '../support/businesses';
import type { TestSystem } from '../support/system';

/**
 * What a merchant can act on (issue 25): a failed order's reason in plain words with the setting that fixes it,
 * the setting changed on the page, the retry, and the original saying what its retry fixed; a range with nothing to
 * send cannot be submitted; the failed orders fit a phone; axe in light and dark mode on every view touched.
 */
const businessId = 'biz_actions';
const FAILING_DAY = localDay(-12);

describe('the Manual Syncing page: what a merchant can act on', () => {
  let system: TestSystem;
  let browser: Browser;
  let orders: Order[];
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-actions'));
    // GST9X is mapped to a tax type Xero does not have: its orders fail with Xero's own message.
    orders = await failingTaxBusiness(system.database.db, businessId, {
      from: localDay(-14),
      to: localDay(-1),
      ordersPerDay: 4,
      seed: 31,
      failingDays: [FAILING_DAY],
      every: 2,
    });
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('takes a failed order through: a plain reason, the tax mapping fixed on the page, Retry, and the original showing it fixed by the retry', async () => {
    const { id, result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: FAILING_DAY,
      endDate: FAILING_DAY,
    });
    const failed = result.counts.failed;
    expect(failed).toBeGreaterThan(0);
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await expectThat(requestRow(page, id).locator('.state')).toContainText(`Completed with ${failed} errors`);
    await requestRow(page, id).getByRole('link', { name: 'POS · All locations' }).click();

    // The reason in plain words, who can fix it, and Xero's own text under it; no internal order id.
    const table = page.getByRole('region', { name: 'Failed orders', exact: true });
    await expectThat(table).toContainText('Your tax mapping sends Xero the tax type NOSUCHTAX');
    await expectThat(table).toContainText('You can fix this');
    await expectThat(table).toContainText('The TaxType code NOSUCHTAX does not exist');
    expect(await table.textContent()).not.toMatch(/\bord_|\bsr_/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Each synced order opens its invoice in Xero, through the organisation's ShortCode.
    const openInXero = page
      .getByRole('region', { name: 'Synced orders', exact: true })
      .getByRole('link', { name: /^Open .+ in Xero$/ })
      .first();
    expect(await openInXero.getAttribute('href')).toMatch(
      /^https:\/\/go\.xero\.com\/app\/[^/]+\/invoicing\/view\/[0-9a-f-]{36}$/,
    );

    // The link goes to the tax mapping on this page; the fix is checked against Xero and saved.
    await table.getByRole('link', { name: 'Open the tax mapping' }).first().click();
    await expectThat(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    expect(page.url()).toContain('/manual-sync/settings#taxTypes');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const taxType = page.getByLabel('Xero tax type for GST9X');
    expect(await taxType.inputValue()).toBe('NOSUCHTAX');
    // A tax type the organisation does not have is refused beside its row, in Xero's terms.
    await taxType.fill('NOTATAX');
    await page.getByRole('button', { name: 'Save tax mapping' }).click();
    await expectThat(page.locator('#taxTypes .field-error')).toBeVisible();
    await taxType.fill('OUTPUTY24');
    await page.getByRole('button', { name: 'Save tax mapping' }).click();
    await expectThat(page.getByRole('status').getByText('Tax mapping saved')).toBeVisible();
    const api = await system.api(businessId);
    const settings = await api.get<{ taxTypes: Record<string, { taxType: string }> }>(
      '/api/business/settings',
    );
    expect(settings.body.taxTypes.GST9X).toEqual({ taxType: 'OUTPUTY24', rate: '9' });

    // Back to the request: Retry; then the original says the retry fixed its errors, and offers Retry no more.
    await page.goBack();
    await page.getByRole('button', { name: 'Retry failed orders' }).click();
    await expectThat(
      page.getByRole('status').getByText('Retry of the failed orders submitted.'),
    ).toBeVisible();
    expect(await page.getByRole('button', { name: 'Retry failed orders' }).count()).toBe(0);
    const retryId = (await page.getByRole('link', { name: /^sr_/ }).first().textContent())!;
    await syncResult(system, retryId);
    await page.reload();
    await expectThat(page.locator('.detail .outcome')).toContainText(
      `${failed} errors, fixed by retry ${retryId}`,
    );
    await expectThat(page.locator('.detail .state')).toContainText(`Completed with ${failed} errors`);
    expect(await page.getByRole('button', { name: 'Retry failed orders' }).count()).toBe(0);
    await page.getByRole('link', { name: '← All sync requests' }).click();
    await expectThat(requestRow(page, id).locator('.outcome')).toContainText(`fixed by retry ${retryId}`);
    // The one 400 is the refused NOTATAX above, by design; nothing else went wrong.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await context.close();
  }, 180_000);

  it('disables Submit with the reason when the range has nothing to send (empty, or already in Xero)', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    // Before any order of the business: an empty range.
    await dialog.getByLabel('Start Date').fill(localDay(-60));
    await dialog.getByLabel('End Date').fill(localDay(-50));
    await expectThat(dialog).toContainText('Nothing to send: no orders in this range');
    const submit = dialog.getByRole('button', { name: 'Submit Sync Request' });
    expect(await submit.isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The failing day, all of it in Xero once the retry above ran: already in Xero.
    await dialog.getByLabel('Start Date').fill(FAILING_DAY);
    await dialog.getByLabel('End Date').fill(FAILING_DAY);
    await expectThat(dialog).toContainText(/Nothing to send: \d+ orders in this range, \d+ already in Xero/);
    expect(await submit.isDisabled()).toBe(true);
    // A range with orders to send enables it again.
    await dialog.getByLabel('End Date').fill(localDay(-1));
    await expectThat(dialog.getByRole('region', { name: 'Preview' })).toContainText('orders to send');
    await expectThat(submit).toBeEnabled();
    await context.close();
  }, 60_000);

  it('after Submit focuses the new row and announces its end; searches the history by order number with the filters kept in the address; exports a request as CSV', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    // Submit: focus moves to the new row (not to the page's body), and its end is announced.
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    await dialog.getByLabel('Start Date').fill(localDay(-9));
    await dialog.getByLabel('End Date').fill(localDay(-8));
    const submit = dialog.getByRole('button', { name: 'Submit Sync Request' });
    await expectThat(submit).toBeEnabled();
    await submit.click();
    const submitted = page.getByRole('status').getByText('Sync request submitted.');
    await expectThat(submitted).toBeVisible();
    await expectThat(page.locator('li.request').first()).toBeFocused();
    await expectThat(page.getByRole('status'), 60_000).toContainText(/POS sync request .*: Completed\./);
    // The notification went by itself (NOTE_SECONDS), without a click.
    await expectThat(submitted, 30_000).toBeHidden();

    // Search by order number: only the requests that covered that order (the original and its retry).
    await page.goto(`${system.apiUrl}/manual-sync`);
    await expectThat(page.locator('li.request')).toHaveCount(3);
    const failing = orders.find((o) => o.lines.some((l) => l.taxCode === 'GST9X'))!;
    const search = page.getByLabel('Order or invoice number');
    await search.fill(failing.number);
    await search.press('Enter');
    await expectThat(page.locator('li.request')).toHaveCount(2); // the original and its retry
    expect(new URL(page.url()).searchParams.get('search')).toBe(failing.number);
    // A reload shows the same: the filters are in the address.
    await page.reload();
    expect(await page.getByLabel('Order or invoice number').inputValue()).toBe(failing.number);
    await expectThat(page.locator('li.request')).toHaveCount(2);
    await page.getByLabel('State').selectOption({ label: 'Completed with errors' });
    await expectThat(page.locator('li.request')).toHaveCount(1);
    expect(new URL(page.url()).searchParams.get('state')).toBe('completed_with_errors');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The request's orders as CSV, from its detail.
    await page.locator('li.request').getByRole('link', { name: 'POS · All locations' }).click();
    const csvLink = page.getByRole('link', { name: 'Export the orders (CSV)' });
    const csv = await page.request.get(new URL((await csvLink.getAttribute('href'))!, page.url()).toString());
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toContain(failing.number);

    await context.close();
  }, 120_000);

  it('reconnects from the page and ends on the page, connected, saying so', async () => {
    const reconnecting = 'biz_actions_reconnect';
    await createBusiness(system.database.db, reconnecting);
    const { context, page } = await openPage(browser, system, reconnecting);
    await system.database.db.query(
      `UPDATE xero_connections SET status = 'needs_reconnect', last_error = 'Xero refused the refresh token (invalid_grant)', updated_at = now()
       WHERE business_id = $1`,
      [reconnecting],
    );
    const banner = page.getByRole('alert').filter({ hasText: 'Xero needs reconnecting' });
    await expectThat(banner).toContainText('invalid_grant');
    // Xero sends the browser to the configured redirect URI; the test API listens on a port of its own, so the
    // callback is sent there (with the page's own cookie, as a browser would on the real address).
    await context.route('**/xero/callback?**', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === system.apiUrl) return route.continue();
      await route.fulfill({
        status: 302,
        headers: { location: `${system.apiUrl}${url.pathname}${url.search}` },
      });
    });
    await banner.getByRole('button', { name: 'Reconnect' }).click();
    await expectThat(page.getByRole('status').getByText('Reconnected to Xero.')).toBeVisible();
    expect(new URL(page.url()).pathname).toBe('/manual-sync');
    expect(new URL(page.url()).search).toBe('');
    await expectThat(page.getByText('Connected to Xero')).toBeVisible();
    expect(await page.getByRole('alert').filter({ hasText: 'Xero needs reconnecting' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('lays the failed orders and the settings out for a phone: at 375 px no table scrolls sideways', async () => {
    const list = await (
      await system.api(businessId)
    ).get<{ items: Array<{ id: string; counts: { failed: number }; retryOf: string | null }> }>(
      '/api/sync-requests',
    );
    // The request whose orders failed (its retry and the later request failed none).
    const original = list.body.items.find((i) => i.retryOf === null && i.counts.failed > 0)!;
    const { context, page } = await openPage(browser, system, businessId, PHONE);
    await page.goto(`${system.apiUrl}/manual-sync/requests/${original.id}`);
    await expectThat(page.getByRole('region', { name: 'Failed orders', exact: true })).toContainText(
      'NOSUCHTAX',
    );
    expect(await sidewaysOverflow(page)).toEqual({ page: PHONE.width, wide: [] });
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The settings' tables (tax mapping, payment methods) fit too.
    await page.goto(`${system.apiUrl}/manual-sync/settings`);
    await expectThat(page.getByLabel('Xero tax type for GST9X')).toBeVisible();
    expect(await sidewaysOverflow(page)).toEqual({ page: PHONE.width, wide: [] });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  // Last: a daily-summary default would change how the requests above post.
  it('changes the default posting mode and summary lines on the settings page, stored as the API answers them', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.goto(`${system.apiUrl}/manual-sync/settings#posting`);
    const section = page.getByRole('region', { name: 'Default posting mode' });
    const posting = section.getByRole('group', { name: 'Posting' });
    const lines = section.getByRole('group', { name: 'Summary lines' });
    expect(await posting.getByRole('radio', { name: /^Per order/ }).isChecked()).toBe(true);
    expect(await lines.getByRole('radio', { name: /^Per account/ }).isChecked()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await posting.getByRole('radio', { name: /^Daily summary/ }).check();
    await lines.getByRole('radio', { name: /^Per product/ }).check();
    await section.getByRole('button', { name: 'Save default posting mode' }).click();
    await expectThat(page.getByRole('status').getByText('Default posting mode saved')).toBeVisible();
    const stored = await (
      await system.api(businessId)
    ).get<{ posting: string; summaryLines: string }>('/api/business/mappings');
    expect(stored.body).toMatchObject({ posting: 'daily-summary', summaryLines: 'product' });
    // Shown as stored after a reload.
    await page.reload();
    expect(await posting.getByRole('radio', { name: /^Daily summary/ }).isChecked()).toBe(true);
    expect(await lines.getByRole('radio', { name: /^Per product/ }).isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
