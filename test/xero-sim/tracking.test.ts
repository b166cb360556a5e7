import { call, expectConformance, http, invoice, startHarness, type Harness } from './support/harness';

/**
 * Tracking categories (src/xero-sim/tracking.ts, where each rule's source is): GET /TrackingCategories with its
 * categories and options, at most two active categories, and a line's Tracking refused for an archived or unknown
 * category or option.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

interface Made {
  TrackingCategoryID: string;
  Name: string;
  Options: Array<{ TrackingOptionID: string; Name: string }>;
}

async function addCategory(spec: Record<string, unknown>) {
  return http(h, 'POST', `/__sim/tenants/${h.tenantId}/tracking-categories`, { body: spec });
}
const setStatus = (id: string, Status: string) =>
  http(h, 'POST', `/__sim/tenants/${h.tenantId}/tracking/${id}`, { body: { Status } });
const firstLine = () => (invoice().LineItems as Array<Record<string, unknown>>)[0] ?? {};
const putInvoice = (line: Record<string, unknown>) =>
  http(h, 'PUT', '/Invoices?summarizeErrors=false', {
    body: { Invoices: [invoice({ LineItems: [{ ...firstLine(), ...line }] })] },
  });
const messages = (res: { body: { Invoices: Array<{ ValidationErrors?: Array<{ Message: string }> }> } }) =>
  (res.body.Invoices[0]?.ValidationErrors ?? []).map((e) => e.Message);

function optionOf(category: Made, i: number) {
  const option = category.Options[i];
  if (!option) throw new Error(`${category.Name} has no option ${i}`);
  return option;
}

let store: Made;
let region: Made;
beforeAll(async () => {
  store = (await addCategory({ Name: 'Store', Options: [{ Name: 'Orchard' }, { Name: 'Tampines' }] }))
    .body as Made;
  region = (
    await addCategory({ Name: 'Region', Options: [{ Name: 'Central' }, { Name: 'Old', Status: 'ARCHIVED' }] })
  ).body as Made;
});

describe('GET /TrackingCategories', () => {
  it('answers the active categories and options, and archived ones too with includeArchived=true', async () => {
    const res = await call(h.xero.accountingApi.getTrackingCategories(h.tenantId));
    expect(res.status).toBe(200);
    const names = res.body.trackingCategories.map((c: { name: string; options: Array<{ name: string }> }) => [
      c.name,
      c.options.map((o) => o.name),
    ]);
    expect(names).toEqual([
      ['Store', ['Orchard', 'Tampines']],
      ['Region', ['Central']],
    ]);
    const all = await http(h, 'GET', '/TrackingCategories?includeArchived=true');
    const regionAll = all.body.TrackingCategories.find((c: Made) => c.Name === 'Region');
    expect(regionAll.Options.map((o: { Name: string; Status: string }) => `${o.Name}:${o.Status}`)).toEqual([
      'Central:ACTIVE',
      'Old:ARCHIVED',
    ]);
  });

  it('refuses a third active category, and takes it once one of the two is archived', async () => {
    const third = await addCategory({ Name: 'Channel', Options: [{ Name: 'POS' }] });
    expect(third.status).toBe(400);
    expect(third.body.error).toMatch(/at most 2 active tracking categories/);
    const archived = await addCategory({ Name: 'Old dimension', Status: 'ARCHIVED' });
    expect(archived.status).toBe(201);
    expect((await setStatus(archived.body.TrackingCategoryID, 'ACTIVE')).status).toBe(400);
  });
});

describe('a line’s Tracking', () => {
  it('is kept with both ids and the current names, given by ids or by names', async () => {
    const byId = await putInvoice({
      Tracking: [
        {
          TrackingCategoryID: store.TrackingCategoryID,
          TrackingOptionID: optionOf(store, 1).TrackingOptionID,
        },
      ],
    });
    expect(messages(byId)).toEqual([]);
    const line = byId.body.Invoices[0].LineItems[0];
    expect(line.Tracking).toEqual([
      {
        TrackingCategoryID: store.TrackingCategoryID,
        TrackingOptionID: optionOf(store, 1).TrackingOptionID,
        Name: 'Store',
        Option: 'Tampines',
      },
    ]);
    const byName = await putInvoice({
      Tracking: [
        { Name: 'store', Option: 'orchard' },
        { Name: 'Region', Option: 'Central' },
      ],
    });
    expect(messages(byName)).toEqual([]);
    expect(byName.body.Invoices[0].LineItems[0].Tracking.map((t: { Option: string }) => t.Option)).toEqual([
      'Orchard',
      'Central',
    ]);
  });

  it('is refused for an archived option, an unknown option or category, the same category twice, or three', async () => {
    const old = optionOf(region, 1);
    const archived = await putInvoice({
      Tracking: [{ TrackingCategoryID: region.TrackingCategoryID, TrackingOptionID: old.TrackingOptionID }],
    });
    expect(messages(archived)).toEqual(["Tracking option 'Old' of tracking category 'Region' is ARCHIVED."]);
    expect(messages(await putInvoice({ Tracking: [{ Name: 'Store', Option: 'Jurong' }] }))).toEqual([
      "Tracking option 'Jurong' of tracking category 'Store' does not exist.",
    ]);
    expect(messages(await putInvoice({ Tracking: [{ Name: 'Department', Option: 'Bar' }] }))).toEqual([
      "There is no ACTIVE tracking category with the name 'Department'",
    ]);
    expect(
      messages(
        await putInvoice({
          Tracking: [
            { Name: 'Store', Option: 'Orchard' },
            { Name: 'Store', Option: 'Tampines' },
          ],
        }),
      ),
    ).toEqual(["Tracking category 'Store' is given twice on one line item."]);
    const three = [1, 2, 3].map(() => ({ Name: 'Store', Option: 'Orchard' }));
    expect(messages(await putInvoice({ Tracking: three }))).toEqual([
      'A line item can have at most two tracking categories.',
    ]);
  });

  it('is refused once its option is archived after the fact, and credit notes follow the same rule', async () => {
    const option = optionOf(store, 0);
    const tracking = [
      { TrackingCategoryID: store.TrackingCategoryID, TrackingOptionID: option.TrackingOptionID },
    ];
    expect(messages(await putInvoice({ Tracking: tracking }))).toEqual([]);
    expect((await setStatus(option.TrackingOptionID, 'ARCHIVED')).status).toBe(204);
    try {
      expect(messages(await putInvoice({ Tracking: tracking }))).toEqual([
        "Tracking option 'Orchard' of tracking category 'Store' is ARCHIVED.",
      ]);
      const note = await http(h, 'PUT', '/CreditNotes?summarizeErrors=false', {
        body: {
          CreditNotes: [
            {
              Type: 'ACCRECCREDIT',
              Contact: { Name: 'Walk-in Customer' },
              Date: '2025-03-02',
              Status: 'AUTHORISED',
              LineAmountTypes: 'Exclusive',
              LineItems: [
                {
                  Description: 'Refund',
                  Quantity: 1,
                  UnitAmount: 5,
                  AccountCode: '200',
                  TaxType: 'OUTPUTY24',
                  Tracking: tracking,
                },
              ],
            },
          ],
        },
      });
      expect(note.body.CreditNotes[0].ValidationErrors.map((e: { Message: string }) => e.Message)).toEqual([
        "Tracking option 'Orchard' of tracking category 'Store' is ARCHIVED.",
      ]);
    } finally {
      await setStatus(option.TrackingOptionID, 'ACTIVE');
    }
  });
});
