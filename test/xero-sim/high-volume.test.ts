import { expectConformance, http, startHarness, type Harness } from './support/harness';

/**
 * Xero's high-volume threshold on large organisations (xero-facts.md, "Large organisations"; src/xero-sim/high-volume.ts):
 * a GET /Contacts Xero deems inefficient is refused with 400 HighVolumeException (ErrorNumber 51).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    highVolume: { maxClauses: 3, refuseMethods: false, thresholdContacts: 40 },
  });
});
afterAll(() => h.close());
expectConformance(() => h);

const XERO_MESSAGE =
  'Your request is not filtering Contacts efficiently, given the extremely high volume for this organisation. Please check https://developer.xero.com/documentation/api/efficient-data-retrieval for tips on making Contact retrieval more efficient.';

/** A tenant of its own (through /__sim/tenants), seeded with `contacts` contacts, and a token for it. */
async function organisation(spec: Record<string, unknown>, contacts = 5) {
  const created = await http(h, 'POST', '/__sim/tenants', { body: spec });
  const tenantId = created.body.tenantId as string;
  const seeded = Array.from({ length: contacts }, (_, i) => ({
    Name: `Customer ${i}`,
    ContactNumber: `C-${i}`,
  }));
  await http(h, 'POST', `/__sim/tenants/${tenantId}/contacts`, { body: { Contacts: seeded } });
  const token = h.running.sim.issueAccessToken([tenantId]).access_token;
  const get = (query: Record<string, string>) =>
    http(h, 'GET', `/Contacts?${new URLSearchParams(query).toString()}`, { token, tenantId });
  return { tenantId, get, created: created.body };
}

const names = (result: { body: { Contacts: Array<{ Name: string }> } }) =>
  result.body.Contacts.map((c) => c.Name).sort();

const ored = (...clauses: string[]) => clauses.join(' OR ');

describe('large organisations: HighVolumeException', () => {
  it('refuses a where with more clauses than a large organisation answers, and answers the same names in smaller filters', async () => {
    const large = await organisation({ highVolume: true });
    expect(large.created.highVolume).toEqual({ maxClauses: 3, refuseMethods: false });
    const four = ored(...[0, 1, 2, 3].map((i) => `Name.ToLower()=="customer ${i}"`));
    const refused = await large.get({ where: four, page: '1' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ ErrorNumber: 51, Type: 'HighVolumeException', Message: XERO_MESSAGE });
    const three = await large.get({
      where: ored('Name=="Customer 0"', 'Name=="Customer 1"', 'EmailAddress=="x@y.z"'),
      page: '1',
    });
    expect(names(three)).toEqual(['Customer 0', 'Customer 1']);
    const lower = await large.get({ where: 'Name.ToLower()=="customer 3"', page: '1' });
    expect(names(lower)).toEqual(['Customer 3']);

    const small = await organisation({});
    expect(small.created.highVolume).toBeNull();
    expect(names(await small.get({ where: four, page: '1' }))).toHaveLength(4);
    const stats = h.running.sim.stats().tenants;
    expect(stats[large.tenantId]?.highVolumeRefusals).toBe(1);
    expect(stats[small.tenantId]?.highVolumeRefusals).toBe(0);
  });

  it('refuses filters on fields Xero has not optimised and unpaged reads, and answers searchTerm and the paged summaryOnly directory', async () => {
    const large = await organisation({ highVolume: true });
    // xero-python#148: OR-ed ContactNumbers; Xero-NetStandard#604: IsSupplier.
    for (const where of ['ContactNumber=="C-1"', 'IsSupplier==true', 'Name!="Customer 1"'])
      expect({ where, status: (await large.get({ where, page: '1' })).status }).toEqual({
        where,
        status: 400,
      });
    expect((await large.get({})).body).toMatchObject({ Type: 'HighVolumeException' });
    expect(names(await large.get({ searchTerm: 'customer 4', page: '1' }))).toEqual(['Customer 4']);
    const directory = await large.get({ summaryOnly: 'true', page: '1', pageSize: '1000' });
    expect(directory.status).toBe(200);
    expect(directory.body.pagination).toMatchObject({ itemCount: 5 });
    // summaryOnly: the lightweight contact, without addresses, phones, groups or persons.
    expect(directory.body.Contacts[0]).not.toHaveProperty('Addresses');
    expect((await large.get({ page: '1' })).body.Contacts[0]).toHaveProperty('Addresses');
  });

  it('refuses Name.ToLower() even alone where the organisation refuses methods, but answers Name=="…"', async () => {
    const large = await organisation({ highVolume: { refuseMethods: true, maxClauses: 5 } });
    for (const where of ['Name.ToLower()=="customer 2"', 'Name.Contains("2")'])
      expect((await large.get({ where, page: '1' })).body).toMatchObject({
        ErrorNumber: 51,
        Type: 'HighVolumeException',
      });
    expect(names(await large.get({ where: 'Name=="Customer 2"', page: '1' }))).toEqual(['Customer 2']);
  });

  it('treats an organisation with more contacts than the threshold as large, marked or not', async () => {
    const crowded = await organisation({}, 41);
    const four = ored(...[0, 1, 2, 3].map((i) => `Name=="Customer ${i}"`));
    expect((await crowded.get({ where: four, page: '1' })).body).toMatchObject({ ErrorNumber: 51 });
    const listed = await http(h, 'GET', '/__sim/tenants');
    const row = (listed.body as Array<{ tenantId: string; highVolume: unknown }>).find(
      (t) => t.tenantId === crowded.tenantId,
    );
    expect(row?.highVolume).toEqual({ maxClauses: 3, refuseMethods: false });
  });
});
