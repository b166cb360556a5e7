import type { Contact } from 'xero-node';
import { inTransaction } from '../db/pool';
import type { Db } from '../db/pool';
import type { CallContext, XeroGateway } from './gateway';

/**
 * The manual contact picker's local index of an organisation's contacts. Xero's `searchTerm` is case-insensitive
 * but not accent-insensitive (docs/xero-organisation.md, "Contact search"), so "cafe" would never find
 * `Café "Bean" & Co`. The picker therefore searches a copy of the organisation's directory whose text is folded
 * (accents and case removed). The copy is read from Xero's paged summary directory (1,000 contacts a call, archived
 * ones included) when it is older than `maxAgeMs` or was read from another organisation, so a search costs no Xero
 * call most of the time and a refresh costs one call per 1,000 contacts.
 */
export interface DirectoryContact {
  contactId: string;
  name: string;
  status: string;
  email: string | null;
  accountNumber: string | null;
}

export const DIRECTORY_MAX_AGE_MS = 5 * 60_000;
const PAGE_SIZE = 1000;
const MAX_RESULTS = 100;

/** Lower case without accents or other combining marks: "Café" and "CAFE" both fold to "cafe". */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The text Xero's searchTerm reads (Name, FirstName, LastName, ContactNumber, EmailAddress), folded. */
function foldedOf(c: Contact): string {
  return foldText(
    [c.name, c.firstName, c.lastName, c.contactNumber, c.emailAddress].filter((f) => !!f).join('\n'),
  );
}

export class ContactDirectory {
  constructor(
    private readonly db: Db,
    private readonly maxAgeMs = DIRECTORY_MAX_AGE_MS,
  ) {}

  /**
   * Up to 100 contacts whose name, first or last name, contact number or email contains `term`, ignoring accents
   * and case, by name. `fresh` says whether the index was read from Xero for this search.
   */
  async search(
    gateway: XeroGateway,
    ctx: CallContext,
    term: string,
    includeArchived: boolean,
  ): Promise<{ items: DirectoryContact[]; fresh: boolean }> {
    const fresh = await this.refreshIfStale(gateway, ctx);
    const { rows } = await this.db.query<{
      contact_id: string;
      name: string;
      status: string;
      email: string | null;
      account_number: string | null;
    }>(
      `SELECT contact_id, name, status, email, account_number FROM xero_contact_directory
       WHERE business_id = $1 AND strpos(folded, $2) > 0 AND ($3 OR status <> 'ARCHIVED')
       ORDER BY lower(name), contact_id LIMIT ${MAX_RESULTS}`,
      [ctx.businessId, foldText(term), includeArchived],
    );
    const items = rows.map((r) => ({
      contactId: r.contact_id,
      name: r.name,
      status: r.status,
      email: r.email,
      accountNumber: r.account_number,
    }));
    return { items, fresh };
  }

  /** Reads the whole directory again when the copy is stale; one refresh at a time per business. */
  private async refreshIfStale(gateway: XeroGateway, ctx: CallContext) {
    if (await this.isCurrent(ctx)) return false;
    // Read from Xero outside the transaction (the calls may wait for the limiter), then swap the copy at once.
    const contacts = await readDirectory(gateway, ctx);
    await inTransaction(this.db, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('xero_contact_directory:' || $1))`, [
        ctx.businessId,
      ]);
      await tx.query('DELETE FROM xero_contact_directory WHERE business_id = $1', [ctx.businessId]);
      for (let i = 0; i < contacts.length; i += 500)
        await insertPage(tx, ctx.businessId, contacts.slice(i, i + 500));
      await tx.query(
        `INSERT INTO xero_contact_directory_reads (business_id, tenant_id, read_at) VALUES ($1, $2, now())
         ON CONFLICT (business_id) DO UPDATE SET tenant_id = $2, read_at = now()`,
        [ctx.businessId, ctx.tenantId],
      );
    });
    return true;
  }

  private async isCurrent(ctx: CallContext): Promise<boolean> {
    const { rows } = await this.db.query<{ tenant_id: string; age_ms: number }>(
      `SELECT tenant_id, extract(epoch FROM now() - read_at) * 1000 AS age_ms
       FROM xero_contact_directory_reads WHERE business_id = $1`,
      [ctx.businessId],
    );
    const read = rows[0];
    return !!read && read.tenant_id === ctx.tenantId && Number(read.age_ms) < this.maxAgeMs;
  }
}

/** Every contact of the organisation, archived ones too, in summary pages of 1,000 (a full page means read on). */
async function readDirectory(gateway: XeroGateway, ctx: CallContext): Promise<Contact[]> {
  const all: Contact[] = [];
  for (let page = 1; ; page++) {
    const { contacts } = await gateway.getContactPage(ctx, {
      page,
      pageSize: PAGE_SIZE,
      summaryOnly: true,
      includeArchived: true,
    });
    all.push(...contacts);
    if (contacts.length < PAGE_SIZE) return all;
  }
}

async function insertPage(
  tx: { query: Db['query'] },
  businessId: string,
  contacts: Contact[],
): Promise<void> {
  if (contacts.length === 0) return;
  const values: unknown[] = [];
  const tuples = contacts.map((c, i) => {
    values.push(
      businessId,
      c.contactID ?? '',
      c.name ?? '',
      String(c.contactStatus ?? 'ACTIVE'),
      c.emailAddress || null,
      c.accountNumber || null,
      foldedOf(c),
    );
    const at = i * 7;
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7})`;
  });
  await tx.query(
    `INSERT INTO xero_contact_directory (business_id, contact_id, name, status, email, account_number, folded)
     VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
    values,
  );
}
