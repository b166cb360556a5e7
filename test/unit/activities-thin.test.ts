import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(__dirname, '../../activities');

/** What makes an activity more than an adapter: a loop, SQL, or length. */
export function thicknessOf(file: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines.length >= 120) problems.push(`${file}: ${lines.length} lines (under 120)`);
  lines.forEach((line, i) => {
    if (/\b(for|while)\s*\(|\.forEach\(/.test(line)) problems.push(`${file}:${i + 1}: a loop`);
    if (/\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|\.query\(/.test(line))
      problems.push(`${file}:${i + 1}: SQL`);
  });
  return problems;
}

describe('activities/', () => {
  it('is thin: no loop, no SQL, every file under 120 lines (the engine does the work)', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const problems = files.flatMap((f) => thicknessOf(f, readFileSync(path.join(dir, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('would name a loop, SQL or a long file (the check can fail)', () => {
    const long = Array.from({ length: 130 }, () => '// …').join('\n');
    expect(thicknessOf('x.ts', 'for (const order of orders) {}')).toEqual(['x.ts:1: a loop']);
    expect(thicknessOf('y.ts', "await db.query('SELECT 1')")).toEqual(['y.ts:1: SQL']);
    expect(thicknessOf('z.ts', long)).toEqual(['z.ts: 130 lines (under 120)']);
  });
});
