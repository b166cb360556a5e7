import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/rooms');

/** eslint.config.mjs's ORDER and ROOMS (an ES module: a small node process reads it). */
function lintTable(): { order: string[]; rooms: Record<string, string[]> } {
  const script =
    "import('./eslint.config.mjs').then((m) => process.stdout.write(JSON.stringify({ order: m.ORDER, rooms: m.ROOMS })))";
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as {
    order: string[];
    rooms: Record<string, string[]>;
  };
}

/** A cycle of the "may import" relation, as the rooms it passes through, or null. */
function cycleOf(rooms: Record<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (room: string, trail: string[]): string[] | null => {
    if (state.get(room) === 'open') return [...trail.slice(trail.indexOf(room)), room];
    if (state.get(room) === 'done') return null;
    state.set(room, 'open');
    for (const next of rooms[room] ?? []) {
      const found = walk(next, [...trail, room]);
      if (found) return found;
    }
    state.set(room, 'done');
    return null;
  };
  for (const room of Object.keys(rooms)) {
    const found = walk(room, []);
    if (found) return found;
  }
  return null;
}

describe('the rooms and the order of imports', () => {
  const { order, rooms } = lintTable();

  it('are in one order, every room once, root modules included', () => {
    expect(new Set(order).size).toBe(order.length);
    expect([...order].sort()).toEqual(Object.keys(rooms).sort());
    for (const leaf of ['config.ts', 'contract/', 'definitions.ts', 'calendar.ts', 'errors.ts'])
      expect(order).toContain(leaf);
  });

  it('let every room import only rooms below it, so the "may import" relation has no cycle', () => {
    const upward = Object.entries(rooms).flatMap(([room, allowed]) =>
      allowed.filter((to) => order.indexOf(to) <= order.indexOf(room)).map((to) => `${room} -> ${to}`),
    );
    expect(upward).toEqual([]);
    expect(cycleOf(rooms)).toBeNull();
  });

  it('finds the cycle a table with an upward row would have (the check can fail)', () => {
    expect(cycleOf({ ...rooms, 'contract/': [...rooms['contract/']!, 'engine/'] })).toEqual(
      expect.arrayContaining(['engine/', 'contract/']),
    );
  });

  it('are enforced by npm run lint: an upward import (type-only too) and a circle are refused, a downward one is not', () => {
    const refused = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'test/support/lint-fixtures.ts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as Record<string, string[]>;
    expect(refused['src/engine/upward.ts']).toEqual(['import/no-restricted-paths']);
    expect(refused['src/engine/upward-type.ts']).toEqual(['import/no-restricted-paths']);
    expect(refused['src/engine/circle-a.ts']).toEqual(['import/no-cycle']);
    expect(refused['src/engine/circle-b.ts']).toEqual(['import/no-cycle']);
    expect(refused['src/engine/fine.ts']).toEqual([]);
  }, 60_000);

  it('madge, which CI runs (npm run cycles), finds a circle of type-only imports, and none in the product', async () => {
    const tsConfig = path.join(root, 'tsconfig.json');
    const inFixtures = await madge(path.join(fixtures, 'src'), { fileExtensions: ['ts'], tsConfig });
    expect(inFixtures.circular()).toEqual(
      expect.arrayContaining([
        ['engine/circle-a.ts', 'engine/circle-b.ts'],
        ['engine/type-circle-a.ts', 'engine/type-circle-b.ts'],
      ]),
    );
    const script = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.cycles as string;
    expect(script).toMatch(/^madge --circular /);
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toContain('npm run cycles');
    const product = await madge(
      ['src', 'activities', 'workflows', 'scripts', 'test'].map((d) => path.join(root, d)),
      {
        fileExtensions: ['ts', 'tsx'],
        tsConfig,
        excludeRegExp: [/test\/fixtures\//],
      },
    );
    expect(product.circular()).toEqual([]);
  }, 60_000);
});
