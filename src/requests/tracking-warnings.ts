import { callContextFor } from '../businesses/call-context';
import type { Business } from '../businesses/store';
import { inactiveOptions } from '../businesses/tracking';
import type { PreviewWarning } from '../contract';
import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { orderRangeOf } from '../engine/plan';
import { rangeWhere } from '../orders/store';
import type { XeroGateway } from '../xero/gateway';
import { DailyQuotaExhausted } from '../xero/limiter';

/**
 * The preview's tracking warnings, so an order never goes to Xero with a silent blank or fails unannounced:
 * - `tracking_unmapped`: a location (or the channel) of the range that a mapped category has no option for; its
 *   lines go without an option in that category;
 * - `tracking_option_archived`: an option (or its category) mapped earlier and since archived or deleted in Xero;
 *   Xero refuses the lines that carry it, so those orders would fail. One read of GET /TrackingCategories, only
 *   when the business maps tracking and the range has orders to write; skipped when the daily quota is spent.
 */
export interface TrackingWarningDeps {
  db: Db;
  newXeroGateway: () => XeroGateway;
}

async function rangeKeys(db: Db, input: ManualSyncInput): Promise<Array<{ id: string; name: string }>> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT DISTINCT o.location_id AS id, COALESCE(l.name, o.location_id) AS name FROM orders o
       LEFT JOIN locations l ON l.business_id = o.business_id AND l.id = o.location_id
     WHERE ${where} AND o.status <> 'voided' ORDER BY 1`,
    params,
  );
  return rows;
}

export async function trackingWarnings(
  deps: TrackingWarningDeps,
  business: Business,
  input: ManualSyncInput,
): Promise<PreviewWarning[]> {
  const tracking = business.settings.tracking;
  if (tracking.length === 0) return [];
  const locations = await rangeKeys(deps.db, input);
  if (locations.length === 0) return [];
  const used = new Set([input.channel, ...locations.map((l) => l.id)]);
  const out: PreviewWarning[] = [];
  const unmapped: string[] = [];
  for (const m of tracking) {
    if (m.by === 'channel' && !Object.hasOwn(m.options, input.channel))
      unmapped.push(`channel ${input.channel}`);
    if (m.by === 'location')
      for (const l of locations) if (!Object.hasOwn(m.options, l.id)) unmapped.push(`${l.name} (${l.id})`);
  }
  const distinct = [...new Set(unmapped)];
  if (distinct.length > 0)
    out.push({
      code: 'tracking_unmapped',
      message:
        'Locations (or the channel) with no tracking option in the business settings; their lines go to Xero without one in that category. Map them (several may share one option).',
      count: distinct.length,
      examples: distinct.slice(0, 10),
    });
  const archived = await archivedOptions(deps, business, used);
  if (archived.length > 0)
    out.push({
      code: 'tracking_option_archived',
      message:
        'Mapped tracking options that are no longer active in Xero; Xero refuses lines that carry them, so those orders will fail. Map an active option or restore it in Xero.',
      count: archived.length,
      examples: archived.slice(0, 10),
    });
  return out;
}

async function archivedOptions(deps: TrackingWarningDeps, business: Business, used: Set<string>) {
  try {
    const categories = await deps.newXeroGateway().getTrackingCategories(callContextFor(business));
    return inactiveOptions(business.settings.tracking, categories)
      .filter((o) => used.has(o.key))
      .map((o) => o.label);
  } catch (err) {
    if (err instanceof DailyQuotaExhausted) return [];
    throw err;
  }
}
