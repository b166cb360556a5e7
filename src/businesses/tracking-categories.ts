import type { TrackingCategory } from 'xero-node';
import type { TrackingCategoriesView, TrackingCategoryView } from '../contract';
import { NotConnected } from '../errors';
import { XeroApiError } from '../xero/errors';
import type { XeroGateway } from '../xero/gateway';
import { callContextFor } from './call-context';
import type { Business } from './store';

/**
 * The organisation's tracking categories as the Manual Syncing page offers them for the tracking mapping: one
 * GET /TrackingCategories (through the gateway and the organisation's limiter), kept for a minute per organisation
 * so that opening the settings again does not spend the daily quota each time. A minute, because a category or
 * option archived in Xero should show soon, and the save is checked against Xero afresh anyway.
 */
export const TRACKING_CATEGORIES_CACHE_MS = 60_000;

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const isActive = (x: { status?: unknown }) => text(x.status) === 'ACTIVE';

/** Active categories with their active options only: an archived one cannot be mapped (Xero refuses its lines). */
export function activeCategories(categories: TrackingCategory[]): TrackingCategoryView[] {
  return categories.filter(isActive).map((c) => ({
    id: text(c.trackingCategoryID),
    name: text(c.name),
    options: (c.options ?? [])
      .filter(isActive)
      .map((o) => ({ id: text(o.trackingOptionID), name: text(o.name) })),
  }));
}

/**
 * The one sentence for a connection whose consent does not cover tracking categories: Xero answers 403 (with
 * `insufficient_scope` in WWW-Authenticate) when the token has neither accounting.settings nor
 * accounting.settings.read.
 */
export function missingScopeMessage(businessId: string, certain: boolean): string {
  const why = certain
    ? 'Xero refused to list the tracking categories because the connection was not granted the accounting.settings.read scope'
    : 'Xero refused to list the tracking categories (403 Forbidden); most likely the connection was not granted the accounting.settings.read scope';
  return (
    `${why} (business ${businessId}). Reconnect Xero (Reconnect on the Manual Syncing page, or GET /xero/connect) ` +
    'with a deployment whose XERO_SCOPES includes accounting.settings.read, or accounting.settings (the default ' +
    'scopes include it), and accept it on Xero’s consent page.'
  );
}

interface Entry {
  at: number;
  answer: Promise<TrackingCategoryView[]>;
}

export class TrackingCategoryCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = TRACKING_CATEGORIES_CACHE_MS,
  ) {}

  /** The organisation's active categories: from the last minute's read, or one call to Xero. */
  async read(gateway: XeroGateway, business: Business): Promise<TrackingCategoriesView> {
    const ctx = callContextFor(business);
    const kept = this.entries.get(ctx.tenantId);
    if (kept && this.now() - kept.at < this.ttlMs)
      return { items: await kept.answer, readAt: new Date(kept.at).toISOString(), cached: true };
    // Opens at the same moment share one call; a failure is not kept.
    const entry: Entry = { at: this.now(), answer: this.ask(gateway, business) };
    this.entries.set(ctx.tenantId, entry);
    entry.answer.catch(() => {
      if (this.entries.get(ctx.tenantId) === entry) this.entries.delete(ctx.tenantId);
    });
    return { items: await entry.answer, readAt: new Date(entry.at).toISOString(), cached: false };
  }

  private async ask(gateway: XeroGateway, business: Business): Promise<TrackingCategoryView[]> {
    try {
      return activeCategories(await gateway.getTrackingCategories(callContextFor(business)));
    } catch (err) {
      if (err instanceof XeroApiError && err.kind === 'forbidden')
        throw new NotConnected(missingScopeMessage(business.id, err.insufficientScope === true), true);
      throw err;
    }
  }
}
