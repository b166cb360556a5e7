import type { TrackingMapping } from '../contract';
import type { LineTracking } from '../xero/documents';

/**
 * The tracking options an order's lines carry: per mapped category, the option its location (or channel) maps to.
 * Sent by id only (TrackingCategoryID + TrackingOptionID, OpenAPI LineItemTracking), so a category or option renamed
 * in Xero after it was mapped still lands where the business meant. An unmapped location gets no option in that
 * category (the preview warns of it), never a made-up one.
 */
export function trackingOf(
  order: { channel: string; location: { id: string } },
  tracking: readonly TrackingMapping[] | undefined,
): LineTracking[] {
  const out: LineTracking[] = [];
  for (const m of tracking ?? []) {
    const key = m.by === 'location' ? order.location.id : order.channel;
    const optionId = Object.hasOwn(m.options, key) ? m.options[key] : undefined;
    if (optionId) out.push({ TrackingCategoryID: m.categoryId, TrackingOptionID: optionId });
  }
  return out;
}

/** Every line of a document with the order's tracking (the same on all: a line is one order's, one place's). */
export function withTracking<L extends object>(lines: L[], tracking: LineTracking[]): L[] {
  if (tracking.length === 0) return lines;
  return lines.map((line) => ({ ...line, Tracking: tracking }));
}
