import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { removeScratch, runNpm, scratchEnv } from '../support/npm-start';
import type { NpmProcess } from '../support/npm-start';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The README's one line that changes the ports: `API_PORT=3100 … npm start`. */
function portsLine(): Array<[string, string]> {
  const line = /`((?:[A-Z_]+_PORT=\d+ )+)npm start`/.exec(readme)?.[1];
  if (!line) throw new Error('the README has no one-line `…_PORT=… npm start` example');
  return line
    .trim()
    .split(' ')
    .map((pair) => pair.split('=') as [string, string]);
}

/** The README's ```sh blocks of "A first API call", in order. */
function firstCallBlocks(): string[] {
  const section = readme.slice(readme.indexOf('### A first API call'), readme.indexOf('## Tests and checks'));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * The README's Quick start, word for word, on other ports: its one-line `npm start` with every port it names set
 * (to free ones: the README's own values may be taken here), then its first API call and its follow-up, run by
 * bash exactly as written, with the ports read from the same variables. Only the README's placeholder request id
 * (`sr_3c9e…`) is replaced by the one the submit answered.
 */
describe('the README’s Quick start on other ports', () => {
  jest.setTimeout(600_000);
  let start: NpmProcess;
  let shellEnv: NodeJS.ProcessEnv;
  let cwd: string;
  beforeAll(async () => {
    const ports: Record<string, string> = {};
    for (const [name] of portsLine()) ports[name] = String(await freePort());
    const { env, dataDir } = await scratchEnv(ports);
    // `npm start` keeps its data in .data under the directory it runs in; the README's commands read it there.
    cwd = path.dirname(dataDir);
    symlinkSync(dataDir, path.join(cwd, '.data'));
    start = runNpm('start', env, dataDir);
    shellEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...ports };
  });
  afterAll(async () => {
    expect(await start?.stop()).toBe(0);
    if (start) removeScratch(start.dataDir);
  });

  it('sets every port in one line: the banner and the demo link use them', async () => {
    const { API_PORT, XERO_SIM_PORT, TEMPORAL_UI_PORT } = shellEnv;
    expect(Object.keys(shellEnv)).toEqual(
      expect.arrayContaining([
        'API_PORT',
        'XERO_SIM_PORT',
        'TEMPORAL_DEV_PORT',
        'TEMPORAL_UI_PORT',
        'EMBEDDED_PG_PORT',
      ]),
    );
    await start.waitFor(new RegExp(`API: +http://127\\.0\\.0\\.1:${API_PORT} `), 300_000);
    await start.waitFor(new RegExp(`Temporal Web UI: +http://127\\.0\\.0\\.1:${TEMPORAL_UI_PORT}`));
    await start.waitFor(new RegExp(`LOCAL SIMULATOR at http://127\\.0\\.0\\.1:${XERO_SIM_PORT} `));
    // One link lifetime everywhere: the banner says the README's 5 minutes.
    const banner = (await start.waitFor(/Manual Syncing: +http:\/\/127\.0\.0\.1:\d+\/manual-sync\/open/))
      .input!;
    expect(banner).toContain(`127.0.0.1:${API_PORT}/manual-sync/open?token=`);
    expect(banner).toContain('works once, within 5 minutes');
    expect(readme).toContain('works once, within **5 minutes** (`PAGE_LINK_SECONDS`)');
  });

  it('runs "A first API call" as written: the submit is accepted and the request can be followed', async () => {
    await start.waitFor(/Demo API key:/, 300_000);
    const [submit, follow] = firstCallBlocks();
    expect(submit).toContain('API=http://127.0.0.1:${API_PORT:-3000}');
    const accepted = await run('bash', ['-euo', 'pipefail', '-c', submit!], { cwd, env: shellEnv });
    const body = JSON.parse(accepted.stdout) as { id: string; state: string };
    expect(body).toMatchObject({ id: expect.stringMatching(/^sr_[0-9a-f]+$/), state: 'queued' });
    // The follow-up block, in a shell that has the variables the first block set (as the reader's shell has).
    const variables = submit!.split('\n').filter((line) => /^[A-Z]+=/.test(line));
    const followed = await run(
      'bash',
      ['-euo', 'pipefail', '-c', [...variables, follow!.replace('sr_3c9e…', body.id)].join('\n')],
      { cwd, env: shellEnv },
    );
    const detail = JSON.parse(followed.stdout) as { id: string; channel: string };
    expect(detail).toMatchObject({ id: body.id, channel: 'pos' });
  });
});
