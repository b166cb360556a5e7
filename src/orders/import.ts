import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Db } from '../db/pool';
import { inTransaction } from '../db/pool';
import { getBusiness } from '../businesses/store';
import { escapeControls, unprintableFields } from '../text';
import { checkOrder, taxRatesOf } from './consistency';
import type { TaxRates } from './consistency';
import { readLines } from './lines';
import type { FileLine } from './lines';
import { Order } from './schema';
import { diffRevision } from './revisions';
import {
  ensureBusinesses,
  orderKey,
  stampOrders,
  storedVersions,
  upsertLocations,
  writeOrders,
  writeRevisions,
} from './store';
import type { RevisionRow, StoredVersion } from './store';

/**
 * `orders import`: an NDJSON file into the orders store, one order per line.
 *
 * - Every line is checked (UTF-8, shape, printable text, money that adds up) before any SQL; a bad line is reported
 *   with its number and field and skipped, and the rest still load. No input stops the import part-way.
 * - A re-import with the same content changes nothing. With other content, the stored order is **updated while
 *   it is not in Xero** (never pushed, or its push failed), and reported; for an order **already in Xero** the line
 *   is a new **revision** (src/orders/revisions.ts): what changed (payments, refunds, a void, other lines) is
 *   listed for a sync to apply once and reported, or the line is refused with the reason. A later line of the same file with the same id and other content is
 *   refused, naming the first line.
 * - Memory stays bounded: lines are read up to a length limit, pages of 500 orders are written each in one
 *   transaction, and problems stream to `onProblem` as they are found (the summary keeps the first 1,000).
 */

export interface ImportProblem {
  line: number;
  reason: string;
}

export interface ImportSummary {
  /** New orders written. */
  imported: number;
  /** Stored orders replaced by changed content (not yet in Xero). */
  updated: number;
  /** Orders in Xero given a new revision (its changes listed for the next sync). */
  revised: number;
  /** Lines identical to what is stored. */
  unchanged: number;
  /** Lines refused. */
  failed: number;
  /** The first problems (all of them went to `onProblem`). */
  problems: ImportProblem[];
}

export interface ImportOptions {
  /** Called for every refused line, as soon as it is found. */
  onProblem?: (problem: ImportProblem) => void;
  /** Called for every line that updated a stored order, or recorded a revision of one in Xero (what changed). */
  onUpdated?: (notice: ImportProblem) => void;
  /** Longest line accepted, in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
const PAGE = 500;
const KEPT_PROBLEMS = 1000;
const MAX_REASON = 1000;

/** A connection-level failure of PostgreSQL: the import stops (it is idempotent, so re-running it resumes). */
export class ImportAborted extends Error {}

interface Parsed {
  line: number;
  order: Order;
}

export async function importOrdersFile(
  db: Db,
  file: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    imported: 0,
    updated: 0,
    revised: 0,
    unchanged: 0,
    failed: 0,
    problems: [],
  };
  const run = { id: randomUUID(), db, summary, options, rates: new Map<string, TaxRates>() };
  const maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let page: Parsed[] = [];
  for await (const line of readLines(file, maxBytes)) {
    if (!('text' in line)) {
      refuse(run, line.lineNo, unreadable(line, maxBytes));
      continue;
    }
    if (line.text.trim() === '') continue;
    const parsed = parseOrderLine(line.text);
    if ('reason' in parsed) {
      refuse(run, line.lineNo, parsed.reason);
      continue;
    }
    const problems = checkOrder(parsed.order, await ratesFor(run, parsed.order.businessId));
    if (problems.length) {
      refuse(run, line.lineNo, problems.map((p) => `${p.path}: ${p.message}`).join('; '));
      continue;
    }
    page.push({ line: line.lineNo, order: parsed.order });
    if (page.length >= PAGE) {
      await writePage(run, page);
      page = [];
    }
  }
  await writePage(run, page);
  return summary;
}

type Run = {
  id: string;
  db: Db;
  summary: ImportSummary;
  options: ImportOptions;
  rates: Map<string, TaxRates>;
};

/** Why a line could not be read as text: its length, or the byte where it stops being UTF-8. */
function unreadable(line: Exclude<FileLine, { text: string }>, maxBytes: number): string {
  if ('tooLongBytes' in line)
    return `line is ${line.tooLongBytes} bytes, over the limit of ${maxBytes}; one order per line, each under ${maxBytes} bytes`;
  return `line is not valid UTF-8: ${line.notUtf8}; save the file as UTF-8 (text is never stored with replacement characters)`;
}

function refuse(run: Run, line: number, reason: string): void {
  const text = escapeControls(reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason);
  const problem = { line, reason: text };
  run.summary.failed += 1;
  if (run.summary.problems.length < KEPT_PROBLEMS) run.summary.problems.push(problem);
  run.options.onProblem?.(problem);
}

/** The tax rates of the business's settings, read once per import (none for a business that does not exist yet). */
async function ratesFor(run: Run, businessId: string): Promise<TaxRates> {
  let rates = run.rates.get(businessId);
  if (!rates) {
    const business = await getBusiness(run.db, businessId);
    rates = taxRatesOf(business?.settings.taxTypes ?? {});
    run.rates.set(businessId, rates);
  }
  return rates;
}

/**
 * One page in one transaction: nothing of it is half-written, and its businesses are created only with orders.
 * If PostgreSQL refuses the page for a reason of its data, each order is retried alone to find the line.
 */
async function writePage(run: Run, page: Parsed[]): Promise<void> {
  if (page.length === 0) return;
  try {
    const counted = await inTransaction(run.db, (tx) => writeInTransaction(run, tx, page));
    counted();
  } catch (err) {
    if (isConnectionError(err) || page.length === 1) {
      if (isConnectionError(err))
        throw new ImportAborted(
          `PostgreSQL stopped answering at line ${page[0]!.line} (${errorText(err)}); the lines before it are stored. Run the import again: it is idempotent.`,
        );
      refuse(run, page[0]!.line, `could not be stored: ${errorText(err)}`);
      return;
    }
    for (const one of page) await writePage(run, [one]);
  }
}

/** Counts are only added once the transaction commits (a retried page must not count twice). */
async function writeInTransaction(run: Run, tx: PoolClient, page: Parsed[]): Promise<() => void> {
  const { fresh, repeated } = dedupePage(page);
  const stored = await storedVersions(
    tx,
    fresh.map((p) => p.order),
  );
  const write: Parsed[] = [];
  const unchanged: Parsed[] = [];
  const refused: Array<{ line: number; reason: string }> = [...repeated.refused];
  const updated: Parsed[] = [];
  const revised: RevisionRow[] = [];
  for (const p of fresh) {
    const before = stored.get(orderKey(p.order.businessId, p.order.id));
    if (!before) write.push(p);
    else if (before.same) unchanged.push(p);
    else if (before.importRun === run.id)
      refused.push({ line: p.line, reason: sameFileConflict(p.order.id, before.importLine) });
    else if (before.inXero) {
      const revision = revisionOf(p, before);
      if ('reason' in revision) refused.push(revision);
      else revised.push(revision);
    } else {
      write.push(p);
      updated.push(p);
    }
  }
  await ensureBusinesses(
    tx,
    write.map((p) => p.order),
  );
  await writeOrders(tx, write, run.id);
  await stampOrders(tx, unchanged, run.id);
  await writeRevisions(tx, revised, run.id);
  await upsertLocations(
    tx,
    write.map((p) => p.order),
  );
  return () => {
    run.summary.imported += write.length - updated.length;
    run.summary.updated += updated.length;
    run.summary.revised += revised.length;
    run.summary.unchanged += unchanged.length + repeated.identical;
    for (const r of refused) refuse(run, r.line, r.reason);
    for (const u of updated)
      run.options.onUpdated?.({
        line: u.line,
        reason: `order ${escapeControls(u.order.id)} changed since it was imported; updated (it is not in Xero yet)`,
      });
    for (const r of revised) run.options.onUpdated?.({ line: r.line, reason: revisedNotice(r) });
  };
}

/** The same id twice in one page: the first line stands; an identical repeat is unchanged, another refused. */
function dedupePage(page: Parsed[]) {
  const first = new Map<string, Parsed>();
  const repeated = { identical: 0, refused: [] as Array<{ line: number; reason: string }> };
  for (const p of page) {
    const key = orderKey(p.order.businessId, p.order.id);
    const seen = first.get(key);
    if (!seen) first.set(key, p);
    else if (JSON.stringify(seen.order) === JSON.stringify(p.order)) repeated.identical += 1;
    else repeated.refused.push({ line: p.line, reason: sameFileConflict(p.order.id, seen.line) });
  }
  return { fresh: [...first.values()], repeated };
}

function sameFileConflict(id: string, line: number | null): string {
  return `order ${escapeControls(id)} appears earlier in this file (line ${line ?? '?'}) with other content; each order once per file (the first line was kept)`;
}

/** A line that changes an order in Xero: its next revision, or why it cannot be one (naming the invoice). */
function revisionOf(p: Parsed, before: StoredVersion): RevisionRow | { line: number; reason: string } {
  const revision = before.revision + 1;
  const diff = diffRevision(before.latest, p.order, revision, new Date().toISOString());
  if ('refused' in diff)
    return {
      line: p.line,
      reason: `${diff.refused} (invoice ${before.invoiceNumber ?? 'unknown'}; the stored order is kept)`,
    };
  return { order: p.order, line: p.line, revision, changes: diff.changes };
}

function revisedNotice(r: RevisionRow): string {
  const what = r.changes.length ? r.changes.map((c) => c.says).join('; ') : 'nothing Xero holds changed';
  return `order ${escapeControls(r.order.id)} is in Xero: revision ${r.revision} recorded (${escapeControls(what)}); the next sync of its range brings Xero to it`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isConnectionError(err: unknown): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^(ECONN|EPIPE|ETIMEDOUT|08|57P0)/.test(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  );
}

/** One line: JSON, printable text, the Order schema. The reason names each field ("lines.0.quantity: …"). */
export function parseOrderLine(text: string): { order: Order } | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { reason: `not valid JSON (${(err as Error).message})` };
  }
  const unprintable = unprintableFields(json);
  if (unprintable.length)
    return { reason: unprintable.map((u) => `${u.path.join('.') || '(order)'}: ${u.message}`).join('; ') };
  const result = Order.safeParse(json);
  if (result.success) return { order: result.data };
  return {
    reason: result.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(order)'}: ${i.message}`)
      .join('; '),
  };
}
