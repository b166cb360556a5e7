import type { Browser } from 'playwright-core';
import type { Order } from '../../src/orders/schema';
import { DEMO_LOCATIONS } from '../../src/orders/seed';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import {
  collectPageErrors,
  expectThat,
  openPage,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness, failingTaxBusiness, loadDemoOrders, simInvoices } from '../support/orders';
import { submitSync, syncResult, syncToEnd } from '../support/requests';
import { eventually } from '../support/system';
import { localDay } from '../support/businesses';
import type { TestSystem } from '../support/system';

/**
 * The Manual Syncing page in a real browser (Debian's Chromium through Playwright), against the real API,
 * Temporal, PostgreSQL and the Xero simulator. The business is in Singapore, the browser in New York.
 */
const businessId = 'biz_page';
// Orders whose tax code is mapped to a TaxType Xero does not have fail with Xero's own message.
const FAILING_DAYS = [localDay(-21), localDay(-20)];

describe('the Manual Syncing page', () => {
  let system: TestSystem;
  let browser: Browser;
  let orders: Order[];
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-page', {
      // 80 ms per Xero call and one-second steps: a request takes seconds, so its progress can be watched.
      sim: { timeScale: 60, faults: [{ latencyMs: 80 }] },
      env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '1', XERO_CONCURRENCY: '1' },
    }));
    orders = await failingTaxBusiness(system.database.db, businessId, {
      from: localDay(-30),
      to: localDay(-1),
      ordersPerDay: 6,
      seed: 14,
      failingDays: FAILING_DAYS,
      every: 3,
    });
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('opens from a page link, adds last week’s POS orders through the dialog (preview, notification) and shows the row reach Completed without a reload or per-row polling', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await expectThat(page.getByText('Connected to Xero')).toBeVisible();
    await expectThat(page.getByText('No sync requests yet')).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.evaluate('window.notReloaded = true');
    const detailReads: string[] = [];
    page.on('request', (r) => {
      if (/\/api\/sync-requests\/sr_/.test(r.url())) detailReads.push(r.url());
    });

    // The organisation is locked up to last week's first day when the preview first reads its facts: the warning
    // is shown in words. The request reads its own facts at its start, after the lock is lifted below.
    system.xero.sim.setOrganisation(DEMO_TENANT_ID, { endOfYearLockDate: localDay(-7) });
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    await expectThat(dialog).toBeVisible();
    // Location: only those of the chosen channel, plus "All locations".
    const locations = dialog.getByLabel('Location');
    expect(await locations.locator('option').allTextContents()).toEqual([
      'All locations',
      ...DEMO_LOCATIONS.pos.map((l) => l.name).sort(),
    ]);
    await dialog.getByLabel('Sales Channel').selectOption({ label: 'Online Store' });
    expect(await locations.locator('option').allTextContents()).toEqual(['All locations']);
    await dialog.getByLabel('Sales Channel').selectOption({ label: 'POS' });
    // Dates local to the business, none in the future: last week by default.
    expect(await dialog.getByLabel('Start Date').inputValue()).toBe(localDay(-7));
    expect(await dialog.getByLabel('End Date').inputValue()).toBe(localDay(-1));
    expect(await dialog.getByLabel('End Date').getAttribute('max')).toBe(localDay(0));
    await expectThat(dialog.getByLabel('Auto-match by name')).toBeVisible();
    expect(await dialog.getByLabel('Auto-match by name').isChecked()).toBe(true);

    const lastWeek = orders.filter((o) => o.placedAt.slice(0, 10) >= localDay(-7));
    await expectThat(dialog.getByRole('region', { name: 'Preview' })).toContainText(
      `${lastWeek.length} orders to send`,
    );
    await expectThat(dialog.getByRole('region', { name: 'Preview' })).toContainText(/About \d+ Xero calls/);
    await expectThat(dialog.getByRole('region', { name: 'Preview' })).toContainText(
      /Xero’s daily limit: 5,000 calls \(as Xero’s answers show\)/,
    );
    await expectThat(dialog.getByRole('list', { name: 'Warnings' })).toContainText(
      /on or before Xero's end of year lock date .*retry the failed orders/,
    );
    system.xero.sim.setOrganisation(DEMO_TENANT_ID, { endOfYearLockDate: null });
    expect(await seriousAxeViolations(page)).toEqual([]);

    // A double click submits once (the button disables itself, and both clicks carry one Idempotency-Key).
    await dialog.getByRole('button', { name: 'Submit Sync Request' }).dblclick();
    await expectThat(page.getByRole('status').getByText('Sync request submitted.')).toBeVisible();
    await expectThat(dialog).toBeHidden();
    const { rows } = await system.database.db.query<{ id: string }>(
      'SELECT id FROM sync_requests WHERE business_id = $1',
      [businessId],
    );
    expect(rows).toHaveLength(1);
    const id = rows[0]!.id;
    await page.getByRole('link', { name: 'Show it in the history log' }).click();
    const row = requestRow(page, id);
    await expectThat(row).toBeFocused();
    await expectThat(row).toContainText('POS · All locations');
    await expectThat(row).toContainText('Auto-match by name');

    await expectThat(row.locator('.state'), 60_000).toContainText(/^Completed$/);
    await expectThat(row).toContainText(`${lastWeek.length} of ${lastWeek.length} orders`);
    await expectThat(row).toContainText('100%');
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(detailReads).toEqual([]);
    const result = await syncResult(system, id);
    expect(result.state).toBe('completed');
    // Readable at 375 px: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('sends every order of a request to a manual contact picked through the search (accents and case ignored), and names it on the row and the detail', async () => {
    const CAFE = 'Café "Bean" & Co';
    const seeded = await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Contacts: [{ Name: 'Walk-in Customer' }, { Name: 'Walker & Sons' }, { Name: CAFE }],
      }),
    });
    expect(seeded.status).toBe(201);
    const { context, page } = await openPage(browser, system, businessId);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    await dialog.getByLabel('Start Date').fill(localDay(-14));
    await dialog.getByLabel('End Date').fill(localDay(-13));
    await dialog.getByLabel('Manual Select Xero Contact').check();
    await expectThat(dialog.getByText('Pick a Xero contact to see the preview.')).toBeVisible();
    const picker = dialog.getByRole('combobox', { name: 'Xero contact' });
    await picker.fill('walk');
    const matches = dialog.getByRole('listbox', { name: 'Matching Xero contacts' }).getByRole('option');
    await expectThat(matches.filter({ hasText: 'Walker & Sons' })).toBeVisible();
    await expectThat(matches).toHaveCount(2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // No accent and another case still finds the café (Xero's own searchTerm would not).
    await picker.fill('CAFE "bean');
    await expectThat(matches.filter({ hasText: CAFE })).toBeVisible();
    await expectThat(matches).toHaveCount(1);
    // Keyboard: arrows move through the matches; Enter picks the active one.
    await picker.press('ArrowDown');
    await picker.press('Enter');
    expect(await picker.inputValue()).toBe(CAFE);
    await expectThat(dialog.getByRole('region', { name: 'Preview' })).toContainText('orders to send');
    await dialog.getByRole('button', { name: 'Submit Sync Request' }).click();
    await expectThat(page.getByRole('status').getByText('Sync request submitted.')).toBeVisible();

    const { rows } = await system.database.db.query<{
      id: string;
      input: { contactMapping: { contactId?: string } };
    }>(
      `SELECT id, input FROM sync_requests WHERE business_id = $1 AND input->'contactMapping'->>'mode' = 'manual'`,
      [businessId],
    );
    expect(rows).toHaveLength(1);
    const row = requestRow(page, rows[0]!.id);
    await expectThat(row).toContainText(`Manual: ${CAFE}`);
    await expectThat(row.locator('.state'), 60_000).toContainText(/^Completed$/);
    const contactId = rows[0]!.input.contactMapping.contactId;
    const invoices = (await simInvoices(system.xero.baseUrl, DEMO_TENANT_ID)).filter((i) =>
      orders.some((o) => o.id === i.Reference && o.placedAt.slice(0, 10) === localDay(-14)),
    );
    expect(invoices.length).toBeGreaterThan(0);
    expect(new Set(invoices.map((i) => i.Contact.ContactID))).toEqual(new Set([contactId]));
    expect(invoices[0]!.Contact.Name).toBe(CAFE);
    // The detail names the contact too.
    await row.getByRole('link', { name: /^POS · / }).click();
    await expectThat(page.locator('.detail')).toContainText(`Manual: ${CAFE}`);
    await context.close();
  }, 120_000);

  it('shows the orders that failed with Xero’s message, and Retry failed orders starts a linked request that completes', async () => {
    const { id } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: FAILING_DAYS[0]!,
      endDate: FAILING_DAYS[1]!,
    });
    const api = await system.api(businessId);
    const failed = await api.get<{ items: Array<{ orderNumber: string; message: string }> }>(
      `/api/sync-requests/${id}/orders?status=failed`,
    );
    expect(failed.body.items.length).toBeGreaterThan(0);

    const { context, page } = await openPage(browser, system, businessId);
    const row = requestRow(page, id);
    await expectThat(row.locator('.state')).toContainText(
      `Completed with ${failed.body.items.length} errors`,
    );
    await row.getByRole('link', { name: 'POS · All locations' }).click();
    const failedTable = page.getByRole('region', { name: 'Failed orders' });
    const first = failed.body.items[0]!;
    await expectThat(failedTable.getByRole('row', { name: new RegExp(first.orderNumber) })).toContainText(
      first.message,
    );
    await expectThat(page.getByRole('region', { name: 'Synced orders' })).toContainText(/POS-\d+/);
    // Money in the business's currency.
    await expectThat(page.getByRole('region', { name: 'Synced orders' })).toContainText('SGD');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);

    // The cause fixed (the tax code mapped to a TaxType Xero has), the failed orders are pushed again.
    const patched = await api.request('PATCH', '/api/business/settings', {
      body: {
        taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, GST9X: { taxType: 'OUTPUTY24', rate: '9' } },
      },
    });
    expect(patched.status).toBe(200);
    await page.getByRole('button', { name: 'Retry failed orders' }).click();
    await expectThat(
      page.getByRole('status').getByText('Retry of the failed orders submitted.'),
    ).toBeVisible();
    await page.getByRole('link', { name: 'Open the retry' }).click();
    await expectThat(page.getByRole('link', { name: 'the earlier request' })).toBeVisible();
    await expectThat(page.locator('.detail .state'), 60_000).toContainText(/^Completed$/);
    await expectThat(page.locator('.detail')).toContainText(
      `${failed.body.items.length} of ${failed.body.items.length} orders`,
    );
    const retry = await eventually(async () => {
      const list = await api.get<{ items: Array<{ id: string; retryOf: string | null; state: string }> }>(
        '/api/sync-requests',
      );
      return list.body.items.find((i) => i.retryOf === id && i.state === 'completed');
    });
    expect(page.url()).toContain(`/manual-sync/requests/${retry.id}`);
    await context.close();
  }, 120_000);

  it('shows every input error next to its field, in the page’s own words and date format', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Sync Request' });
    const body = { channel: 'pos', locationId: 'all', contactMapping: { mode: 'auto' } };
    const api = await system.api(businessId);
    const messageFor = async (startDate: string, endDate: string, path: string) => {
      const res = await api.post<{ errors: Array<{ path: string; message: string }> }>(
        '/api/sync-requests/preview',
        { ...body, startDate, endDate },
      );
      expect(res.status).toBe(400);
      return res.body.errors.find((e) => e.path === path)!.message;
    };

    await dialog.getByLabel('End Date').fill(localDay(1));
    const future = await messageFor(localDay(-7), localDay(1), 'body.endDate');
    const endError = dialog.locator('#add-end-error');
    // In the page's own words and date format: no API field name, no YYYY-MM-DD, no time zone name.
    expect(future).toContain('is in the future');
    await expectThat(endError).toContainText(/^Pick \S.* or an earlier day\.$/);
    expect(await endError.textContent()).not.toMatch(/endDate|\d{4}-\d{2}-\d{2}|Asia\/Singapore/);
    expect(await dialog.getByLabel('End Date').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByLabel('End Date').getAttribute('aria-describedby')).toBe('add-end-error');
    expect(await dialog.getByRole('button', { name: 'Submit Sync Request' }).isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await dialog.getByLabel('End Date').fill(localDay(-9));
    const order = await messageFor(localDay(-7), localDay(-9), 'body.endDate');
    expect(order).not.toBe(future);
    expect(order).toContain('is before startDate');
    await expectThat(endError).toContainText('The End Date is before the Start Date');
    await expectThat(endError).notToContainText('or an earlier day');
    await dialog.getByLabel('End Date').fill(localDay(-1));
    await expectThat(endError).toHaveCount(0);
    // Last week is in Xero since the first test (nothing to send: Submit stays off); days not sent yet enable it.
    await dialog.getByLabel('Start Date').fill(localDay(-12));
    await dialog.getByLabel('End Date').fill(localDay(-8));
    await expectThat(dialog.getByRole('button', { name: 'Submit Sync Request' })).toBeEnabled();
    // Escape closes the dialog; nothing was submitted.
    await page.keyboard.press('Escape');
    await expectThat(dialog).toBeHidden();
    await expectThat(page.getByRole('button', { name: 'Add Sync Request' })).toBeVisible();
    await context.close();
  }, 60_000);

  it('pauses and resumes a request from its detail, each button reflecting its real state', async () => {
    const slow = 'biz_page_pause';
    // Its own invoice numbers: it shares the simulator's organisation with biz_page, whose orders have the same numbers.
    await createBusiness(system.database.db, slow, { invoiceNumberTemplate: 'PAUSE-{number}' });
    await loadDemoOrders(system.database.db, {
      businessId: slow,
      from: localDay(-40),
      to: localDay(-11),
      ordersPerDay: 50,
      channel: 'pos',
      seed: 15,
    });
    const { context, page } = await openPage(browser, system, slow);
    await expectThat(page.getByText('No sync requests yet')).toBeVisible();
    // Submitted elsewhere (the platform's backend): the row arrives through the page's stream.
    const id = await submitSync(system, {
      businessId: slow,
      channel: 'pos',
      startDate: localDay(-40),
      endDate: localDay(-11),
    });
    const row = requestRow(page, id);
    await expectThat(row).toBeVisible();
    await row.getByRole('link', { name: 'POS · All locations' }).click();
    const detail = page.locator('.detail');
    const state = detail.locator('.state');
    await expectThat(state).toContainText(/Running|Preparing|Matching contacts|Sending orders|Queued/);
    expect(await detail.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await detail.getByRole('button', { name: 'Pause' }).click();
    await expectThat(state).toContainText(/^(Pausing…|Paused)$/);
    await expectThat(state, 30_000).toContainText(/^Paused$/);
    await expectThat(detail.getByRole('button', { name: 'Resume' })).toBeVisible();
    expect(await detail.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    const api = await system.api(slow);
    const paused = await api.get<{ state: string; counts: { found: number }; expected: number }>(
      `/api/sync-requests/${id}`,
    );
    expect(paused.body.state).toBe('paused');
    expect(paused.body.counts.found).toBeLessThan(paused.body.expected);

    await detail.getByRole('button', { name: 'Resume' }).click();
    await expectThat(state).notToContainText(/^Paused$/);
    await expectThat(state, 90_000).toContainText(/^Completed$/);
    const expected = paused.body.expected.toLocaleString('en-GB');
    await expectThat(detail).toContainText(`${expected} of ${expected} orders`);
    expect(await detail.getByRole('button', { name: 'Cancel request' }).count()).toBe(0);
    await context.close();
  }, 150_000);
});
