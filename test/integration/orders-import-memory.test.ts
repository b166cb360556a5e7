import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const MB = 1024 * 1024;

/** Writes `total` bytes made of `piece` repeated (and a newline after each when `lines`), streaming. */
async function writeFile(file: string, piece: string, total: number): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.from(piece.repeat(Math.max(1, Math.floor(MB / piece.length))));
  for (let written = 0; written < total; written += block.length)
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/**
 * The import in a process of its own, as `npm run cli -- orders import` runs it: it prints each problem as it
 * is found and reports its peak memory (VmHWM) at the end.
 */
async function importInChild(databaseUrl: string, file: string) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/import-child.ts', file], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 16 * MB,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    imported: number;
    failed: number;
    problems: Array<{ line: number; reason: string }>;
    kept: number;
    streamed: number;
    maxRssMb: number;
  };
}

describe('orders import: bounded memory for any file', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'xms-import-memory-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.drop();
  });

  // Two million lines take about 70 s on 2 cores alone, and CI runs another test file beside this one.
  it('200 MB of bad lines: every one reported as it is found, under 250 MB of memory', async () => {
    const file = path.join(dir, 'bad-lines.ndjson');
    // About 2 million lines, each valid JSON but not an order, with a long reason per line.
    await writeFile(
      file,
      '{"id":"x","channel":"kiosk","total":-1,"lines":"none"}\n'.padStart(100, ' '),
      200 * MB,
    );
    const result = await importInChild(t.url, file);
    expect(result.imported).toBe(0);
    expect(result.failed).toBeGreaterThan(1_900_000);
    expect(result.streamed).toBe(result.failed);
    expect(result.kept).toBe(1000);
    expect(result.problems[0]).toMatchObject({ line: 1, reason: expect.stringContaining('channel') });
    expect(result.maxRssMb).toBeLessThan(250);
  }, 300_000);

  it('a 600 MB single line is refused with a message, under 250 MB of memory', async () => {
    const file = path.join(dir, 'one-line.ndjson');
    await writeFile(file, '{"id":"' + 'x'.repeat(1000), 600 * MB);
    const result = await importInChild(t.url, file);
    expect(result.failed).toBe(1);
    expect(result.problems).toEqual([
      {
        line: 1,
        reason: expect.stringMatching(/^line is \d{9} bytes, over the limit of 1048576; one order per line/),
      },
    ]);
    expect(result.maxRssMb).toBeLessThan(250);
  });
});
