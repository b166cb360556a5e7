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
const where = (clause: string, includeArchived?: boolean) =>
  call(
    h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      clause,
      undefined,
      undefined,
      undefined,
      includeArchived,
    ),
  );

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
    const result = await call(
      h.xero.accountingApi.getContacts(
        h.tenantId,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'OPS@LIM',
      ),
    );
    expect(names(result.body)).toEqual(['Lim Trading']);
  });

  it('does not ignore accents in searchTerm or where: "cafe" finds no "Café"', async () => {
    await call(
      h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: 'Café "Bean" & Co' }] }, false),
    );
    const search = (term: string) =>
      call(
        h.xero.accountingApi.getContacts(
          h.tenantId,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          term,
        ),
      );
    expect(names((await search('CAFÉ')).body)).toEqual(['Café "Bean" & Co']);
    expect(names((await search('cafe')).body)).toEqual([]);
    expect(names((await where('Name.ToLower().Contains("cafe")')).body)).toEqual([]);
  });

  it('filters by IDs and pages with page/pageSize', async () => {
    const all = await call(h.xero.accountingApi.getContacts(h.tenantId));
    const lim = all.body.contacts.find((c: Contact) => c.name === 'Lim Trading') as Contact;
    const byId = await call(
      h.xero.accountingApi.getContacts(h.tenantId, undefined, undefined, undefined, [
        lim.contactID as string,
      ]),
    );
    expect(names(byId.body)).toEqual(['Lim Trading']);
    const page2 = await call(
      h.xero.accountingApi.getContacts(
        h.tenantId,
        undefined,
        undefined,
        undefined,
        undefined,
        2,
        undefined,
        undefined,
        undefined,
        1,
      ),
    );
    expect(page2.body.contacts).toHaveLength(1);
    expect(page2.body.pagination).toMatchObject({
      page: 2,
      pageSize: 1,
      itemCount: all.body.contacts.length,
    });
  });

  it("refuses a second active contact whose name differs only in case, with Xero's message", async () => {
    const result = await call(
      h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: 'TAN & SONS' }] }, false),
    );
    expect(result.body.contacts[0].hasValidationErrors).toBe(true);
    expect(result.body.contacts[0].validationErrors[0].message).toBe(
      'The contact name TAN & SONS is already assigned to another contact. The contact name must be unique across all active contacts.',
    );
    const summarized = await http(h, 'PUT', '/Contacts', { body: { Contacts: [{ Name: 'tan & sons' }] } });
    expect(summarized.status).toBe(400);
    expect(summarized.body.Type).toBe('ValidationException');
  });

  it('hides archived contacts unless includeArchived=true, and lets an archived name be reused', async () => {
    const created = await call(
      h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: 'Old Shop' }] }, false),
    );
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
    const reused = await call(
      h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: 'old shop' }] }, false),
    );
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
