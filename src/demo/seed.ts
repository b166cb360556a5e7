import type { Db } from '../db/pool';
import { insertBusinessIfAbsent } from '../businesses/store';
import type { BusinessSettings } from '../businesses/store';
import { generateDemoOrders } from '../orders/seed';
import type { Order } from '../orders/schema';
import { upsertOrders } from '../orders/store';
import type { XeroConnections } from '../xero/connections';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../xero-sim/options';
import { createPageLink } from '../sessions/store';
import { demoApiKey } from './api-key';
import { addDays } from '../calendar';

export const DEMO_BUSINESS_ID = 'biz_demo';

/** Settings that match the simulator's seeded Singapore organisation (chart of accounts and GST rates). */
export const DEMO_SETTINGS: Partial<BusinessSettings> = {
  salesAccountCode: '200',
  roundingAccountCode: '860',
  taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' } },
  noTaxType: 'NONE',
  paymentAccounts: { card: '091', cash: '092', paynow: '090' },
  walkInContactName: 'Walk-in Customer',
};

export interface DemoSeedOptions {
  businessId?: string;
  from?: string;
  to?: string;
  ordersPerDay?: number;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Creates the demo business if it does not exist (an existing one is left as it is) and loads the demo orders; idempotent. */
export async function seedDemoData(db: Db, opts: DemoSeedOptions = {}) {
  const businessId = opts.businessId ?? DEMO_BUSINESS_ID;
  const yesterday = new Date(Date.now() - 86_400_000);
  const to = opts.to ?? isoDay(yesterday);
  const from = opts.from ?? addDays(to, -182);
  // An existing business keeps its name, time zone, settings and connection: only orders are added.
  const created = await insertBusinessIfAbsent(db, {
    id: businessId,
    name: businessId === DEMO_BUSINESS_ID ? 'Demo Coffee Co.' : businessId,
    timeZone: 'Asia/Singapore',
    settings: DEMO_SETTINGS,
  });
  let count = 0;
  let chunk: Order[] = [];
  for (const order of generateDemoOrders({ businessId, from, to, ordersPerDay: opts.ordersPerDay ?? 12 })) {
    chunk.push(order);
    if (chunk.length === 500) {
      await upsertOrders(db, chunk);
      count += chunk.length;
      chunk = [];
    }
  }
  await upsertOrders(db, chunk);
  count += chunk.length;
  return { businessId, from, to, orders: count, createdBusiness: created };
}

/**
 * Connects the demo business to the local simulator's demo organisation through the connection store, as
 * `business connect-custom` does: the simulator's demo client is a Custom Connection to it.
 */
export async function connectDemoBusiness(connections: XeroConnections, businessId = DEMO_BUSINESS_ID) {
  return connections.connectCustom(businessId, {
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
  });
}

/**
 * What `npm start` on embedded defaults gets: the demo business with its orders, connected to the simulator's demo
 * organisation, and its API key (kept in DATA_DIR, so it is the same on every start).
 */
// The demo's page link lasts PAGE_LINK_SECONDS like every page link (one lifetime everywhere, issue 25).
export async function prepareDemo(
  db: Db,
  connections: XeroConnections,
  dataDir: string,
  pageLinkSeconds: number,
) {
  const seeded = await seedDemoData(db);
  const connected = await connectDemoBusiness(connections, seeded.businessId);
  const key = await demoApiKey(db, dataDir, seeded.businessId);
  // A single-use link to the Manual Syncing page, as a platform's backend would ask for one with the key.
  const pageLink = await createPageLink(db, seeded.businessId, pageLinkSeconds);
  return { seeded, connected, key, pageLink };
}
