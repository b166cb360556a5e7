import { existsSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestSystem } from './system';
import type { TestSystem, TestSystemOptions } from './system';

/**
 * Browser tests: Playwright (playwright-core) driving Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH),
 * one browser per test file and a fresh context (its own cookies and storage) per test. Playwright cannot
 * download browsers here, and needs not: .ci/run installs Chromium when it is missing.
 */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(`No Chromium at ${path}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  // Playwright gives every launch a fresh, empty profile (--user-data-dir in a new temporary folder).
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A test file's system and browser, started side by side (the browser launches while the system starts). */
export async function startWithBrowser(
  name: string,
  options?: TestSystemOptions,
): Promise<{ system: TestSystem; browser: Browser }> {
  const [system, browser] = await Promise.all([startTestSystem(name, options), launchBrowser()]);
  return { system, browser };
}

/** Closes what startWithBrowser started (either is missing when it failed). */
export async function stopWithBrowser(started: { system?: TestSystem; browser?: Browser }): Promise<void> {
  await started.browser?.close();
  await started.system?.stop();
}

/**
 * A context as a merchant's browser: its own time zone differs from the business's (Asia/Singapore in the
 * tests), so a time shown in the business's zone proves it is not the browser's.
 */
export function newContext(
  browser: Browser,
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  return browser.newContext({ locale: 'en-GB', timezoneId: 'America/New_York', viewport });
}

/** A page link for the business, asked for as the platform's backend would (its API key), on the test's API. */
export async function pageLink(system: TestSystem, businessId: string): Promise<string> {
  const api = await system.api(businessId);
  const res = await api.post<{ url: string }>('/api/page-links');
  if (res.status !== 201) throw new Error(`POST /api/page-links answered ${res.status}`);
  // The test API listens on a free port; the link's path is what matters.
  const url = new URL(res.body.url);
  return `${system.apiUrl}${url.pathname}${url.search}`;
}

/** Opens the business's page in a fresh context: a new link, exchanged for a session, as a merchant would. */
export async function openPage(
  browser: Browser,
  system: TestSystem,
  businessId: string,
  viewport?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, viewport);
  const page = await context.newPage();
  await page.goto(await pageLink(system, businessId));
  await expectThat(page.getByRole('heading', { name: 'Manual Syncing', level: 1 })).toBeVisible();
  return { context, page };
}

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Web-first expectations (as Playwright Test's `expect`, which playwright-core lacks): each retries until the
 * page shows what is expected, or fails with what it showed last.
 */
export function expectThat(locator: Locator, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const retry = async (what: string, check: () => Promise<{ ok: boolean; seen: unknown }>) => {
    const deadline = Date.now() + timeoutMs;
    let seen: unknown;
    for (;;) {
      try {
        const result = await check();
        seen = result.seen;
        if (result.ok) return;
      } catch (err) {
        seen = err instanceof Error ? err.message.split('\n')[0] : err;
      }
      if (Date.now() > deadline)
        throw new Error(
          `${String(locator)} ${what}: not within ${timeoutMs} ms (last seen: ${JSON.stringify(seen)})`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const text = async () => ((await locator.count()) ? ((await locator.first().textContent()) ?? '') : null);
  const matches = (seen: string | null, expected: string | RegExp) =>
    seen !== null && (typeof expected === 'string' ? seen.includes(expected) : expected.test(seen));
  return {
    toBeVisible: () =>
      retry('to be visible', async () => {
        const ok = await locator.first().isVisible();
        return { ok, seen: ok ? 'visible' : 'hidden or absent' };
      }),
    toBeHidden: () =>
      retry('to be hidden', async () => {
        const visible = (await locator.count()) > 0 && (await locator.first().isVisible());
        return { ok: !visible, seen: visible ? 'visible' : 'hidden' };
      }),
    toContainText: (expected: string | RegExp) =>
      retry(`to contain ${String(expected)}`, async () => {
        const seen = await text();
        return { ok: matches(seen, expected), seen };
      }),
    notToContainText: (unexpected: string | RegExp) =>
      retry(`not to contain ${String(unexpected)}`, async () => {
        const seen = await text();
        return { ok: !matches(seen, unexpected), seen };
      }),
    toHaveCount: (n: number) =>
      retry(`to have ${n} elements`, async () => {
        const seen = await locator.count();
        return { ok: seen === n, seen };
      }),
    toBeFocused: () =>
      retry('to be focused', async () => {
        // The callback runs in the browser (test code has no DOM types: the element's shape is declared).
        const ok = await locator
          .first()
          .evaluate(
            (el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement,
          );
        return { ok, seen: ok ? 'focused' : 'not focused' };
      }),
    toBeEnabled: () =>
      retry('to be enabled', async () => {
        const ok = await locator.first().isEnabled();
        return { ok, seen: ok ? 'enabled' : 'disabled' };
      }),
  };
}

/**
 * axe-core on the page as it is, in both colour schemes (the page follows `prefers-color-scheme`): every serious
 * or critical violation, with the scheme and where it is. The emulation is lifted afterwards.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const found: string[] = [];
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const results = await new AxeBuilder({ page }).analyze();
      found.push(
        ...results.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map(
            (v) =>
              `${colorScheme}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          ),
      );
    }
  } finally {
    await page.emulateMedia({ colorScheme: null });
  }
  return found;
}

/** A phone's screen: the page must fit its width without scrolling sideways. */
export const PHONE = { width: 375, height: 800 };

/**
 * What scrolls sideways on the page as it is: the page's own width, and every box that could (a table's wrapper, a
 * table, the main column, the body) and is wider than it shows. A page that fits its viewport answers
 * `{ page: <the viewport's width>, wide: [] }`.
 */
export function sidewaysOverflow(page: Page): Promise<{ page: number; wide: string[] }> {
  return page.evaluate(`({
    page: document.documentElement.scrollWidth,
    wide: [...document.querySelectorAll('.table-wrap, table, main, body')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1)
      .map((e) => e.className || e.tagName),
  })`);
}

/** A request's row in the history log, found by its id. */
export function requestRow(page: Page, id: string): Locator {
  return page.locator(`li#request-${id}`);
}

/** Fails when the page throws or logs an error (a broken script would otherwise only show as a blank page). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[134]/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}
