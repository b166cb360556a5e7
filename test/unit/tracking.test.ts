import type { Order } from '../../src/orders/schema';
import { mapOrder } from '../../src/engine/invoice-mapping';
import { toXeroCreditNote, toXeroInvoice } from '../../src/xero/wire';
import { checkTrackingLocally, inactiveOptions } from '../../src/businesses/tracking';
import { mappingSettings } from '../support/mapping';

/** Tracking on the lines a per-order request writes (src/engine/tracking.ts), and the setting's own checks. */

const STORE = 'aaaaaaaa-0000-4000-8000-000000000001';
const ORCHARD = 'aaaaaaaa-0000-4000-8000-000000000002';
const CHANNEL = 'bbbbbbbb-0000-4000-8000-000000000001';
const COUNTER = 'bbbbbbbb-0000-4000-8000-000000000002';

const settings = mappingSettings({
  taxTypes: { GST9: { taxType: 'OUTPUT', rate: '9' } },
  tracking: [
    { categoryId: STORE, by: 'location', options: { loc_orchard: ORCHARD } },
    { categoryId: CHANNEL, by: 'channel', options: { pos: COUNTER } },
  ],
});

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    number: '1001',
    businessId: 'biz_1',
    channel: 'pos',
    location: { id: 'loc_orchard', name: 'Orchard' },
    customer: null,
    placedAt: '2026-03-14T12:30:00+08:00',
    currency: 'SGD',
    pricesIncludeTax: true,
    // 3 × 3.33 inclusive = 9.99, order says 10.00: a rounding line is added, and it must carry the options too.
    lines: [{ description: 'Tea', quantity: 3, unitPrice: '3.33', discount: '0.00', taxCode: 'GST9' }],
    total: '10.00',
    payments: [{ method: 'card', amount: '10.00', paidAt: '2026-03-14T12:30:00+08:00' }],
    status: 'refunded',
    refund: { amount: '10.00', refundedAt: '2026-03-15T10:00:00+08:00' },
    ...overrides,
  };
}

const both = [
  { TrackingCategoryID: STORE, TrackingOptionID: ORCHARD },
  { TrackingCategoryID: CHANNEL, TrackingOptionID: COUNTER },
];

describe('tracking on per-order documents', () => {
  it('puts the location’s and the channel’s options on every invoice and credit-note line, rounding included', () => {
    const mapped = mapOrder(order(), settings, { name: 'Walk-in Customer' });
    if (mapped.kind !== 'invoice') throw new Error(JSON.stringify(mapped));
    expect(mapped.invoice.LineItems.map((l) => l.Description)).toEqual(['Tea', 'Rounding']);
    for (const l of mapped.invoice.LineItems) expect(l.Tracking).toEqual(both);
    const note = mapped.creditNote?.creditNote;
    expect(note?.LineItems.length).toBeGreaterThan(0);
    for (const l of note?.LineItems ?? []) expect(l.Tracking).toEqual(both);
    expect(toXeroInvoice(mapped.invoice).lineItems?.[0]?.tracking).toEqual([
      { trackingCategoryID: STORE, trackingOptionID: ORCHARD },
      { trackingCategoryID: CHANNEL, trackingOptionID: COUNTER },
    ]);
    if (note) expect(toXeroCreditNote(note).lineItems?.[0]?.tracking).toHaveLength(2);
  });

  it('an unmapped location gets no option in that category; no tracking setting sends none', () => {
    const elsewhere = mapOrder(order({ location: { id: 'loc_x', name: 'X' } }), settings, { name: 'W' });
    if (elsewhere.kind !== 'invoice') throw new Error('not mapped');
    expect(elsewhere.invoice.LineItems[0]?.Tracking).toEqual([both[1]]);
    const none = mapOrder(order(), { ...settings, tracking: [] }, { name: 'W' });
    if (none.kind !== 'invoice') throw new Error('not mapped');
    expect(none.invoice.LineItems[0]).not.toHaveProperty('Tracking');
    expect(toXeroInvoice(none.invoice).lineItems?.[0]).not.toHaveProperty('tracking');
  });
});

describe('the tracking setting', () => {
  it('refuses one category twice and a channel mapping keyed by something else', () => {
    expect(
      checkTrackingLocally([
        { categoryId: STORE, by: 'channel', options: { shop: COUNTER } },
        { categoryId: STORE.toUpperCase(), by: 'location', options: {} },
      ]).map((p) => p.path),
    ).toEqual(['tracking.0.options.shop', 'tracking.1.categoryId']);
  });

  it('names the mapped options that are no longer active, and nothing else', () => {
    const categories = [
      {
        trackingCategoryID: STORE,
        name: 'Store',
        status: 'ACTIVE',
        options: [{ trackingOptionID: ORCHARD, name: 'Orchard', status: 'ARCHIVED' }],
      },
      {
        trackingCategoryID: CHANNEL,
        name: 'Channel',
        status: 'ACTIVE',
        options: [{ trackingOptionID: COUNTER, name: 'Counter', status: 'ACTIVE' }],
      },
    ] as unknown as Parameters<typeof inactiveOptions>[1];
    expect(inactiveOptions(settings.tracking ?? [], categories)).toEqual([
      { key: 'loc_orchard', label: 'loc_orchard → Store: Orchard (ARCHIVED)' },
    ]);
  });
});
