import { Command, CommanderError } from 'commander';
import { registerBusiness } from './business';
import { registerDb } from './db';
import { registerDemo } from './demo';
import { registerKeys } from './keys';
import { registerOrders } from './orders';
import { EXIT, UsageError } from './run';
import type { Outcome } from './run';
import { registerTokens } from './tokens';

/**
 * Every command of `npm run cli`, described once with commander: that description is the usage text (`--help`
 * on the program and on each command), and commander refuses what it does not describe. Exit codes: 0 done,
 * 1 failed, 2 bad usage.
 */
export function buildProgram(outcome: Outcome): Command {
  const program = new Command('npm run cli --')
    .description('xero-manual-sync from the command line.')
    .addHelpText(
      'after',
      '\nUses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (started for the command if npm start is not running).' +
        '\nRun `npm run cli -- <command> --help` for a command’s options.',
    )
    // Every subcommand inherits these: errors are thrown (not exited on) and printed on one line.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${oneLine(text)}\n`) });
  registerDemo(registerOrders(program, outcome), outcome);
  registerKeys(program, outcome);
  registerBusiness(program, outcome);
  registerTokens(program, outcome);
  registerDb(program, outcome);
  return program;
}

/** Commander's suggestion ("(Did you mean --business?)") comes on a line of its own; keep one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/** Runs the CLI on `args` (what follows `npm run cli --`); resolves to its exit code. */
export async function runCli(args: string[]): Promise<number> {
  const outcome: Outcome = { code: EXIT.ok };
  const program = buildProgram(outcome);
  try {
    await program.parseAsync(args, { from: 'user' });
    return outcome.code;
  } catch (err) {
    // Help and version exit 0; every other commander error is a usage error (already printed).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof UsageError) {
      process.stderr.write(`${oneLine(err.message)}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
