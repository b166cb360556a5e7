import type { Browser } from 'playwright-core';
import { endPageSession } from '../../src/sessions/store';
import {
  expectThat,
  newContext,
  openPage,
  pageLink,
  requestRow,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { eventually } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Sessions of the Manual Syncing page: a page link works once and briefly; no session (or an expired or used
 * link) gets 401 and a page that says what to do; a session sees only its own business; its writes need the
 * page's CSRF token; framing is refused unless configured.
 */
describe('sessions of the Manual Syncing page', () => {
  let system: TestSystem;
  let browser: Browser;
  let requestOfA: string;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-sessions', { env: { PAGE_LINK_SECONDS: '10' } }));
    await createBusiness(system.database.db, 'biz_a');
    await createBusiness(system.database.db, 'biz_b');
    await loadDemoOrders(system.database.db, {
      businessId: 'biz_a',
      from: '2025-05-01',
      to: '2025-05-02',
      ordersPerDay: 3,
      channel: 'pos',
    });
    const synced = await syncToEnd(system, {
      businessId: 'biz_a',
      channel: 'pos',
      startDate: '2025-05-01',
      endDate: '2025-05-02',
    });
    requestOfA = synced.id;
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  it('refuses a used link, an expired link and no session with 401 and a page that says what to do', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const link = await pageLink(system, 'biz_a');

    const first = await page.goto(link);
    expect(first?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/manual-sync');
    await expectThat(requestRow(page, requestOfA)).toBeVisible();
    // The session cookie: HttpOnly, SameSite, with an expiry; no script can read it.
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'xms_session', httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000 + 60);
    expect(await page.evaluate('document.cookie')).toBe('');

    // The same link again, even in another browser: refused.
    const other = await newContext(browser);
    const reused = await other.newPage();
    const again = await reused.goto(link);
    expect(again?.status()).toBe(401);
    await expectThat(reused.getByRole('heading', { name: 'Link already used' })).toBeVisible();
    await expectThat(reused.getByText('Open Manual Syncing again from your platform')).toBeVisible();
    expect(await seriousAxeViolations(reused)).toEqual([]);

    // A link left unused past PAGE_LINK_SECONDS (10 s here): refused.
    const stale = await pageLink(system, 'biz_a');
    await system.database.db.query(`UPDATE page_links SET expires_at = now() - interval '1 second'`);
    const expired = await reused.goto(stale);
    expect(expired?.status()).toBe(401);
    await expectThat(reused.getByRole('heading', { name: 'Link expired' })).toBeVisible();

    // No session at all: the page, a request's page, the stream and the page's API calls answer 401.
    for (const path of ['/manual-sync', `/manual-sync/requests/${requestOfA}`]) {
      const res = await reused.goto(`${system.apiUrl}${path}`);
      expect(res?.status()).toBe(401);
      await expectThat(reused.getByRole('heading', { name: 'Sign-in needed' })).toBeVisible();
    }
    const noSession = await reused.evaluate(async (id) => {
      const statuses: number[] = [];
      for (const path of [
        '/manual-sync/events',
        '/api/sync-requests',
        `/api/sync-requests/${id}`,
        '/api/business',
      ])
        statuses.push((await fetch(path)).status);
      return statuses;
    }, requestOfA);
    expect(noSession).toEqual([401, 401, 401, 401]);
    await other.close();

    // A session that ends while the page is open: the page says so instead of going on silently.
    const secret = cookie!.value;
    await endPageSession(system.database.db, secret);
    await page.reload();
    await expectThat(page.getByRole('heading', { name: 'Sign-in needed' })).toBeVisible();
    await context.close();
  }, 60_000);

  it('shows a second business none of the first’s requests (404 for each of them)', async () => {
    const { context, page } = await openPage(browser, system, 'biz_b');
    await expectThat(page.getByText('No sync requests yet')).toBeVisible();
    await expectThat(requestRow(page, requestOfA)).toHaveCount(0);
    const res = await page.goto(`${system.apiUrl}/manual-sync/requests/${requestOfA}`);
    expect(res?.status()).toBe(404);
    await expectThat(page.getByRole('heading', { name: 'No such sync request' })).toBeVisible();
    const statuses = await page.evaluate(async (id) => {
      const csrf = '';
      const out: number[] = [];
      out.push((await fetch(`/api/sync-requests/${id}`)).status);
      out.push((await fetch(`/api/sync-requests/${id}/orders`)).status);
      out.push(
        ((await (await fetch(`/api/sync-requests?state=completed`)).json()) as { items: unknown[] }).items
          .length,
      );
      out.push(
        (
          await fetch(`/api/sync-requests/${id}/retry-failed`, {
            method: 'POST',
            headers: { 'x-csrf-token': csrf },
          })
        ).status,
      );
      return out;
    }, requestOfA);
    // The write without the page's token is refused before anything else (403); the reads are 404, the log empty.
    expect(statuses).toEqual([404, 404, 0, 403]);
    await context.close();
  });

  it('protects the page’s writes with its CSRF token and keeps the key’s operations to the key', async () => {
    const { context, page } = await openPage(browser, system, 'biz_a');
    // The token the page got in its HTML (a meta tag), as the page's own script reads it.
    const token = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
    const answers = await page.evaluate(
      async ({ id, token }) => {
        const post = (path: string, headers: Record<string, string>) =>
          fetch(path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: '{}',
          }).then((r) => r.status);
        return {
          withoutToken: await post(`/api/sync-requests/${id}/pause`, {}),
          wrongToken: await post(`/api/sync-requests/${id}/pause`, { 'x-csrf-token': 'x'.repeat(43) }),
          // With the token, the workflow answers: the request has ended (409).
          withToken: await post(`/api/sync-requests/${id}/pause`, { 'x-csrf-token': token }),
          // A page session cannot mint page links or read settings: those need the API key.
          pageLink: await post('/api/page-links', { 'x-csrf-token': token }),
          settings: (await fetch('/api/business/settings')).status,
        };
      },
      { id: requestOfA, token },
    );
    expect(answers).toEqual({
      withoutToken: 403,
      wrongToken: 403,
      withToken: 409,
      pageLink: 401,
      settings: 401,
    });
    await context.close();
  });

  it('may not be framed by another origin unless configured (CSP frame-ancestors, none by default)', async () => {
    const { context, page } = await openPage(browser, system, 'biz_a');
    const res = await page.goto(`${system.apiUrl}/manual-sync`);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    // A page of another origin (localhost is not 127.0.0.1) framing it gets nothing.
    const framer = `${system.apiUrl.replace('127.0.0.1', 'localhost')}/healthz`;
    await page.goto(framer);
    await page.evaluate(
      `document.body.innerHTML = '<iframe title="framed" src="${system.apiUrl}/manual-sync"></iframe>'`,
    );
    // Chromium refuses it and shows its own error page in the frame instead.
    const frame = await eventually(async () =>
      page.frames().find((f) => f !== page.mainFrame() && f.url() !== 'about:blank'),
    );
    await eventually(async () => frame.url().startsWith('chrome-error:'));
    expect(await frame.locator('h1', { hasText: 'Manual Syncing' }).count()).toBe(0);
    await context.close();
  });
});
