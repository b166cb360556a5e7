import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'test/fixtures/histories');
// One recorded history per released workflow shape, every one of which must keep replaying
// (docs/changing-the-workflow.md): manual-sync-plan<N>.json for a plan's first release,
// manual-sync-plan<N>-<patch id>.json for each patched() change released on it.
const fixtures = readdirSync(dir)
  .filter((f) => /^manual-sync-plan\d+(-[a-z0-9-]+)?\.json$/.test(f))
  .map((f) => path.join(dir, f));
const fixture = fixtures[fixtures.length - 1]!;

/**
 * Determinism guard: histories recorded from real manualSync runs (with RECORD_HISTORY=1 by
 * orders-and-contacts.test.ts) must replay against today's workflow code. A change that would break running
 * workflows fails here: add a patched() branch (docs/changing-the-workflow.md), never re-record a released one.
 */
describe('workflow determinism', () => {
  it.each(fixtures.map((f) => [path.basename(f), f]))(
    'replays %s without non-determinism',
    async (_n, file) => {
      const events = (JSON.parse(readFileSync(file, 'utf8')) as { events: Array<{ eventType: string }> })
        .events;
      expect(
        events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED').length,
      ).toBeGreaterThan(0);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'test/support/replay-history.ts', file],
        { cwd: root },
      );
      expect(stdout).toContain('replayed');
    },
  );

  it('fails the replay when the workflow code no longer matches the history', async () => {
    // The same history with its activity renamed stands in for a non-deterministic code change.
    const tampered = readFileSync(fixture, 'utf8').replaceAll('"syncOrders"', '"somethingElse"');
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
