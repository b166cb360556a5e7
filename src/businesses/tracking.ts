import type { TrackingCategory, TrackingOption } from 'xero-node';
import { Channel } from '../contract';
import type { TrackingMapping } from '../contract';
import type { FieldProblem } from '../errors';

/**
 * Checks of the tracking mapping (its schema, `TrackingMapping`, is the contract's: src/contract/tracking.ts):
 * what needs no Xero, and what is checked against the organisation's GET /TrackingCategories when it changes.
 */

const CHANNELS: readonly string[] = Channel.options;

/** What needs no Xero: one category once, channel keys that are channels, lower-case ids (Xero answers them so). */
export function checkTrackingLocally(tracking: TrackingMapping[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  tracking.forEach((m, i) => {
    const id = m.categoryId.toLowerCase();
    if (seen.has(id))
      problems.push({
        path: `tracking.${i}.categoryId`,
        message: `tracking category ${m.categoryId} is mapped twice; a line carries one option per category, so map it once.`,
      });
    seen.add(id);
    if (m.by === 'channel')
      for (const key of Object.keys(m.options))
        if (!CHANNELS.includes(key))
          problems.push({
            path: `tracking.${i}.options.${key}`,
            message: `"${key}" is not a channel; the keys of a channel mapping are ${CHANNELS.join(', ')}.`,
          });
  });
  return problems;
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const isActive = (x: { status?: unknown }) => text(x.status) === 'ACTIVE';
const sameId = (a: unknown, b: string) => text(a).toLowerCase() === b.toLowerCase();

function listed<T>(items: T[], describe: (item: T) => string, limit = 15): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, limit).map(describe).join(', ');
  return items.length > limit ? `${shown}, … (${items.length - limit} more)` : shown;
}

const categoryLabel = (c: TrackingCategory) => `${text(c.name)} (${text(c.trackingCategoryID)})`;
const optionLabel = (o: TrackingOption) => `${text(o.name)} (${text(o.trackingOptionID)})`;

function checkOptions(category: TrackingCategory, m: TrackingMapping, i: number): FieldProblem[] {
  const options = category.options ?? [];
  const active = options.filter(isActive);
  const problems: FieldProblem[] = [];
  for (const [key, optionId] of Object.entries(m.options)) {
    const found = options.find((o) => sameId(o.trackingOptionID, optionId));
    if (found && isActive(found)) continue;
    const what = found
      ? `option ${optionLabel(found)} of tracking category ${text(category.name)} is ${text(found.status)}`
      : `tracking category ${text(category.name)} has no option ${optionId}`;
    problems.push({
      path: `tracking.${i}.options.${key}`,
      message: `Xero ${what}; its active options: ${listed(active, optionLabel)}. Several locations may share one option.`,
    });
  }
  return problems;
}

/** Checks a tracking setting against the organisation's categories (archived ones included in `categories`). */
export function checkTrackingAgainstXero(
  tracking: TrackingMapping[],
  categories: TrackingCategory[],
): FieldProblem[] {
  const active = categories.filter(isActive);
  const what = `Xero's active tracking categories: ${listed(active, categoryLabel)}`;
  if (tracking.length > 2)
    return [
      {
        path: 'tracking',
        message: `at most two tracking categories can be mapped (Xero allows two active ones); ${what}.`,
      },
    ];
  return tracking.flatMap((m, i) => {
    const category = categories.find((c) => sameId(c.trackingCategoryID, m.categoryId));
    if (!category)
      return [
        {
          path: `tracking.${i}.categoryId`,
          message: `Xero has no tracking category ${m.categoryId}; ${what}.`,
        },
      ];
    if (!isActive(category))
      return [
        {
          path: `tracking.${i}.categoryId`,
          message: `Xero tracking category ${categoryLabel(category)} is ${text(category.status)}; ${what}.`,
        },
      ];
    return checkOptions(category, m, i);
  });
}

/** The option ids a tracking setting names that are no longer active in Xero (or gone), with what they map. */
export function inactiveOptions(
  tracking: readonly TrackingMapping[],
  categories: TrackingCategory[],
): Array<{ key: string; label: string }> {
  const out: Array<{ key: string; label: string }> = [];
  for (const m of tracking) {
    const category = categories.find((c) => sameId(c.trackingCategoryID, m.categoryId));
    for (const [key, optionId] of Object.entries(m.options)) {
      const option = category?.options?.find((o) => sameId(o.trackingOptionID, optionId));
      if (category && isActive(category) && option && isActive(option)) continue;
      const label = !category
        ? `${key} → ${m.categoryId} (tracking category gone)`
        : !isActive(category)
          ? `${key} → ${text(category.name)} (tracking category ${text(category.status)})`
          : option
            ? `${key} → ${text(category.name)}: ${text(option.name)} (${text(option.status)})`
            : `${key} → ${text(category.name)}: ${optionId} (option gone)`;
      out.push({ key, label });
    }
  }
  return out;
}
