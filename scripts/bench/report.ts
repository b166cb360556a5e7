import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One figure of the benchmark: a ratio (or count) measured in this run, and the target it is held to. */
export interface Row {
  id: string;
  scenario: string;
  metric: string;
  value: number;
  target: string;
  pass: boolean;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function printTable(rows: Row[]): string {
  const header = ['', 'scenario', 'metric', 'value', 'target', ''];
  const lines = rows.map((r) => [
    r.id,
    r.scenario,
    r.metric,
    String(r.value),
    r.target,
    r.pass ? 'ok' : 'MISS',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const table = [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join(
    '\n',
  );
  return table;
}

export function writeResults(file: string, rows: Row[], startedAt: Date): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const body = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(),
    rows,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}
