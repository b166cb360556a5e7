import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { buildProgram, runCli } from '../../src/cli/program';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

/** `npm run cli -- …` as a user runs it: the package.json script, a process of its own. */
async function npmCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('npm', ['run', '--silent', 'cli', '--', ...args], { cwd: root }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

/** Every command that runs something (the leaves of the command tree), as "business create". */
function leaves(command: Command, prefix: string[] = []): string[][] {
  if (command.commands.length === 0) return [prefix];
  return command.commands.flatMap((c) => leaves(c, [...prefix, c.name()]));
}

/** runCli in this process, with what it writes captured. */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += chunk), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += chunk), true));
  try {
    return { code: await runCli(args), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('npm run cli', () => {
  it('prints one usage text listing every command group, and exits 0', async () => {
    const help = await npmCli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run cli -- \[options\] \[command\]/);
    for (const group of ['orders', 'keys', 'business', 'tokens', 'db']) expect(help.stdout).toContain(group);
  });

  it('prints its own usage for every command with --help, needing no database', async () => {
    const commands = leaves(buildProgram({ code: 0 })).filter(([first]) => first !== 'help');
    expect(commands.map((c) => c.join(' ')).sort()).toEqual([
      'business connect-custom',
      'business create',
      'business page-link',
      'business show',
      'db migrate',
      'keys create',
      'keys list',
      'keys revoke',
      'orders import',
      'orders seed',
      'tokens reencrypt',
    ]);
    for (const command of commands) {
      const help = await inProcess([...command, '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.out).toContain(`Usage: npm run cli -- ${command.join(' ')}`);
    }
  });

  it('refuses an unknown flag with exit 2 and a one-line message', async () => {
    const bad = await npmCli('business', 'create', '--bogus');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual(["error: unknown option '--bogus'"]);
  });

  it('exits 2 on every other usage mistake, each on one line', async () => {
    for (const args of [
      ['orders', 'import'],
      ['keys', 'create'],
      ['orders', 'seed', '--per-day', 'many'],
      ['business', 'creat'],
      ['business', 'create', '--id', 'bad id', '--name', 'X'],
    ]) {
      const answer = await inProcess(args);
      expect({ args, code: answer.code }).toEqual({ args, code: 2 });
      expect(answer.err).toMatch(/^[^\n]+\n$/);
    }
  });
});
