import { Router } from 'express';
import { getBusiness } from '../../businesses/store';
import { TrackingCategoryCache } from '../../businesses/tracking-categories';
import { Problem, TrackingCategoriesView } from '../../contract';
import type { Db } from '../../db/pool';
import { NotConnected } from '../../errors';
import { connectionStatusOf } from '../../xero/connection-store';
import type { XeroGateway } from '../../xero/gateway';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';

export const trackingCategoriesOperation = {
  method: 'get',
  path: '/api/xero/tracking-categories',
  operationId: 'listXeroTrackingCategories',
  summary: 'The organisation’s active tracking categories and options (for the tracking mapping)',
  description:
    'What a tracking mapping (`tracking` of PATCH /api/business/mappings) may name: each active category with its ' +
    'active options, by id and name. One GET /TrackingCategories through the organisation’s rate limiter, kept for ' +
    '60 seconds per organisation, so opening the settings again does not spend the daily quota. An organisation ' +
    'with no tracking categories answers an empty list. Needs the accounting.settings.read (or accounting.settings) ' +
    'scope.',
  tag: 'Xero',
  auth: true,
  session: true,
  responses: {
    200: {
      description: 'The active categories, each with its active options.',
      schema: TrackingCategoriesView,
    },
    409: {
      description:
        'The business has no Xero connection, it needs reconnecting, or its connection was not granted the ' +
        'accounting.settings.read scope (the detail says what to reconnect with).',
      schema: Problem,
    },
    502: { description: 'Xero could not be asked (its message).', schema: Problem },
  },
} satisfies Operation;

export function xeroTrackingRoutes(deps: { db: Db; newXeroGateway: () => XeroGateway }): Router {
  const router = Router();
  const cache = new TrackingCategoryCache();
  mount(router, trackingCategoriesOperation, async ({ businessId }, res) => {
    const business = await getBusiness(deps.db, businessId);
    const status = await connectionStatusOf(deps.db, businessId);
    if (status === 'needs_reconnect')
      throw new NotConnected(
        `The Xero connection of business ${businessId} needs to be reconnected; connect it again (Reconnect on the Manual Syncing page, GET /xero/connect, or \`npm run cli -- business connect-custom\`).`,
        true,
      );
    if (!business?.xeroTenantId || status !== 'active')
      throw new NotConnected(
        `Business ${businessId} has no Xero organisation connected, so it has no tracking categories to map yet; connect it first (GET /xero/connect, or \`npm run cli -- business connect-custom\`).`,
      );
    reply(res, trackingCategoriesOperation, 200, await cache.read(deps.newXeroGateway(), business));
  });
  return router;
}
