import { createHash } from 'node:crypto';
import type { Contact } from 'xero-node';
import type { Db } from '../src/db/pool';
import { contactKey, contactLookupQuery, contactNameProblem, isSameContact } from '../src/sync/contacts';
import type { CallContext, XeroGateway } from '../src/xero/gateway';
import { elementErrors } from '../src/xero/wire';

export type Resolution = { contactId: string } | { error: string };

/** Xero's page size for GET /Contacts with `page`. */
const CONTACTS_PER_PAGE = 100;
const isActive = (c: Contact) => String(c.contactStatus ?? 'ACTIVE') === 'ACTIVE';

/**
 * Auto-match by name: finds each name's Xero contact the way Xero's uniqueness rule compares names (exact,
 * case-insensitive), creates the missing ones in one batch, and remembers the answers for the rest of the run.
 * Archived matches are not reused or unarchived: the order fails with a message saying so (see README).
 */
export class ContactResolver {
  private readonly cache = new Map<string, Resolution>();

  constructor(
    private readonly db: Db,
    private readonly xero: XeroGateway,
    private readonly ctx: CallContext,
    private readonly requestId: string,
  ) {}

  /** Resolves names; the answer is keyed by `contactKey(name)`. */
  async resolve(names: string[]): Promise<Map<string, Resolution>> {
    // The first spelling seen names a contact we create; later variants of the same key reuse it.
    const byKey = new Map<string, string>();
    for (const name of names) if (!byKey.has(contactKey(name))) byKey.set(contactKey(name), name);
    await this.loadRemembered([...byKey.keys()].filter((k) => !this.cache.has(k)));
    const toCreate: string[] = [];
    for (const [key, name] of byKey) {
      if (this.cache.has(key)) continue;
      const problem = contactNameProblem(name);
      if (problem) {
        this.cache.set(key, { error: problem });
        continue;
      }
      const found = await this.lookup(name);
      if (found) this.cache.set(key, found);
      else toCreate.push(name);
    }
    await this.create(toCreate);
    await this.remember([...byKey.keys()]);
    // Keyed by contact key: names differing only in case or spacing are one Xero contact.
    return new Map(
      [...byKey.keys()].map((key) => [
        key,
        this.cache.get(key) ?? { error: `Contact "${byKey.get(key)}" could not be resolved` },
      ]),
    );
  }

  private async lookup(name: string): Promise<Resolution | null> {
    const query = contactLookupQuery(name);
    const matches = await this.matching(query);
    const active = matches.find(isActive);
    if (active?.contactID) return { contactId: active.contactID };
    if (matches.length > 0) {
      return {
        error: `Xero contact "${matches[0]?.name}" is archived; unarchive it in Xero or use a manual contact, then retry the failed orders`,
      };
    }
    return null;
  }

  /**
   * Xero answers at most 100 contacts a page; a searchTerm (a contains-search) can match more, so pages are read
   * until one holds the active contact or is not full.
   */
  private async matching(query: ReturnType<typeof contactLookupQuery>): Promise<Contact[]> {
    const matches: Contact[] = [];
    for (let page = 1; ; page++) {
      const contacts = await this.xero.getContacts(this.ctx, {
        ...(query.kind === 'where' ? { where: query.where } : { searchTerm: query.searchTerm }),
        includeArchived: true,
        page,
      });
      matches.push(...contacts.filter((c) => c.name !== undefined && isSameContact(c.name, query.key)));
      if (matches.some(isActive) || contacts.length < CONTACTS_PER_PAGE) return matches;
    }
  }

  private async create(names: string[]): Promise<void> {
    if (names.length === 0) return;
    const key = createHash('sha256')
      .update(`${this.requestId}|contacts|${names.join('\u0000')}`)
      .digest('hex');
    const created = await this.xero.createContacts(
      this.ctx,
      names.map((name): Contact => ({ name })),
      { idempotencyKey: key },
    );
    for (const [i, name] of names.entries()) {
      const element = created[i];
      const errors = element ? elementErrors(element) : ['Xero returned no element for this contact'];
      if (element?.contactID && errors.length === 0) {
        this.cache.set(contactKey(name), { contactId: element.contactID });
        continue;
      }
      // Another request may have created it a moment ago ("already assigned"): look once more.
      const again = await this.lookup(name);
      this.cache.set(
        contactKey(name),
        again ?? { error: `Xero refused to create contact "${name}": ${errors.join('; ')}` },
      );
    }
  }

  private async loadRemembered(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const { rows } = await this.db.query<{ name_key: string; contact_id: string }>(
      'SELECT name_key, contact_id FROM request_contacts WHERE request_id = $1 AND name_key = ANY($2)',
      [this.requestId, keys],
    );
    for (const r of rows) this.cache.set(r.name_key, { contactId: r.contact_id });
  }

  private async remember(keys: string[]): Promise<void> {
    const resolved = keys.flatMap((k) => {
      const r = this.cache.get(k);
      return r && 'contactId' in r ? [[k, r.contactId] as const] : [];
    });
    if (resolved.length === 0) return;
    await this.db.query(
      `INSERT INTO request_contacts (request_id, name_key, contact_id) SELECT $1, k, c FROM unnest($2::text[], $3::text[]) AS t(k, c)
       ON CONFLICT DO NOTHING`,
      [this.requestId, resolved.map((r) => r[0]), resolved.map((r) => r[1])],
    );
  }
}
