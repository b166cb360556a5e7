import { Router } from 'express';
import { getBusiness } from '../../businesses/store';
import { settingsView } from '../../businesses/settings';
import type { SettingsView } from '../../businesses/settings';
import { updateSettings } from '../../businesses/update-settings';
import type { SettingsDeps } from '../../businesses/update-settings';
import { MerchantSettings, MerchantSettingsPatch, Problem } from '../../contract';
import { NotFound } from '../../errors';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';

/**
 * The settings a merchant changes on the Manual Syncing page: the tax mapping, the payment methods, the daily
 * reserve, the default posting mode and the tracking mapping. The page's session may call these two (with its CSRF token), not the whole settings API: the rest
 * (account codes, invoice numbers, time zone) stays the platform's, behind its key. A change goes through the same
 * update as PATCH /api/business/settings, so it is checked against the organisation in Xero the same way.
 */
const tag = 'Business';

export const mappingOperations = {
  getMappings: {
    method: 'get',
    path: '/api/business/mappings',
    operationId: 'getBusinessMappings',
    summary:
      'The tax mapping, payment methods, daily reserve, default posting mode and tracking mapping (what the merchant’s page edits)',
    tag,
    auth: true,
    session: true,
    responses: { 200: { description: 'The mappings and the reserve.', schema: MerchantSettings } },
  },
  updateMappings: {
    method: 'patch',
    path: '/api/business/mappings',
    operationId: 'updateBusinessMappings',
    summary: 'Change the tax mapping, payment methods, daily reserve, posting mode or tracking mapping',
    description:
      'Each field given replaces the stored one (the mappings as a whole). Tax types, account codes and tracking ' +
      'options are checked against the organisation’s TaxRates, Accounts and TrackingCategories in Xero, as PATCH ' +
      '/api/business/settings checks them: an unknown or archived one is refused with a message naming the field ' +
      '(`tracking.0.options.loc_orchard`). Answers the mappings after the change.',
    tag,
    auth: true,
    session: true,
    body: MerchantSettingsPatch,
    responses: {
      200: { description: 'The mappings after the change.', schema: MerchantSettings },
      409: {
        description: 'The business has no active Xero connection, and the change names Xero codes.',
        schema: Problem,
      },
      502: { description: 'Xero could not be asked (its message).', schema: Problem },
      503: {
        description:
          'The organisation’s daily Xero quota is spent (with when it resets), or PostgreSQL or Temporal is down (Retry-After).',
        schema: Problem,
      },
    },
  },
} satisfies Record<string, Operation>;

function mappingsOf(settings: SettingsView): MerchantSettings {
  return {
    taxTypes: settings.taxTypes,
    paymentAccounts: settings.paymentAccounts,
    dailyQuotaReserve: settings.dailyQuotaReserve,
    posting: settings.posting,
    summaryLines: settings.summaryLines,
    tracking: settings.tracking,
  };
}

export function mappingRoutes(deps: SettingsDeps): Router {
  const router = Router();
  mount(router, mappingOperations.getMappings, async ({ businessId }, res) => {
    const business = await getBusiness(deps.db, businessId);
    if (!business) throw new NotFound(`Business ${businessId}`);
    reply(
      res,
      mappingOperations.getMappings,
      200,
      mappingsOf(settingsView(business.timeZone, business.settings)),
    );
  });
  mount(router, mappingOperations.updateMappings, async ({ businessId, body }, res) => {
    reply(
      res,
      mappingOperations.updateMappings,
      200,
      mappingsOf(await updateSettings(deps, businessId, body)),
    );
  });
  return router;
}
