import { formatDecimal, mulDecimal, parseDecimal, roundDecimal, sumDecimal } from '../money';
import { seededRandom } from '../random';
import type { Channel } from '../contract';
import type { Order, OrderLine } from './schema';
import { datesBetween } from '../calendar';

const MENU: Array<{ sku: string; description: string; price: string }> = [
  { sku: 'LATTE', description: 'Latte', price: '5.50' },
  { sku: 'FLATW', description: 'Flat White', price: '5.80' },
  { sku: 'ESPR', description: 'Espresso', price: '3.90' },
  { sku: 'CROIS', description: 'Butter Croissant', price: '4.20' },
  { sku: 'BAGEL', description: 'Smoked Salmon Bagel', price: '12.90' },
  { sku: 'BEANS1K', description: 'House Blend Beans 1kg', price: '42.00' },
  { sku: 'MUG', description: 'Ceramic Mug', price: '18.50' },
  { sku: 'TEA', description: 'Jasmine Tea', price: '4.65' },
];

export const DEMO_LOCATIONS: Record<Channel, Array<{ id: string; name: string }>> = {
  pos: [
    { id: 'loc_clementi', name: 'Clementi Branch' },
    { id: 'loc_orchard', name: 'Orchard Flagship' },
    { id: 'loc_tampines', name: 'Tampines Mall Kiosk' },
  ],
  online: [{ id: 'loc_webstore', name: 'Online Store' }],
  b2b: [{ id: 'loc_wholesale', name: 'Wholesale Desk' }],
};

const CUSTOMERS = [
  'John Doe',
  'Mei Ling Tan',
  'Ahmad bin Ismail',
  'Priya Raj',
  "Sean O'Brien",
  'Café "Bean" & Co',
  'Zoë Müller',
  '陈伟',
  'Alex  Smith',
  'Nur Aisyah',
];
const B2B_CUSTOMERS = ['Harbour Hotels Pte Ltd', 'Office Pantry Supplies', 'Kopi + Friends LLP'];
const METHODS = ['card', 'cash', 'paynow'];

export interface SeedOptions {
  businessId: string;
  /** First and last local day (inclusive), YYYY-MM-DD, in UTC+08:00 (the demo business is in Singapore). */
  from: string;
  to: string;
  ordersPerDay: number;
  seed?: number;
  /** Only this channel (default: a realistic mix of POS, online and B2B). */
  channel?: Channel;
}

/** Generates a realistic demo set: several locations, repeat customers, walk-ins, refunds and voids. */
export function* generateDemoOrders(opts: SeedOptions): Generator<Order> {
  // Seeded, so the same seed always gives the same demo set.
  const random = seededRandom(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  let seq = 1000;
  for (const date of datesBetween(opts.from, opts.to)) {
    for (let i = 0; i < opts.ordersPerDay; i++) {
      seq += 1;
      const roll = random();
      const channel: Channel = opts.channel ?? (roll < 0.7 ? 'pos' : roll < 0.92 ? 'online' : 'b2b');
      yield demoOrder({
        opts,
        channel,
        seq,
        date,
        minute: Math.floor((i * 1440) / opts.ordersPerDay),
        random,
        pick,
      });
    }
  }
}

interface OrderSeedContext {
  opts: SeedOptions;
  channel: Channel;
  seq: number;
  date: string;
  minute: number;
  random: () => number;
  pick: <T>(xs: readonly T[]) => T;
}

function demoOrder(c: OrderSeedContext): Order {
  const lines = demoLines(c);
  const pricesIncludeTax = c.channel !== 'b2b';
  const total = orderTotal(lines, pricesIncludeTax);
  const placedAt = `${c.date}T${pad(Math.floor(c.minute / 60))}:${pad(c.minute % 60)}:00+08:00`;
  const roll = c.random();
  const status = roll < 0.02 ? 'voided' : roll < 0.05 ? 'refunded' : 'completed';
  const walkIn = c.channel === 'pos' && c.random() < 0.6;
  const customerName = c.channel === 'b2b' ? c.pick(B2B_CUSTOMERS) : c.pick(CUSTOMERS);
  return {
    id: `ord_${c.seq}`,
    number: String(c.seq),
    businessId: c.opts.businessId,
    channel: c.channel,
    location: c.pick(DEMO_LOCATIONS[c.channel]),
    customer: walkIn ? null : { name: customerName, email: null },
    placedAt,
    currency: 'SGD',
    pricesIncludeTax,
    lines,
    total,
    // B2B orders are invoiced on account and paid later, outside the order.
    payments:
      status === 'voided' || c.channel === 'b2b'
        ? []
        : [{ method: c.pick(METHODS), amount: total, paidAt: placedAt }],
    status,
    ...(status === 'refunded'
      ? { refund: { amount: total, refundedAt: placedAt, reason: 'Customer return' } }
      : {}),
  };
}

function demoLines(c: OrderSeedContext): OrderLine[] {
  const count = c.channel === 'b2b' ? 3 + Math.floor(c.random() * 4) : 1 + Math.floor(c.random() * 3);
  return Array.from({ length: count }, () => {
    const item = c.pick(MENU);
    const quantity = c.channel === 'b2b' ? 5 + Math.floor(c.random() * 20) : 1 + Math.floor(c.random() * 3);
    const discount = c.random() < 0.1 ? '1.00' : '0.00';
    return {
      sku: item.sku,
      description: item.description,
      quantity,
      unitPrice: item.price,
      discount,
      taxCode: 'GST9',
    };
  });
}

/** The till's own total: tax-inclusive lines add up; exclusive orders add 9% GST on the whole, as tills do. */
function orderTotal(lines: OrderLine[], pricesIncludeTax: boolean): string {
  const net = sumDecimal(
    lines.map(
      (l) => mulDecimal(parseDecimal(l.unitPrice), BigInt(l.quantity) * 10_000n) - parseDecimal(l.discount),
    ),
  );
  const total = pricesIncludeTax ? net : net + roundDecimal(mulDecimal(net, parseDecimal('0.09')), 2);
  return formatDecimal(total, 2);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
