/**
 * Loaded into an API process by scripts/bench/read-probe.ts (`node --import tsx --import <this file>`, before the
 * process's own modules): counts every statement the process sends to PostgreSQL (pg's Client#query, which the
 * pool's preparing client calls once per statement) and writes the count to PROBE_STATEMENTS_FILE every 200 ms.
 * Nothing else of the process changes.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import pg from 'pg';

const file = process.env.PROBE_STATEMENTS_FILE;
// Preloaded modules run in every thread (tsx's loader hooks have one): only the main thread sends statements.
if (file && isMainThread) {
  let count = 0;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    count += 1;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  const write = () => writeFileSync(file, String(count));
  setInterval(write, 200).unref();
  process.once('exit', write);
}
