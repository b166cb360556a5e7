import { createPool } from '../../src/db/pool';
import { importOrdersFile } from '../../src/orders/import';

/**
 * Runs one import in a process of its own (argv: the file; DATABASE_URL in the environment), counting the
 * problems it streams, and prints the summary with the process's peak memory (maxRSS) as one JSON line.
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
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

void main();
