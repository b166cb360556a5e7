import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The lint rule's table of rooms (eslint.config.mjs is ESM, so a small node process reads it). */
function lintRooms(): Record<string, string[]> {
  const script = "import('./eslint.config.mjs').then((m) => process.stdout.write(JSON.stringify(m.ROOMS)))";
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
  ) as Record<string, string[]>;
}

/** The lint rule's order of rooms. */
function lintOrder(): string[] {
  const script = "import('./eslint.config.mjs').then((m) => process.stdout.write(JSON.stringify(m.ORDER)))";
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }),
  ) as string[];
}

/** The documented folder map: each row's room (`src/x/`, `src/x.ts`, `activities/`) and what it may import. */
function documentedRooms(): Record<string, string[]> {
  const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  const start = doc.indexOf('\n## Folder map\n');
  const end = doc.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0)
    throw new Error('docs/architecture.md has no "## Folder map" section before another');
  const section = doc.slice(start, end);
  const rows: Record<string, string[]> = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const room = /^`(src\/)?([^`]+)`/.exec(cells[1] ?? '');
    if (!room || cells.length < 5) continue;
    // `src/x/` is the room `x/`; a top-level folder (`activities/`, `workflows/`) is `../x/`.
    const key = room[1] ? room[2]! : `../${room[2]!}`;
    rows[key] = [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  }
  return rows;
}

describe('the folder map', () => {
  const lint = lintRooms();

  it('has a lint rule for every folder and top-level module of src/ (and activities/, workflows/), and no other', () => {
    const onDisk = readdirSync(path.join(root, 'src'), { withFileTypes: true }).map((e) =>
      e.isDirectory() ? `${e.name}/` : e.name,
    );
    expect([...onDisk, '../activities/', '../workflows/'].sort()).toEqual(Object.keys(lint).sort());
  });

  it('is docs/architecture.md’s: every room in one row, in the order of imports, saying what it may import exactly as the lint rule allows', () => {
    const documented = documentedRooms();
    expect(Object.keys(documented)).toEqual(lintOrder());
    for (const [room, allowed] of Object.entries(lint))
      expect({ room, mayImport: [...documented[room]!].sort() }).toEqual({
        room,
        mayImport: [...allowed].sort(),
      });
  });

  it('lets no room but its own import src/api or src/cli, and only npm start import src/demo', () => {
    const importers = (target: string) =>
      Object.entries(lint)
        .filter(([, allowed]) => allowed.includes(target))
        .map(([room]) => room);
    expect(importers('api/')).toEqual([]);
    expect(importers('cli/')).toEqual([]);
    expect(importers('demo/').sort()).toEqual(['cli/', 'start.ts']);
  });
});
