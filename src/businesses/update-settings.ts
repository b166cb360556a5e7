import type { Db } from '../db/pool';
import { InvalidInput, NotConnected, NotFound } from '../errors';
import type { FieldProblem } from '../errors';
import { connectionStatusOf } from '../xero/connection-store';
import type { XeroGateway } from '../xero/gateway';
import { ConnectionNeedsReconnect } from '../xero/tokens';
import { callContextFor } from './call-context';
import { FACTS_REUSE_MS, recentOrganisationFacts } from './organisation-facts';
import {
  changesToCheck,
  checkAgainstXero,
  checkConsistency,
  mergeSettings,
  saveSettings,
  settingsView,
  XERO_CHECKED_FIELDS,
} from './settings';
import type { ChartOfAccounts, SettingsPatch, SettingsView } from './settings';
import { getBusiness } from './store';
import type { Business } from './store';

export interface SettingsDeps {
  db: Db;
  newXeroGateway: () => XeroGateway;
}

const invalid = (problems: FieldProblem[]) => new InvalidInput(problems, 'Invalid settings');

/**
 * Changes some of a business's settings: each field given replaces the stored one. Rules between fields are
 * checked first, then what changed of the Xero codes against the organisation (no call when nothing did), and
 * only then is anything saved. Answers the merged settings.
 */
export async function updateSettings(
  deps: SettingsDeps,
  businessId: string,
  patch: SettingsPatch,
): Promise<SettingsView> {
  const business = await getBusiness(deps.db, businessId);
  if (!business) throw new NotFound(`Business ${businessId}`);
  const current = settingsView(business.timeZone, business.settings);
  const merged = mergeSettings(current, patch);
  const local = checkConsistency(merged, patch);
  if (local.length) throw invalid(local);
  const toCheck = changesToCheck(current, patch);
  // Reads are made under the lower of the old and new reserve: lowering it must not itself need the headroom.
  const reserve = Math.min(current.dailyQuotaReserve, merged.dailyQuotaReserve);
  const within = { ...business, settings: { ...business.settings, dailyQuotaReserve: reserve } };
  const problems = checkAgainstXero(toCheck, await readChart(deps, within, toCheck));
  if (problems.length) throw invalid(problems);
  const saved = await saveSettings(deps.db, businessId, patch);
  if (!saved) throw new NotFound(`Business ${businessId}`);
  return settingsView(saved.timeZone, saved.settings);
}

/**
 * A check that asks Xero anyway also refreshes what the organisation says of itself (GET /Organisation and GET
 * /Currencies, unless read in the last few minutes), so GET /api/business shows its lock dates, currencies and
 * plan once the business is set up. Only informative here: a failure of it does not fail the settings.
 */
async function refreshFacts(deps: SettingsDeps, business: Business): Promise<void> {
  await recentOrganisationFacts(deps, business, FACTS_REUSE_MS, { wantsCurrencies: () => true }).catch(
    () => undefined,
  );
}

/** Reads what the patch needs from Xero: Accounts for account codes, TaxRates for tax types, TrackingCategories for tracking. */
async function readChart(
  deps: SettingsDeps,
  business: Business,
  patch: SettingsPatch,
): Promise<ChartOfAccounts> {
  const fields = XERO_CHECKED_FIELDS.filter((f) => patch[f] !== undefined);
  if (fields.length === 0) return {};
  const active = (await connectionStatusOf(deps.db, business.id)) === 'active';
  if (!active || !business.xeroTenantId)
    throw new NotConnected(
      `${fields.join(', ')} must be checked against the business's Xero organisation, and business ${business.id} ` +
        'has no active Xero connection; connect it first (GET /xero/connect, or `npm run cli -- business connect-custom`).',
    );
  const gateway = deps.newXeroGateway();
  const ctx = callContextFor(business);
  const needsAccounts = fields.some((f) => f.endsWith('AccountCode') || f === 'paymentAccounts');
  const needsRates = fields.includes('taxTypes') || fields.includes('noTaxType');
  const needsTracking = fields.includes('tracking');
  try {
    const chart = {
      accounts: needsAccounts ? await gateway.getAccounts(ctx) : undefined,
      taxRates: needsRates ? await gateway.getTaxRates(ctx) : undefined,
      trackingCategories: needsTracking ? await gateway.getTrackingCategories(ctx) : undefined,
    };
    await refreshFacts(deps, business);
    return chart;
  } catch (err) {
    if (err instanceof ConnectionNeedsReconnect)
      throw new NotConnected(
        `${err.message}. Settings naming Xero codes cannot be checked until then.`,
        true,
      );
    throw err;
  }
}
