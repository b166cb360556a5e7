import type { Browser } from 'playwright-core';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { SimTrackingCategory } from '../../src/xero-sim/tracking';
import {
  collectPageErrors,
  expectThat,
  openPage,
  seriousAxeViolations,
  startWithBrowser,
  stopWithBrowser,
} from '../support/browser';
import { businessOnOwnOrganisation, createBusiness, loadDemoOrders } from '../support/orders';
import type { TestSystem } from '../support/system';

/**
 * The tracking mapping on the Settings view (issue 25, point 2), in a real browser against the real API and the
 * Xero simulator: a location mapped to a tracking option from the organisation's categories, saved and shown as
 * the API answers it after a reload; Xero's refusal (an option archived since the page was opened) beside the
 * select it concerns; axe in light and dark mode.
 */
const businessId = 'biz_tracking_page';

function made(result: SimTrackingCategory | string): SimTrackingCategory {
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('the tracking mapping on the Settings view', () => {
  let system: TestSystem;
  let browser: Browser;
  let store: SimTrackingCategory;
  beforeAll(async () => {
    ({ system, browser } = await startWithBrowser('browser-tracking'));
    await createBusiness(system.database.db, businessId);
    // Orders at the three POS locations, so the business has locations to map.
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2026-03-02',
      to: '2026-03-03',
      ordersPerDay: 12,
      channel: 'pos',
      seed: 7,
    });
    store = made(
      system.xero.sim.addTrackingCategory(DEMO_TENANT_ID, {
        Name: 'Store',
        Options: [{ Name: 'Clementi' }, { Name: 'Orchard' }, { Name: 'Tampines' }],
      }),
    );
  });
  afterAll(() => stopWithBrowser({ system, browser }));

  const optionId = (name: string) => store.Options.find((o) => o.Name === name)!.TrackingOptionID;

  it('maps a location to a tracking option, shows it saved after a reload, and shows a refusal beside its row', async () => {
    const { context, page } = await openPage(browser, system, businessId);
    const errors = collectPageErrors(page);
    await page.goto(`${system.apiUrl}/manual-sync/settings#tracking`);
    const section = page.getByRole('region', { name: 'Tracking categories' });
    await expectThat(section.getByRole('button', { name: 'Add a tracking category' })).toBeEnabled();
    expect(await seriousAxeViolations(page)).toEqual([]);

    // By keyboard: focus the button, Enter; the new category's selects are labelled by what they map.
    await section.getByRole('button', { name: 'Add a tracking category' }).focus();
    await page.keyboard.press('Enter');
    expect(await section.getByLabel('Xero tracking category').inputValue()).toBe(store.TrackingCategoryID);
    const orchard = section.getByLabel('Store option for Orchard Flagship');
    await orchard.selectOption({ label: 'Orchard' });
    await section.getByLabel('Store option for Clementi Branch').selectOption({ label: 'Clementi' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await section.getByRole('button', { name: 'Save tracking categories' }).click();
    await expectThat(page.getByRole('status').getByText('Tracking categories saved')).toBeVisible();
    const stored = await (await system.api(businessId)).get<{ tracking: unknown }>('/api/business/mappings');
    expect(stored.body.tracking).toEqual([
      {
        categoryId: store.TrackingCategoryID,
        by: 'location',
        options: { loc_orchard: optionId('Orchard'), loc_clementi: optionId('Clementi') },
      },
    ]);

    // Shown as stored after a reload; a location with no option shows "No option".
    await page.reload();
    await expectThat(section.getByLabel('Store option for Orchard Flagship')).toBeVisible();
    expect(await orchard.inputValue()).toBe(optionId('Orchard'));
    expect(await section.getByLabel('Store option for Tampines Mall Kiosk').inputValue()).toBe('');

    // Tampines is archived in Xero after the page read the categories: the save is refused beside its select.
    await section.getByLabel('Store option for Tampines Mall Kiosk').selectOption({ label: 'Tampines' });
    expect(system.xero.sim.setTrackingStatus(DEMO_TENANT_ID, optionId('Tampines'), 'ARCHIVED')).toBeNull();
    await section.getByRole('button', { name: 'Save tracking categories' }).click();
    const refusal = page.locator('#tracking-0-option-2-error');
    await expectThat(refusal).toContainText(
      'Store option for Tampines Mall Kiosk: Xero option Tampines of tracking category Store is archived; its active options: Clementi, Orchard.',
    );
    expect(
      await section.getByLabel('Store option for Tampines Mall Kiosk').getAttribute('aria-describedby'),
    ).toBe('tracking-0-option-2-error');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Nothing was stored by the refused save.
    const after = await (await system.api(businessId)).get<{ tracking: unknown }>('/api/business/mappings');
    expect(after.body.tracking).toEqual(stored.body.tracking);
    // The one 400 is the refused save above, by design.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('says so when the organisation has no tracking categories', async () => {
    await businessOnOwnOrganisation(system, {
      businessId: 'biz_no_tracking',
      name: 'Plain',
      clientPrefix: 'plain',
    });
    const { context, page } = await openPage(browser, system, 'biz_no_tracking');
    await page.goto(`${system.apiUrl}/manual-sync/settings#tracking`);
    const section = page.getByRole('region', { name: 'Tracking categories' });
    await expectThat(section).toContainText('Your Xero organisation has no tracking categories.');
    expect(await section.getByRole('button', { name: 'Add a tracking category' }).isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
