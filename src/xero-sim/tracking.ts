import { envelope, isRecord, str, type ApiContext } from './context';
import type { ApiResult } from './errors';
import { active, MAX_ACTIVE_CATEGORIES } from './tracking-model';
import type { LineTracking, SimTrackingCategory, TrackingCategorySpec } from './tracking-model';

export type {
  LineTracking,
  SimTrackingCategory,
  SimTrackingOption,
  TrackingCategorySpec,
  TrackingStatus,
} from './tracking-model';
export { addTrackingCategory, setTrackingStatus } from './tracking-model';

/**
 * Tracking categories: an organisation's one or two reporting dimensions (Region, Store, …) and their options, as
 * `GET /TrackingCategories` answers them and as an invoice or credit-note line refers to them. Sources:
 * - at most two ACTIVE categories per organisation, others must be archived ("you can only have two active at any
 *   other time - any others would have to be archived", community.xero.com/business/discussion/54766610);
 * - an archived category or option cannot be put on new transactions (same thread; Xero's message for a missing
 *   category, "There is no ACTIVE tracking category with the name ''", is quoted in calcinai/xero-php#386);
 * - at most 100 active options per category (third-party help pages, e.g. chalkline.com.au's glossary and
 *   hamsterstack.com; Xero's own page was not available to check), archived ones not counted;
 * - `includeArchived=true` adds archived categories and options to the answer (OpenAPI `getTrackingCategories`);
 * - a line's `Tracking` names a category by `TrackingCategoryID` or `Name` and its option by `TrackingOptionID` or
 *   `Option` (OpenAPI `LineItemTracking`), at most two per line (xero-facts.md).
 * Guesses: the wording of the refusals other than the quoted one, and that IDs win over names when both are given.
 */

/** GET /TrackingCategories: active categories with their active options; `includeArchived=true` adds the rest. */
export function getTrackingCategories(ctx: ApiContext): ApiResult {
  const all = ctx.query.bool('includeArchived') === true;
  const shown = all ? ctx.tenant.trackingCategories : active(ctx.tenant.trackingCategories);
  const body = shown.map((c) => ({
    TrackingCategoryID: c.TrackingCategoryID,
    Name: c.Name,
    Status: c.Status,
    Options: (all ? c.Options : active(c.Options)).map((o) => ({ ...o })),
  }));
  return { status: 200, body: envelope(ctx, 'TrackingCategories', body) };
}

function findCategory(categories: SimTrackingCategory[], raw: Record<string, unknown>) {
  const id = str(raw.TrackingCategoryID)?.toLowerCase();
  if (id) return categories.find((c) => c.TrackingCategoryID === id);
  const name = str(raw.Name)?.toLowerCase();
  return name ? categories.find((c) => c.Name.toLowerCase() === name) : undefined;
}

function findOption(category: SimTrackingCategory, raw: Record<string, unknown>) {
  const id = str(raw.TrackingOptionID)?.toLowerCase();
  if (id) return category.Options.find((o) => o.TrackingOptionID === id);
  const name = str(raw.Option)?.toLowerCase();
  return name ? category.Options.find((o) => o.Name.toLowerCase() === name) : undefined;
}

/** One line's `Tracking`: each element resolved to an active category and option, else the line's error. */
export function resolveLineTracking(
  categories: SimTrackingCategory[],
  raw: unknown,
  errors: string[],
): LineTracking[] {
  const elements = Array.isArray(raw) ? raw.filter(isRecord) : [];
  if (elements.length > MAX_ACTIVE_CATEGORIES) {
    errors.push('A line item can have at most two tracking categories.');
    return [];
  }
  const out: LineTracking[] = [];
  for (const element of elements) {
    const category = findCategory(categories, element);
    if (!category || category.Status !== 'ACTIVE') {
      const named = category?.Name ?? str(element.Name) ?? str(element.TrackingCategoryID) ?? '';
      errors.push(`There is no ACTIVE tracking category with the name '${named}'`);
      continue;
    }
    if (out.some((t) => t.TrackingCategoryID === category.TrackingCategoryID)) {
      errors.push(`Tracking category '${category.Name}' is given twice on one line item.`);
      continue;
    }
    const option = findOption(category, element);
    if (!option || option.Status !== 'ACTIVE') {
      const named = option?.Name ?? str(element.Option) ?? str(element.TrackingOptionID) ?? '';
      const state = option ? 'is ARCHIVED' : 'does not exist';
      errors.push(`Tracking option '${named}' of tracking category '${category.Name}' ${state}.`);
      continue;
    }
    out.push({
      TrackingCategoryID: category.TrackingCategoryID,
      TrackingOptionID: option.TrackingOptionID,
      Name: category.Name,
      Option: option.Name,
    });
  }
  return out;
}

/** A spec from a /__sim/ body, or the problem with it. */
export function trackingSpecOf(body: unknown): TrackingCategorySpec | string {
  if (!isRecord(body) || typeof body.Name !== 'string') return 'Name (string) is required.';
  const statusOk = (s: unknown) => s === undefined || s === 'ACTIVE' || s === 'ARCHIVED';
  if (!statusOk(body.Status)) return 'Status: ACTIVE or ARCHIVED.';
  const options = body.Options === undefined ? [] : body.Options;
  if (
    !Array.isArray(options) ||
    !options.every((o) => isRecord(o) && typeof o.Name === 'string' && statusOk(o.Status))
  )
    return 'Options: a list of { Name, Status? }.';
  return body as unknown as TrackingCategorySpec;
}
