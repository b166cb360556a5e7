import { Contact } from 'xero-node';
import { call, expectConformance, http, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await call(
    h.xero.accountingApi.createContacts(
      h.tenantId,
      { contacts: [{ name: 'Tan & Sons' }, { name: 'Lim Trading', emailAddress: 'ops@lim.sg' }] },
      false,
    ),
  );
});
afterAll(() => h.close());
expectConformance(() => h);

const names = (body: { contacts: Contact[] }) => body.contacts.map((c) => c.name);
/** GET /Contacts through xero-node, its positional arguments named. */
const getContacts = (q: {
  where?: string;
  ids?: string[];
  page?: number;
  includeArchived?: boolean;
  searchTerm?: string;
  pageSize?: number;
}) =>
  call(
    h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      q.where,
      undefined,
      q.ids,
      q.page,
      q.includeArchived,
      undefined,
      q.searchTerm,
      q.pageSize,
    ),
  );
const where = (clause: string, includeArchived?: boolean) => getContacts({ where: clause, includeArchived });
const search = (searchTerm: string) => getContacts({ searchTerm });
/** PUT /Contacts (create only) of contacts by name. */
const create = (...names: string[]) =>
  call(h.xero.accountingApi.createContacts(h.tenantId, { contacts: names.map((name) => ({ name })) }, false));

describe('contacts', () => {
  it('matches where Name=="…" case-sensitively', async () => {
    expect(names((await where('Name=="Tan & Sons"')).body)).toEqual(['Tan & Sons']);
    expect(names((await where('Name=="tan & sons"')).body)).toEqual([]);
  });

  it('matches where Name.ToLower()=="…" case-insensitively', async () => {
    expect(names((await where('Name.ToLower()=="tan & sons"')).body)).toEqual(['Tan & Sons']);
  });

  it('fails a where string containing a double quote with QueryParseException (ErrorNumber 16)', async () => {
    const result = await where('Name=="The "Best" Shop"');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ ErrorNumber: 16, Type: 'QueryParseException' });
    const escaped = await where('Name=="The \\"Best\\" Shop"');
    expect(escaped.body).toMatchObject({ ErrorNumber: 16 });
  });

  it('searches Name, EmailAddress and the rest case-insensitively with searchTerm', async () => {
    expect(names((await search('OPS@LIM')).body)).toEqual(['Lim Trading']);
  });

  it('does not ignore accents in searchTerm or where: "cafe" finds no "Café"', async () => {
    await create('Café "Bean" & Co');
    expect(names((await search('CAFÉ')).body)).toEqual(['Café "Bean" & Co']);
    expect(names((await search('cafe')).body)).toEqual([]);
    expect(names((await where('Name.ToLower().Contains("cafe")')).body)).toEqual([]);
  });

  it('filters by IDs and pages with page/pageSize', async () => {
    const all = await getContacts({});
    const lim = all.body.contacts.find((c: Contact) => c.name === 'Lim Trading') as Contact;
    const byId = await getContacts({ ids: [lim.contactID as string] });
    expect(names(byId.body)).toEqual(['Lim Trading']);
    const page2 = await getContacts({ page: 2, pageSize: 1 });
    expect(page2.body.contacts).toHaveLength(1);
    expect(page2.body.pagination).toMatchObject({
      page: 2,
      pageSize: 1,
      itemCount: all.body.contacts.length,
    });
  });

  it("refuses a second active contact whose name differs only in case, with Xero's message", async () => {
    const result = await create('TAN & SONS');
    expect(result.body.contacts[0].hasValidationErrors).toBe(true);
    expect(result.body.contacts[0].validationErrors[0].message).toBe(
      'The contact name TAN & SONS is already assigned to another contact. The contact name must be unique across all active contacts.',
    );
    const summarized = await http(h, 'PUT', '/Contacts', { body: { Contacts: [{ Name: 'tan & sons' }] } });
    expect(summarized.status).toBe(400);
    expect(summarized.body.Type).toBe('ValidationException');
  });

  it('hides archived contacts unless includeArchived=true, and lets an archived name be reused', async () => {
    const created = await create('Old Shop');
    const contactID = created.body.contacts[0].contactID as string;
    const archived = await call(
      h.xero.accountingApi.updateOrCreateContacts(
        h.tenantId,
        { contacts: [{ contactID, contactStatus: Contact.ContactStatusEnum.ARCHIVED }] },
        false,
      ),
    );
    expect(archived.body.contacts[0].contactStatus).toBe(Contact.ContactStatusEnum.ARCHIVED);
    expect(names((await where('Name=="Old Shop"')).body)).toEqual([]);
    expect(names((await where('Name=="Old Shop"', true)).body)).toEqual(['Old Shop']);
    const reused = await create('old shop');
    expect(reused.body.contacts[0].hasValidationErrors).toBe(false);
  });

  it('creates with PUT only, and creates or updates with POST', async () => {
    const put = await call(
      h.xero.accountingApi.createContacts(
        h.tenantId,
        { contacts: [{ name: 'Put Co', contactNumber: 'EXT-9' }] },
        false,
      ),
    );
    const id = put.body.contacts[0].contactID as string;
    const post = await call(
      h.xero.accountingApi.updateOrCreateContacts(
        h.tenantId,
        { contacts: [{ contactNumber: 'EXT-9', name: 'Put Co Renamed' }, { name: 'Post New' }] },
        false,
      ),
    );
    expect(post.body.contacts[0]).toMatchObject({ contactID: id, name: 'Put Co Renamed' });
    expect(post.body.contacts[1].contactID).not.toBe(id);
    const seeded = await http(h, 'POST', `/__sim/tenants/${h.tenantId}/contacts`, {
      body: { Contacts: [{ Name: 'Seeded Archived', ContactStatus: 'ARCHIVED' }] },
    });
    expect(seeded.status).toBe(201);
  });
});
