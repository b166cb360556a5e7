import { randomUUID } from 'node:crypto';

/**
 * Tracking categories as a tenant keeps them, and the organisation's own limits when they are set up (sources in
 * tracking.ts). Nothing of the API context is imported here, so state.ts and sim.ts may use it without a cycle.
 */

export type TrackingStatus = 'ACTIVE' | 'ARCHIVED';

export interface SimTrackingOption {
  TrackingOptionID: string;
  Name: string;
  Status: TrackingStatus;
}

export interface SimTrackingCategory {
  TrackingCategoryID: string;
  Name: string;
  Status: TrackingStatus;
  Options: SimTrackingOption[];
}

/** What a stored line keeps of its tracking: both ids and the names they had when the line was written. */
export interface LineTracking {
  TrackingCategoryID: string;
  TrackingOptionID: string;
  Name: string;
  Option: string;
}

export const MAX_ACTIVE_CATEGORIES = 2;
export const MAX_ACTIVE_OPTIONS = 100;

export interface TrackingCategorySpec {
  Name: string;
  Status?: TrackingStatus;
  Options?: Array<{ Name: string; Status?: TrackingStatus }>;
}

export const active = <T extends { Status: TrackingStatus }>(items: T[]) =>
  items.filter((i) => i.Status === 'ACTIVE');

/** Adds a category to an organisation's list; refused (with the reason) where Xero's own settings would refuse it. */
export function addTrackingCategory(
  categories: SimTrackingCategory[],
  spec: TrackingCategorySpec,
): SimTrackingCategory | string {
  const status = spec.Status ?? 'ACTIVE';
  const name = spec.Name?.trim() ?? '';
  if (!name || name.length > 100) return 'Name must be 1 to 100 characters.';
  if (categories.some((c) => c.Name.toLowerCase() === name.toLowerCase()))
    return `A tracking category named '${name}' already exists.`;
  if (status === 'ACTIVE' && active(categories).length >= MAX_ACTIVE_CATEGORIES)
    return `An organisation can have at most ${MAX_ACTIVE_CATEGORIES} active tracking categories; archive one first.`;
  const options = (spec.Options ?? []).map((o) => ({
    TrackingOptionID: randomUUID(),
    Name: o.Name,
    Status: o.Status ?? 'ACTIVE',
  }));
  if (active(options).length > MAX_ACTIVE_OPTIONS)
    return `A tracking category can have at most ${MAX_ACTIVE_OPTIONS} active options.`;
  const category = { TrackingCategoryID: randomUUID(), Name: name, Status: status, Options: options };
  categories.push(category);
  return category;
}

/** Archives or restores a category or one of its options (by id); refused when it would break the limits. */
export function setTrackingStatus(
  categories: SimTrackingCategory[],
  id: string,
  status: TrackingStatus,
): string | null {
  const key = id.toLowerCase();
  const category = categories.find((c) => c.TrackingCategoryID === key);
  if (category) {
    if (
      status === 'ACTIVE' &&
      category.Status !== 'ACTIVE' &&
      active(categories).length >= MAX_ACTIVE_CATEGORIES
    )
      return `An organisation can have at most ${MAX_ACTIVE_CATEGORIES} active tracking categories; archive one first.`;
    category.Status = status;
    return null;
  }
  for (const c of categories) {
    const option = c.Options.find((o) => o.TrackingOptionID === key);
    if (!option) continue;
    if (status === 'ACTIVE' && option.Status !== 'ACTIVE' && active(c.Options).length >= MAX_ACTIVE_OPTIONS)
      return `A tracking category can have at most ${MAX_ACTIVE_OPTIONS} active options.`;
    option.Status = status;
    return null;
  }
  return `No tracking category or option ${id}.`;
}
