import type { BusinessSettings } from '../../src/businesses/store';
import type { Db } from '../../src/db/pool';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { addDays, localDateOf } from '../../src/calendar';

/**
 * A business row as a test wants it, created or updated (the product creates businesses through the import, the
 * CLI and the demo; only tests need to set one up whole). Settings given are merged over the stored ones.
 */
export async function upsertBusiness(
  db: Db,
  b: {
    id: string;
    name: string;
    timeZone: string;
    xeroTenantId: string | null;
    settings: Partial<BusinessSettings>;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO businesses (id, name, time_zone, xero_tenant_id, settings) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone,
       xero_tenant_id = COALESCE(EXCLUDED.xero_tenant_id, businesses.xero_tenant_id), settings = businesses.settings || EXCLUDED.settings, updated_at = now()`,
    [b.id, b.name, b.timeZone, b.xeroTenantId, JSON.stringify(b.settings)],
  );
}

/**
 * A business not connected to Xero yet (a test connects it through OAuth or a Custom Connection of its own): named
 * after its id, in Singapore, with the demo mapping settings unless told otherwise.
 */
export async function unconnectedBusiness(
  db: Db,
  id: string,
  b: { name?: string; timeZone?: string; settings?: Partial<BusinessSettings> } = {},
): Promise<void> {
  await upsertBusiness(db, {
    id,
    name: b.name ?? id,
    timeZone: b.timeZone ?? 'Asia/Singapore',
    xeroTenantId: null,
    settings: b.settings ?? DEMO_SETTINGS,
  });
}

/** The test businesses' time zone (createBusiness and its kin make them in Singapore). */
export const BUSINESS_TIME_ZONE = 'Asia/Singapore';

/** A business's local date `days` from today (negative: before), as the page's date fields and ranges use it. */
export function localDay(days: number, timeZone = BUSINESS_TIME_ZONE): string {
  return addDays(localDateOf(new Date().toISOString(), timeZone), days);
}
