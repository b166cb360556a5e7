import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
const fixture = path.join(root, 'test/fixtures/histories/manual-sync.json');

/**
 * Determinism guard: a history recorded from a real manualSync run (recorded with RECORD_HISTORY=1 by
 * orders-and-contacts.test.ts) must replay against today's workflow code. A change that would break running
 * workflows fails here; re-record only together with a versioning plan (patched()).
 */
describe('workflow determinism', () => {
  it('replays a recorded manualSync history without non-determinism', async () => {
    const events = (JSON.parse(readFileSync(fixture, 'utf8')) as { events: Array<{ eventType: string }> })
      .events;
    expect(events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED').length).toBeGreaterThan(
      0,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/replay-history.ts', fixture],
      { cwd: root },
    );
    expect(stdout).toContain('replayed');
  });

  it('fails the replay when the workflow code no longer matches the history', async () => {
    // The same history with its activity renamed stands in for a non-deterministic code change.
    const tampered = readFileSync(fixture, 'utf8').replaceAll('"syncBatch"', '"somethingElse"');
    const file = path.join(os.tmpdir(), `tampered-${process.pid}.json`);
    writeFileSync(file, tampered);
    const result = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/replay-history.ts', file],
      {
        cwd: root,
      },
    ).catch((err: { code: number; stderr: string }) => err);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toMatch(/Nondeterminism|DeterminismViolation|nondeterminism/i);
  });
});
