import { randomUUID } from 'node:crypto';
import { msDate } from './clock';
import { validationException, type ApiResult } from './errors';
import type { XeroSim } from './sim';
import type { TenantState } from './state';

/** Query parameters, looked up case-insensitively as Xero does. */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(raw: Record<string, unknown>) {
    for (const [key, value] of Object.entries(raw)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') this.values.set(key.toLowerCase(), first);
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  bool(name: string): boolean | undefined {
    const value = this.get(name)?.toLowerCase();
    return value === undefined ? undefined : value === 'true';
  }

  int(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined || !/^\d+$/.test(value)) return undefined;
    return Number(value);
  }

  list(name: string): string[] {
    const value = this.get(name);
    if (!value) return [];
    return value
      .split(',')
      .map((v) => v.trim().replace(/^"|"$/g, ''))
      .filter((v) => v !== '');
  }
}

export interface ApiContext {
  sim: XeroSim;
  tenant: TenantState;
  clientId: string;
  appName: string;
  query: Query;
  params: Record<string, string>;
  body: unknown;
  nowMs: number;
  /** The request's If-Modified-Since header, when given (GET /Invoices reads it). */
  ifModifiedSince?: string;
}

/** The organisation's "today" (Singapore, UTC+8), used when a document has no Date. */
export function today(ctx: ApiContext): string {
  return new Date(ctx.nowMs + 8 * 3600_000).toISOString().slice(0, 10);
}

export function envelope(
  ctx: ApiContext,
  key: string,
  items: unknown,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    Id: randomUUID(),
    Status: 'OK',
    ProviderName: ctx.appName,
    DateTimeUTC: msDate(ctx.nowMs),
    ...extra,
    [key]: items,
  };
}

/** unitdp=4 keeps four decimals on UnitAmount; otherwise Xero rounds it to two. */
export function unitdp(ctx: ApiContext): number {
  return ctx.query.int('unitdp') === 4 ? 4 : 2;
}

/** Element of a batch write: the rendered element, and its validation messages if it failed. */
export interface BatchElement {
  element: Record<string, unknown>;
  errors: string[];
}

/**
 * Xero's summarizeErrors contract (xero-facts.md, "Writing invoices in batches"). Omitted/true: any failure turns
 * the whole answer into a 400 ValidationException listing the failed elements, although the valid ones were saved.
 * false: 200 with every element flagged.
 */
export function batchResult(
  ctx: ApiContext,
  key: string,
  elements: BatchElement[],
  errorFlag: string,
): ApiResult {
  const summarize = ctx.query.bool('summarizeErrors') !== false;
  const failed = elements.filter((e) => e.errors.length > 0);
  const flagged = elements.map(({ element, errors }) => {
    if (errors.length === 0) return { ...element, StatusAttributeString: 'OK' };
    return {
      ...element,
      [errorFlag]: true,
      StatusAttributeString: 'ERROR',
      ValidationErrors: errors.map((Message) => ({ Message })),
    };
  });
  if (summarize && failed.length > 0) {
    return validationException(flagged.filter((_, i) => (elements[i]?.errors.length ?? 0) > 0));
  }
  return { status: 200, body: envelope(ctx, key, flagged) };
}

/** A batch body is `{ Key: [...] }`; a single object is accepted as a batch of one, as Xero does. */
export function batchItems(body: unknown, key: string): Record<string, unknown>[] {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const list = (body as Record<string, unknown>)[key];
    if (Array.isArray(list)) return list.filter(isRecord);
    return [body as Record<string, unknown>];
  }
  return [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Pages of `pageSize` (default 100) when `page` is given; everything otherwise. */
export function paginate<T>(ctx: ApiContext, items: T[]): { items: T[]; extra: Record<string, unknown> } {
  const page = ctx.query.int('page');
  const pageSizeParam = ctx.query.int('pageSize');
  if (page === undefined && pageSizeParam === undefined) return { items, extra: {} };
  const pageSize = Math.min(Math.max(pageSizeParam ?? ctx.sim.options.defaultPageSize, 1), 1000);
  const current = Math.max(page ?? 1, 1);
  const slice = items.slice((current - 1) * pageSize, current * pageSize);
  const pagination = {
    page: current,
    pageSize,
    pageCount: Math.ceil(items.length / pageSize),
    itemCount: items.length,
  };
  return { items: slice, extra: { pagination } };
}

export function newId(): string {
  return randomUUID();
}
