import { mkdirSync } from 'node:fs';
import { addDays, localDateOf } from '../src/calendar';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { generateDemoOrders } from '../src/orders/seed';
import { launchBrowser, newContext, pageLink, requestRow } from '../test/support/browser';
import { createBusiness, loadOrders } from '../test/support/orders';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import { submitSync } from '../test/support/requests';
import { startTestSystem } from '../test/support/system';

/**
 * `npm run screenshots`: the main views of the Manual Syncing page, taken in Chromium against the whole system
 * (its own Temporal dev server and PostgreSQL, the Xero simulator), into docs/.
 * docs/manual-syncing-page.md shows them (and the README, one).
 */
const OUT = path.resolve(__dirname, '..', 'docs');
const businessId = 'biz_demo';

function localDay(days: number): string {
  return addDays(localDateOf(new Date().toISOString(), 'Asia/Singapore'), days);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUT, name), fullPage: true });
  console.log(`[screenshots] docs/${name}`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  // The same real parts as the tests: a Temporal dev server and PostgreSQL on free ports, stopped at the end.
  await globalSetup();
  const system = await startTestSystem('screenshots', {
    sim: { timeScale: 60, faults: [{ latencyMs: 40 }] },
    env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '1' },
  });
  const browser = await launchBrowser();
  try {
    await createBusiness(system.database.db, businessId, {
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, GST9X: { taxType: 'NOSUCHTAX', rate: '9' } },
    });
    // As npm start names them.
    await system.database.db.query(`UPDATE businesses SET name = 'Demo Coffee Co.' WHERE id = $1`, [
      businessId,
    ]);
    await system.database.db.query(
      `UPDATE xero_connections SET tenant_name = 'Demo Company (SG)' WHERE business_id = $1`,
      [businessId],
    );
    const orders = [
      ...generateDemoOrders({ businessId, from: localDay(-30), to: localDay(-1), ordersPerDay: 12, seed: 7 }),
    ];
    orders.forEach((o, i) => {
      if (i % 9 === 0 && o.placedAt.slice(0, 10) <= localDay(-22))
        o.lines = o.lines.map((l) => ({ ...l, taxCode: 'GST9X' }));
    });
    await loadOrders(system.database.db, orders);
    const withErrors = await submitSync(system, {
      businessId,
      channel: 'pos',
      startDate: localDay(-28),
      endDate: localDay(-22),
    });
    await system.temporal.client.workflow.getHandle(withErrors).result();
    const online = await submitSync(system, {
      businessId,
      channel: 'online',
      startDate: localDay(-14),
      endDate: localDay(-8),
    });
    await system.temporal.client.workflow.getHandle(online).result();

    const context = await newContext(browser, { width: 1200, height: 900 });
    const page = await context.newPage();
    await page.goto(await pageLink(system, businessId));
    await requestRow(page, online).getByText('Completed').waitFor();
    await page.getByRole('button', { name: 'Add Sync Request' }).click();
    await page.getByRole('region', { name: 'Preview' }).getByText('orders to send').waitFor();
    await shoot(page, 'page-add-request.png');
    await page.getByRole('button', { name: 'Submit Sync Request' }).click();
    await page.getByText('Sync request submitted.').waitFor();
    await page
      .locator('.requests li')
      .first()
      .getByText(/Running|Matching|Queued/)
      .waitFor();
    await shoot(page, 'page-history-running.png');
    await page
      .locator('.requests li')
      .first()
      .getByText('Completed', { exact: true })
      .waitFor({ timeout: 60_000 });
    await shoot(page, 'page-history.png');
    await requestRow(page, withErrors).getByRole('link').first().click();
    await page.getByRole('region', { name: 'Failed orders', exact: true }).waitFor();
    await shoot(page, 'page-request-detail.png');
    await context.close();

    const phone = await newContext(browser, { width: 375, height: 800 });
    const small = await phone.newPage();
    await small.goto(await pageLink(system, businessId));
    await requestRow(small, online).getByText('Completed').waitFor();
    await shoot(small, 'page-375px.png');
    await phone.close();
  } finally {
    await browser.close();
    await system.stop();
    await globalTeardown({ testPathPattern: 'screenshots' } as Parameters<typeof globalTeardown>[0]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
