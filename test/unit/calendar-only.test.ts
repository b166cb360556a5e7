import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
/** The product's code: everything that runs, migrations included. Tests may write instants as data. */
const PRODUCT = ['src', 'activities', 'workflows', 'scripts'];
const CALENDAR = 'src/calendar.ts';
/** A conversion between a local date and an instant, written by hand: in SQL, or as a midnight literal. */
const CONVERSION = /AT\s+TIME\s+ZONE|T00:00:00(\.000)?Z/i;

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(rel);
    return /\.(ts|tsx|sql|mjs)$/.test(e.name) ? [rel] : [];
  });
}

export function conversionsOutsideCalendar(files: Array<{ file: string; text: string }>): string[] {
  return files.flatMap(({ file, text }) =>
    file === CALENDAR
      ? []
      : text
          .split('\n')
          .flatMap((line, i) => (CONVERSION.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('one calendar', () => {
  it('has every conversion between a local date and an instant in src/calendar.ts, and nowhere else', () => {
    const files = PRODUCT.flatMap(filesUnder).map((file) => ({
      file,
      text: readFileSync(path.join(root, file), 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.file === CALENDAR && CONVERSION.test(f.text))).toBe(true);
    expect(conversionsOutsideCalendar(files)).toEqual([]);
  });

  it('would name a conversion written anywhere else (the check can fail)', () => {
    const planted = [
      { file: 'src/requests/x.ts', text: 'sql`(placed_at AT TIME ZONE $1)::date`' },
      { file: 'src/web/client/y.ts', text: 'new Date(`${day}T00:00:00Z`)' },
    ];
    expect(conversionsOutsideCalendar(planted)).toEqual([
      'src/requests/x.ts:1: sql`(placed_at AT TIME ZONE $1)::date`',
      'src/web/client/y.ts:1: new Date(`${day}T00:00:00Z`)',
    ]);
  });
});
