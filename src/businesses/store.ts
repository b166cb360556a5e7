import type { Db } from '../db/pool';
import type { InvoiceStatus, PostingMode, SummaryLines, TrackingMapping } from '../contract';

/** Invoice-mapping settings kept per business (validated against the organisation by the settings API). */
export interface BusinessSettings {
  salesAccountCode: string;
  roundingAccountCode: string;
  /** Order tax code -> Xero TaxType and its rate in percent (e.g. "9"). */
  taxTypes: Record<string, { taxType: string; rate: string }>;
  noTaxType: string;
  /** Payment method -> Xero bank account code. */
  paymentAccounts: Record<string, string>;
  invoiceNumberTemplate: string;
  invoiceStatus: InvoiceStatus;
  walkInContactName: string;
  /** Calls of the daily quota left untouched for the platform's real-time sync. */
  dailyQuotaReserve: number;
  /** The organisation's daily call limit for estimates; null: the deployment's, or what Xero's headers showed. */
  dailyCallLimit: number | null;
  /** Locations and/or channels → Xero tracking options, by id (src/businesses/tracking.ts); at most two categories. */
  tracking: TrackingMapping[];
  /** The posting mode of a request that names none (issue 23; src/requests/posting.ts decides where it applies). */
  posting: PostingMode;
  /** How daily summaries group their lines: per account (tax type, tracking) or also per product (src/engine/summary.ts). */
  summaryLines: SummaryLines;
  /** Numbers daily summaries: {CHANNEL}, {channel}, {LOCATION}, {DATE}, {CURRENCY} (src/businesses/invoice-number.ts). */
  summaryNumberTemplate: string;
}

export interface Business {
  id: string;
  name: string;
  timeZone: string;
  xeroTenantId: string | null;
  settings: BusinessSettings;
}

export const DEFAULT_SETTINGS: BusinessSettings = {
  salesAccountCode: '200',
  roundingAccountCode: '860',
  taxTypes: {},
  noTaxType: 'NONE',
  paymentAccounts: {},
  invoiceNumberTemplate: '{CHANNEL}-{number}',
  invoiceStatus: 'AUTHORISED',
  walkInContactName: 'Walk-in Customer',
  dailyQuotaReserve: 500,
  dailyCallLimit: null,
  tracking: [],
  posting: 'per-order',
  summaryLines: 'account',
  summaryNumberTemplate: '{CHANNEL}-{LOCATION}-{DATE}',
};

interface BusinessRow {
  id: string;
  name: string;
  time_zone: string;
  xero_tenant_id: string | null;
  settings: Partial<BusinessSettings>;
}

export async function getBusiness(db: Db, id: string): Promise<Business | null> {
  const { rows } = await db.query<BusinessRow>(
    'SELECT id, name, time_zone, xero_tenant_id, settings FROM businesses WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    xeroTenantId: row.xero_tenant_id,
    settings: { ...DEFAULT_SETTINGS, ...row.settings },
  };
}

export async function getLocation(
  db: Db,
  businessId: string,
  locationId: string,
): Promise<{ id: string; name: string; channels: string[] } | null> {
  const { rows } = await db.query<{ id: string; name: string; channels: string[] }>(
    'SELECT id, name, channels FROM locations WHERE business_id = $1 AND id = $2',
    [businessId, locationId],
  );
  return rows[0] ?? null;
}

/** Creates a business with these settings and no Xero connection; false (and nothing changed) when it exists. */
export async function insertBusinessIfAbsent(
  db: Db,
  b: { id: string; name: string; timeZone: string; settings: Partial<BusinessSettings> },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO businesses (id, name, time_zone, settings) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [b.id, b.name, b.timeZone, JSON.stringify(b.settings)],
  );
  return rowCount === 1;
}

/** Creates a business with default settings and no Xero connection; false when the id is taken. */
export async function insertBusiness(
  db: Db,
  b: { id: string; name: string; timeZone: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO businesses (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [b.id, b.name, b.timeZone],
  );
  return rowCount === 1;
}

/** The business's locations (learnt from its orders), each with the channels it has orders in, by name. */
export async function listLocations(
  db: Db,
  businessId: string,
): Promise<Array<{ id: string; name: string; channels: string[] }>> {
  const { rows } = await db.query<{ id: string; name: string; channels: string[] }>(
    'SELECT id, name, channels FROM locations WHERE business_id = $1 ORDER BY name, id',
    [businessId],
  );
  return rows;
}
