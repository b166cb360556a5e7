import { Router } from 'express';
import type { Contact } from 'xero-node';
import { callContextFor } from '../../businesses/call-context';
import { getBusiness } from '../../businesses/store';
import { NotConnected } from '../../errors';
import { connectionStatusOf } from '../../xero/connection-store';
import type { Db } from '../../db/pool';
import type { XeroGateway } from '../../xero/gateway';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';
import { ContactsQuery, ContactsResult, Problem } from '../../contract';
import type { ContactSummary } from '../../contract';

export const contactsOperation = {
  method: 'get',
  path: '/api/xero/contacts',
  operationId: 'searchXeroContacts',
  summary: 'Search the organisation’s Xero contacts (for the manual-contact picker)',
  description:
    'Calls Xero’s Contacts searchTerm through the organisation’s rate limiter; answers are cached for a minute.',
  tag: 'Xero',
  auth: true,
  session: true,
  query: ContactsQuery,
  responses: {
    200: { description: 'Up to 100 matching contacts.', schema: ContactsResult },
    409: { description: 'The business has no Xero connection, or it needs reconnecting.', schema: Problem },
  },
} satisfies Operation;

const CACHE_MS = 60_000;
const CACHE_MAX = 500;

/** A small per-process cache: the picker searches as the user types, and every miss costs a Xero call. */
class ContactSearchCache {
  private readonly entries = new Map<string, { at: number; items: ContactSummary[] }>();

  get(key: string, now: number) {
    const hit = this.entries.get(key);
    if (!hit || now - hit.at > CACHE_MS) return undefined;
    return hit.items;
  }

  set(key: string, items: ContactSummary[], now: number): void {
    if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: now, items });
  }
}

function summary(c: Contact): ContactSummary {
  return {
    contactId: c.contactID ?? '',
    name: c.name ?? '',
    status: String(c.contactStatus ?? 'ACTIVE'),
    email: c.emailAddress || null,
    accountNumber: c.accountNumber || null,
  };
}

export function xeroContactRoutes(deps: { db: Db; newXeroGateway: () => XeroGateway }): Router {
  const router = Router();
  const cache = new ContactSearchCache();
  mount(router, contactsOperation, async ({ businessId, query }, res) => {
    const business = await getBusiness(deps.db, businessId);
    if (!business?.xeroTenantId)
      throw new NotConnected(`Business ${businessId} has no Xero organisation connected; connect it first.`);
    // Checked before the cache too: a connection that needs a person answers 409 like settings do.
    if ((await connectionStatusOf(deps.db, businessId)) === 'needs_reconnect')
      throw new NotConnected(
        `The Xero connection of business ${businessId} needs to be reconnected; connect it again (GET /xero/connect, or \`npm run cli -- business connect-custom\`).`,
        true,
      );
    const key = `${business.xeroTenantId}\n${query.includeArchived}\n${query.search.toLowerCase()}`;
    const cached = cache.get(key, Date.now());
    if (cached) return reply(res, contactsOperation, 200, { items: cached, cached: true });
    const found = await deps.newXeroGateway().getContacts(callContextFor(business), {
      searchTerm: query.search,
      includeArchived: query.includeArchived,
    });
    const items = found.map(summary);
    cache.set(key, items, Date.now());
    reply(res, contactsOperation, 200, { items, cached: false });
  });
  return router;
}
