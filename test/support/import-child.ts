import { readFileSync } from 'node:fs';
import { createPool } from '../../src/db/pool';
import { importOrdersFile } from '../../src/orders/import';

/**
 * This process's own peak resident memory: VmHWM, the high-water mark of its address space. Not getrusage's
 * maxRSS: Linux carries the forking parent's peak over exec into it, so under a busy Jest worker it reported the
 * worker's memory, not the import's.
 */
function peakRssMb(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (!kb) throw new Error('no VmHWM in /proc/self/status');
  return Number(kb) / 1024;
}

/**
 * Runs one import in a process of its own (argv: the file; DATABASE_URL in the environment), counting the
 * problems it streams, and prints the summary with the process’s peak memory (VmHWM) as one JSON line.
 */
async function main(): Promise<void> {
  const db = createPool(process.env.DATABASE_URL!, 2);
  let streamed = 0;
  const summary = await importOrdersFile(db, process.argv[2]!, { onProblem: () => void (streamed += 1) });
  await db.end();
  const { problems, ...counts } = summary;
  console.log(
    JSON.stringify({
      ...counts,
      problems: problems.slice(0, 3),
      kept: problems.length,
      streamed,
      maxRssMb: peakRssMb(),
    }),
  );
}

void main();
