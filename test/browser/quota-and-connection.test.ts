import type { Browser } from 'playwright-core';
import {
  expectThat,
  openPage,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness } from '../support/orders';
import { requestDetail, requestInQuotaWait, SMALL_DAILY_QUOTA, waitForRequest } from '../support/requests';
import { eventually } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * What the page says while a request waits for Xero's daily limit (its resume time, in the business's time
 * zone), and the Xero connection at the top of the page, kept current by the page's stream.
 */
describe('the Manual Syncing page while Xero says wait', () => {
  let system: TestSystem;
  let browser: Browser;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-quota', SMALL_DAILY_QUOTA));
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('shows a request waiting for the daily quota with its resume time in the business’s time zone', async () => {
    const businessId = 'biz_quota';
    const { id, waiting } = await requestInQuotaWait(
      system,
      businessId,
      { from: '2025-04-01', to: '2025-04-10' },
      (p) => p.resumeAt !== null,
    );
    const at = new Date(waiting.resumeAt!);
    const inSingapore = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Singapore',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(at);
    const sameDay = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(at);
    const words = waiting.resumeAtIsReset ? 'resumes at' : 'tries again at';

    const { context, page } = await openPage(browser, system, businessId);
    const row = requestRow(page, id);
    await expectThat(row.locator('.state')).toContainText(`Waiting for Xero's daily limit, ${words}`);
    await expectThat(row.locator('.state')).toContainText(inSingapore);
    // The browser is in New York; the time shown is Singapore's (and its date when that is not today there).
    if (
      sameDay('Asia/Singapore') ===
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Singapore' }).format(new Date())
    )
      await expectThat(row.locator('.state')).toContainText(
        new RegExp(
          `${words} ${inSingapore}${waiting.resumeAtIsReset ? '' : ' \\(its reset is not known yet\\)'}$`,
        ),
      );
    // The ETA in one sentence that agrees with the wait, and the daily limit it assumed.
    await expectThat(row.locator('.eta')).toContainText(
      /^(done between .+ and .+ \(Xero's daily reset is not known yet; |about .+ left \()assuming [\d,]+ Xero calls a day, 15 kept back\)$/,
    );
    await expectThat(row.locator('.eta')).notToContainText('less than a minute');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await row.getByRole('link', { name: 'POS · All locations' }).click();
    await expectThat(page.locator('.detail .state')).toContainText(inSingapore);
    await expectThat(page.locator('.detail')).toContainText('Daily quota waits');
    await expectThat(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    await context.close();
    await (await system.api(businessId)).post(`/api/sync-requests/${id}/cancel`);
  }, 120_000);

  it('pauses during a quota wait at once: Paused with Resume on the API, and on the page after a reload', async () => {
    const businessId = 'biz_quota_pause';
    const { id } = await requestInQuotaWait(system, businessId, { from: '2025-05-01', to: '2025-05-10' });
    const api = await system.api(businessId);
    const pause = await api.post(`/api/sync-requests/${id}/pause`);
    // At once: the answer, the request's detail and the history log all say paused, not pausing.
    expect(pause.body).toMatchObject({ state: 'paused', pending: false });
    expect(await requestDetail(system, businessId, id)).toMatchObject({ state: 'paused', pausing: false });
    const log = await api.get<{ items: Array<{ id: string; state: string; pausing: boolean }> }>(
      '/api/sync-requests',
    );
    expect(log.body.items.find((i) => i.id === id)).toMatchObject({ state: 'paused', pausing: false });
    const again = await api.post(`/api/sync-requests/${id}/pause`);
    expect(again.status).toBe(409);

    const { context, page } = await openPage(browser, system, businessId);
    await expectThat(requestRow(page, id).locator('.state')).toContainText(/^Paused$/);
    await requestRow(page, id).getByRole('link', { name: 'POS · All locations' }).click();
    await expectThat(page.locator('.detail .state')).toContainText(/^Paused$/);
    await expectThat(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await page.reload();
    await expectThat(page.locator('.detail .state')).toContainText(/^Paused$/);
    await expectThat(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await expectThat(page.getByRole('button', { name: 'Pause' })).toHaveCount(0);
    // Resumed from the page, it looks at the quota again (still spent: it waits again).
    await page.getByRole('button', { name: 'Resume' }).click();
    await expectThat(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    await context.close();
    await api.post(`/api/sync-requests/${id}/cancel`);
  }, 120_000);

  it('tells, on the next visit, which requests ended while the page was closed (once, to screen readers too)', async () => {
    const businessId = 'biz_quota_away';
    const { id } = await requestInQuotaWait(system, businessId, { from: '2025-06-01', to: '2025-06-10' });
    const { context, page } = await openPage(browser, system, businessId);
    await expectThat(requestRow(page, id).locator('.state')).toContainText("Waiting for Xero's daily limit");
    // A first visit has nothing to tell.
    await expectThat(page.locator('.notifications')).notToContainText('While this page was closed');
    const origin = new URL(page.url()).origin;
    await page.close();

    // The request ends while no page is open.
    await (await system.api(businessId)).post(`/api/sync-requests/${id}/cancel`);
    await waitForRequest(system, businessId, id, (p) => p.state === 'cancelled', 60_000);

    const again = await context.newPage();
    await again.goto(`${origin}/manual-sync`);
    const live = again.locator('.notifications[role="status"][aria-live="polite"]');
    await expectThat(live).toContainText(
      /While this page was closed, a sync request ended\. POS .+: Cancelled\./,
    );
    expect(await seriousAxeViolations(again)).toEqual([]);
    // Said once: the page no longer keeps the request as running, so the next visit has nothing to tell.
    const kept = () =>
      again.evaluate<string | null>(
        `localStorage.getItem(${JSON.stringify(`xero-manual-sync:running:${businessId}`)})`,
      );
    await eventually(async () => ((await kept()) === '[]' ? true : null));
    await live.getByRole('link', { name: 'Open it' }).click();
    await expectThat(again.locator('.detail .state')).toContainText('Cancelled');
    await context.close();
  }, 120_000);

  it('shows the Xero connection at the top, and "needs reconnect" with the button as soon as it happens', async () => {
    const businessId = 'biz_reconnect';
    await createBusiness(system.database.db, businessId);
    const { context, page } = await openPage(browser, system, businessId);
    await expectThat(page.getByText('Connected to Xero')).toBeVisible();
    await system.database.db.query(
      `UPDATE xero_connections SET status = 'needs_reconnect', last_error = 'Xero refused the refresh token (invalid_grant)', updated_at = now()
       WHERE business_id = $1`,
      [businessId],
    );
    const banner = page.getByRole('alert').filter({ hasText: 'Xero needs reconnecting' });
    await expectThat(banner).toContainText('invalid_grant');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Reconnect sends the whole window to Xero's consent page (here the simulator's, which answers at once).
    const visited: string[] = [];
    page.on('request', (r) => {
      if (r.isNavigationRequest()) visited.push(r.url());
    });
    await banner.getByRole('button', { name: 'Reconnect' }).click();
    const consent = await eventually(async () =>
      visited.find((u) => u.includes('/identity/connect/authorize')),
    );
    expect(new URL(consent).searchParams.get('client_id')).toBe(system.cfg.XERO_CLIENT_ID);
    expect(new URL(consent).searchParams.get('code_challenge_method')).toBe('S256');
    await context.close();
  }, 60_000);
});
