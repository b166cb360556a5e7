import { contactKey } from '../../src/engine/contact-names';
import {
  chooseContactReads,
  contactLookups,
  creditNoteIdGroups,
  creditNoteNumberGroups,
  invoiceNumberGroups,
  packByElements,
  planCalls,
  WHERE_BUDGET,
  whereGroupSize,
  whereProbeSize,
} from '../../src/engine/packing';

const zero = {
  invoices: 0,
  payments: 0,
  creditNotes: 0,
  refunds: 0,
  allocations: 0,
  contactReads: 0,
  newContacts: 0,
  organisationReads: 0,
};

describe('planCalls (what the engine makes, and the minimum it is measured against)', () => {
  it('needs no calls for no work', () => {
    expect(planCalls(zero).total).toBe(0);
  });

  it('writes 50 elements per call, the last batch of each kind partly full', () => {
    expect(planCalls({ ...zero, invoices: 50 }).invoices).toBe(1);
    expect(planCalls({ ...zero, invoices: 51 }).invoices).toBe(2);
    expect(planCalls({ ...zero, creditNotes: 101 }).creditNotes).toBe(3);
  });

  it('puts refunds in the payment batches (PUT /Payments takes both) and allocations one per call', () => {
    const plan = planCalls({ ...zero, payments: 90, refunds: 10, allocations: 3 });
    expect(plan).toMatchObject({ payments: 2, allocations: 3 });
  });

  it('counts the reads of the organisation (GET /Organisation, GET /Currencies) as given', () => {
    expect(planCalls({ ...zero, invoices: 1, organisationReads: 2 })).toMatchObject({
      organisation: 2,
      total: 3,
    });
  });

  it('counts contact reads as given and creates 50 to a call', () => {
    expect(planCalls({ ...zero, contactReads: 2, newContacts: 60 }).contacts).toBe(4);
  });

  it('adds everything up', () => {
    const plan = planCalls({
      invoices: 468,
      payments: 468,
      creditNotes: 10,
      refunds: 10,
      allocations: 0,
      contactReads: 1,
      newContacts: 12,
      organisationReads: 1,
    });
    expect(plan).toEqual({
      invoices: 10,
      payments: 10,
      creditNotes: 1,
      allocations: 0,
      contacts: 2,
      organisation: 1,
      total: 24,
    });
  });
});

describe('packByElements', () => {
  it('never splits an item and never exceeds the batch', () => {
    const batches = packByElements([30, 15, 10, 50, 1], (n) => n, 50);
    expect(batches).toEqual([[30, 15], [10], [50], [1]]);
  });
});

describe('contactLookups', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `Customer Number ${i}`);

  it('ORs as many names as the URL allows into one where clause, each encoded clause within the budget', () => {
    const lookups = contactLookups(names(60));
    expect(lookups.length).toBeGreaterThan(1);
    for (const l of lookups) {
      expect(l.kind).toBe('where');
      if (l.kind === 'where') expect(encodeURIComponent(l.where).length).toBeLessThanOrEqual(WHERE_BUDGET);
    }
    expect(lookups.flatMap((l) => l.keys).sort()).toEqual(names(60).map(contactKey).sort());
  });

  it('asks once for names that differ only in case or spacing, as Xero compares them', () => {
    const lookups = contactLookups(['John Doe', 'john  DOE', 'Jane Roe']);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({
      kind: 'where',
      where: 'Name.ToLower()=="john doe" OR Name.ToLower()=="jane roe"',
    });
  });

  it('gives a name with a double quote its own searchTerm call (Xero where cannot quote it)', () => {
    const lookups = contactLookups(['Café "Bean" & Co', 'Plain Name']);
    expect(lookups).toContainEqual({ kind: 'searchTerm', searchTerm: 'café', keys: ['café "bean" & co'] });
    expect(lookups).toContainEqual({
      kind: 'where',
      where: 'Name.ToLower()=="plain name"',
      keys: ['plain name'],
    });
  });
});

describe('contactLookups after a large organisation refused a where (HighVolumeException)', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `Customer Number ${i}`);

  it('ORs at most the organisation limit of names into one where', () => {
    const lookups = contactLookups(names(20), 8);
    expect(lookups.map((l) => l.keys.length)).toEqual([8, 8, 4]);
    expect(lookups.every((l) => l.kind === 'where')).toBe(true);
    expect(lookups.flatMap((l) => l.keys).sort()).toEqual(names(20).map(contactKey).sort());
  });

  it('asks every name by searchTerm (case-insensitive, results filtered by key) when where is no use', () => {
    for (const limit of [0, 1]) {
      const lookups = contactLookups(['John Doe', 'john  DOE', 'Café "Bean"'], limit);
      expect(lookups).toEqual([
        { kind: 'searchTerm', searchTerm: 'john doe', keys: ['john doe'] },
        { kind: 'searchTerm', searchTerm: 'café', keys: ['café "bean"'] },
      ]);
    }
  });

  it('halves the names of a where at each refusal until one is answered, and gives up on where at one name', () => {
    expect([35, 17, 8, 4, 3, 2, 1].map((refused) => whereGroupSize({ refused, answered: null }))).toEqual([
      17, 8, 4, 2, 1, 1, 0,
    ]);
    expect(whereGroupSize({ refused: null, answered: null })).toBeNull();
    expect(whereGroupSize({ refused: 17, answered: 8 })).toBe(8);
  });

  it('learns the limit between what was answered and what was refused, probing only while it saves calls', () => {
    // An organisation answering up to 10 names, as the engine meets it: each call it answers or refuses.
    const hidden = 10;
    let limit: { refused: number | null; answered: number | null } = { refused: 35, answered: null };
    let refusals = 1;
    for (let round = 0; round < 20; round++) {
      const size = whereProbeSize(limit, 100) ?? whereGroupSize(limit)!;
      if (size > hidden) {
        refusals += 1;
        limit = { refused: size, answered: limit.answered };
      } else if (size > (limit.answered ?? 0)) limit = { ...limit, answered: size };
      else break;
    }
    expect(whereGroupSize(limit)).toBe(10);
    expect(refusals).toBeLessThanOrEqual(4);
    // Few names left: a probe would not save a call.
    expect(whereProbeSize({ refused: 17, answered: 8 }, 6)).toBeNull();
    expect(whereProbeSize({ refused: 11, answered: 10 }, 100)).toBeNull();
  });

  it('counts the calls of the way left: 100 names at 8 a where against a 20,000-contact directory', () => {
    const lookups = contactLookups(names(100), 8).length;
    expect(lookups).toBe(13);
    expect(chooseContactReads(lookups, 20_000)).toEqual({ strategy: 'lookup', calls: 13 });
    expect(chooseContactReads(contactLookups(names(100), 0).length, 20_000)).toEqual({
      strategy: 'directory',
      calls: 20,
    });
  });
});

describe('invoice and credit-note number groups', () => {
  it('keeps each GET within the URL budget', () => {
    const numbers = Array.from({ length: 400 }, (_, i) => `POS-${100000 + i}`);
    const groups = invoiceNumberGroups(numbers);
    expect(groups.flat()).toEqual(numbers);
    for (const g of groups) expect(encodeURIComponent(g.join(',')).length).toBeLessThanOrEqual(WHERE_BUDGET);
    const notes = creditNoteNumberGroups(numbers.map((n) => `${n}-CN`));
    for (const g of notes) expect(encodeURIComponent(g.where).length).toBeLessThanOrEqual(WHERE_BUDGET);
  });

  it('reads credit notes by id in as few GETs as the URL budget allows, each id once', () => {
    const ids = Array.from(
      { length: 100 },
      (_, i) => `0000${String(i).padStart(4, '0')}-1111-2222-3333-444455556666`,
    );
    const groups = creditNoteIdGroups(ids);
    expect(groups.flatMap((g) => g.ids)).toEqual(ids);
    expect(groups[0]!.where).toMatch(/^CreditNoteID==Guid\("00000000-1111-2222-3333-444455556666"\) OR /);
    for (const g of groups) {
      expect(encodeURIComponent(g.where).length).toBeLessThanOrEqual(WHERE_BUDGET);
      expect(g.where.split(' OR ')).toHaveLength(g.ids.length);
    }
    // Full: the next id would not have fitted.
    const clause = encodeURIComponent(` OR CreditNoteID==Guid("${ids[0]}")`).length;
    expect(encodeURIComponent(groups[0]!.where).length + clause).toBeGreaterThan(WHERE_BUDGET);
  });
});

describe('chooseContactReads', () => {
  it('reads by name when one lookup will do', () => {
    expect(chooseContactReads(1, 50_000)).toEqual({ strategy: 'lookup', calls: 1 });
  });

  it('reads the directory when its pages are fewer than the lookups', () => {
    expect(chooseContactReads(30, 2500)).toEqual({ strategy: 'directory', calls: 3 });
    expect(chooseContactReads(3, 2500)).toEqual({ strategy: 'lookup', calls: 3 });
  });

  it('reads the first directory page to decide when the organisation size is unknown', () => {
    expect(chooseContactReads(5, null).strategy).toBe('probe-directory');
  });
});
