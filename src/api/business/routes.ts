import { Router } from 'express';
import type { Config } from '../../config';
import { getBusiness, listLocations } from '../../businesses/store';
import { BusinessView, Channel, LocationsView, Problem } from '../../contract';
import type { OrganisationView } from '../../contract';
import { SettingsPatch, SettingsView, settingsView } from '../../businesses/settings';
import { updateSettings } from '../../businesses/update-settings';
import type { SettingsDeps } from '../../businesses/update-settings';
import { NotFound } from '../../errors';
import { ConnectionStore, connectionView } from '../../xero/connection-store';
import { tokenCipherFromConfig } from '../../xero/token-crypto';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';
import { storedFacts } from '../../businesses/organisation-facts';
import { dailyLimitInUse } from '../../requests/progress';
import { bindingLock, monthlyInvoiceCap } from '../../xero/organisation';
import type { OrganisationFacts } from '../../xero/organisation';
import type { TenantLimiter } from '../../xero/limiter';
import type { Client } from '@temporalio/client';
import { wakeQuotaWaits } from '../../requests/reconnect';

/**
 * The API key's business and its settings. There is no business id in these paths: the key decides the business,
 * so a key can neither read nor change another business's settings.
 */

const tag = 'Business';

const notConnected = {
  description: 'The business has no active Xero connection, and the change names Xero accounts or tax rates.',
  schema: Problem,
};

export const businessOperations = {
  get: {
    method: 'get',
    path: '/api/business',
    operationId: 'getBusiness',
    summary: 'The API key’s business and its Xero connection',
    tag,
    auth: true,
    session: true,
    responses: { 200: { description: 'The business.', schema: BusinessView } },
  },
  locations: {
    method: 'get',
    path: '/api/business/locations',
    operationId: 'listLocations',
    summary: 'The business’s locations, each with the channels it has orders in',
    description: 'For choosing a request’s location: a location of the chosen channel, or "all".',
    tag,
    auth: true,
    session: true,
    responses: { 200: { description: 'Every location, by name.', schema: LocationsView } },
  },
  getSettings: {
    method: 'get',
    path: '/api/business/settings',
    operationId: 'getBusinessSettings',
    summary: 'The business’s settings (time zone and invoice mapping)',
    tag,
    auth: true,
    responses: { 200: { description: 'Every setting, defaults included.', schema: SettingsView } },
  },
  updateSettings: {
    method: 'patch',
    path: '/api/business/settings',
    operationId: 'updateBusinessSettings',
    summary: 'Change some settings',
    description:
      'Each field given replaces the stored one (`taxTypes` and `paymentAccounts` as a whole); the others are ' +
      'kept. Account codes and tax types are checked against the organisation’s Accounts and TaxRates in Xero ' +
      '(one or two reads through its rate limiter): an unknown code is refused with a message that names it. ' +
      'Answers the merged settings.',
    tag,
    auth: true,
    body: SettingsPatch,
    responses: {
      200: { description: 'The settings after the change.', schema: SettingsView },
      409: notConnected,
      502: { description: 'Xero could not be asked (its message).', schema: Problem },
      503: {
        description:
          'The organisation’s daily Xero quota is spent (with when it resets), or PostgreSQL or Temporal is down (Retry-After).',
        schema: Problem,
      },
    },
  },
} satisfies Record<string, Operation>;

export interface BusinessRouteDeps extends SettingsDeps {
  cfg: Config;
  temporal: Client;
  limiter: Pick<TenantLimiter, 'dailyQuota'>;
}

function organisationView(facts: OrganisationFacts): OrganisationView {
  const { tenantId: _tenant, ...rest } = facts;
  return {
    ...rest,
    monthlyInvoiceCap: monthlyInvoiceCap(facts.planClass),
    lockDate: bindingLock(facts)?.date ?? null,
  };
}

export function businessRoutes(deps: BusinessRouteDeps): Router {
  const router = Router();
  const cipher = tokenCipherFromConfig(deps.cfg);
  // Only the summary is read here (no token is opened), but the store is where that row's shape is known.
  const connections = cipher ? new ConnectionStore(deps.db, cipher) : undefined;
  const load = async (businessId: string) => {
    const business = await getBusiness(deps.db, businessId);
    if (!business) throw new NotFound(`Business ${businessId}`);
    const connection = (await connections?.summary(businessId)) ?? null;
    return { business, connection };
  };

  mount(router, businessOperations.get, async ({ businessId }, res) => {
    const { business, connection } = await load(businessId);
    const tenantId = business.xeroTenantId;
    const [quota, facts] = tenantId
      ? await Promise.all([deps.limiter.dailyQuota(tenantId), storedFacts(deps.db, tenantId)])
      : [{ limitSeen: null }, null];
    reply(res, businessOperations.get, 200, {
      id: business.id,
      name: business.name,
      timeZone: business.timeZone,
      xero: connectionView(connection),
      dailyLimit: dailyLimitInUse(business.settings, quota, deps.cfg.XERO_DAILY_LIMIT),
      organisation: facts && organisationView(facts),
    });
  });

  mount(router, businessOperations.locations, async ({ businessId }, res) => {
    const items = await listLocations(deps.db, businessId);
    reply(res, businessOperations.locations, 200, {
      items: items.map((l) => ({
        ...l,
        channels: l.channels.filter((c): c is Channel => Channel.safeParse(c).success),
      })),
    });
  });

  mount(router, businessOperations.getSettings, async ({ businessId }, res) => {
    const { business } = await load(businessId);
    reply(res, businessOperations.getSettings, 200, settingsView(business.timeZone, business.settings));
  });

  mount(router, businessOperations.updateSettings, async ({ businessId, body }, res) => {
    const updated = await updateSettings(deps, businessId, body);
    // A new reserve or daily limit moves a quota wait's end (and its ETA) at once, not at its old timer.
    if (body.dailyQuotaReserve !== undefined || body.dailyCallLimit !== undefined)
      await wakeQuotaWaits(deps.db, deps.temporal, businessId);
    reply(res, businessOperations.updateSettings, 200, updated);
  });
  return router;
}
