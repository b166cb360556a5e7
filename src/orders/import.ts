import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Db } from '../db/pool';
import { Order } from './schema';
import { upsertOrders } from './store';

export interface ImportProblem {
  line: number;
  reason: string;
}

export interface ImportSummary {
  imported: number;
  failed: number;
  problems: ImportProblem[];
}

const CHUNK = 500;

/**
 * Streams an NDJSON file into the orders store. A malformed line is reported with its line number and
 * skipped; the rest still load. Blank lines are ignored.
 */
export async function importOrdersFile(db: Db, file: string): Promise<ImportSummary> {
  const summary: ImportSummary = { imported: 0, failed: 0, problems: [] };
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let chunk: Order[] = [];
  let lineNo = 0;
  for await (const text of lines) {
    lineNo += 1;
    if (text.trim() === '') continue;
    const parsed = parseOrderLine(text);
    if ('reason' in parsed) {
      summary.failed += 1;
      summary.problems.push({ line: lineNo, reason: parsed.reason });
      continue;
    }
    chunk.push(parsed.order);
    if (chunk.length >= CHUNK) {
      summary.imported += await flush(db, chunk);
      chunk = [];
    }
  }
  summary.imported += await flush(db, chunk);
  return summary;
}

async function flush(db: Db, chunk: Order[]): Promise<number> {
  // The same id twice in one chunk would make one INSERT touch a row twice; the later line wins.
  const unique = [...new Map(chunk.map((o) => [`${o.businessId}\u0000${o.id}`, o])).values()];
  await upsertOrders(db, unique);
  return chunk.length;
}

export function parseOrderLine(text: string): { order: Order } | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { reason: `not valid JSON (${(err as Error).message})` };
  }
  const result = Order.safeParse(json);
  if (result.success) return { order: result.data };
  return {
    reason: result.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(order)'}: ${i.message}`)
      .join('; '),
  };
}
