import { Router } from 'express';
import { callContextFor } from '../../businesses/call-context';
import { getBusiness } from '../../businesses/store';
import { NotConnected } from '../../errors';
import { connectionStatusOf } from '../../xero/connection-store';
import type { Db } from '../../db/pool';
import type { XeroGateway } from '../../xero/gateway';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';
import { ContactsQuery, ContactsResult, Problem } from '../../contract';
import { ContactDirectory } from '../../xero/contact-directory';

export const contactsOperation = {
  method: 'get',
  path: '/api/xero/contacts',
  operationId: 'searchXeroContacts',
  summary: 'Search the organisation’s Xero contacts (for the manual-contact picker)',
  description:
    'Searches a local index of the organisation’s Xero contacts, ignoring accents and case ("cafe" finds "Café"), ' +
    'in the name, first and last name, contact number and email. The index is read again from Xero’s paged ' +
    'contact directory (through the organisation’s rate limiter, 1,000 contacts a call) when it is more than ' +
    '5 minutes old.',
  tag: 'Xero',
  auth: true,
  session: true,
  query: ContactsQuery,
  responses: {
    200: { description: 'Up to 100 matching contacts.', schema: ContactsResult },
    409: { description: 'The business has no Xero connection, or it needs reconnecting.', schema: Problem },
  },
} satisfies Operation;

export function xeroContactRoutes(deps: { db: Db; newXeroGateway: () => XeroGateway }): Router {
  const router = Router();
  const directory = new ContactDirectory(deps.db);
  mount(router, contactsOperation, async ({ businessId, query }, res) => {
    const business = await getBusiness(deps.db, businessId);
    if (!business?.xeroTenantId)
      throw new NotConnected(`Business ${businessId} has no Xero organisation connected; connect it first.`);
    // Checked before the local index too: a connection that needs a person answers 409 like settings do.
    if ((await connectionStatusOf(deps.db, businessId)) === 'needs_reconnect')
      throw new NotConnected(
        `The Xero connection of business ${businessId} needs to be reconnected; connect it again (GET /xero/connect, or \`npm run cli -- business connect-custom\`).`,
        true,
      );
    const { items, fresh } = await directory.search(
      deps.newXeroGateway(),
      callContextFor(business),
      query.search,
      query.includeArchived,
    );
    reply(res, contactsOperation, 200, { items, cached: !fresh });
  });
  return router;
}
