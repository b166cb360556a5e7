import type { Command } from 'commander';
import { migrate } from '../db/migrate';
import { EXIT, withDatabase } from './run';
import type { Outcome } from './run';

export function registerDb(program: Command, outcome: Outcome): void {
  program
    .command('db')
    .description('The database.')
    .command('migrate')
    .description('Apply database migrations.')
    .action(async () => {
      outcome.code = await withDatabase(async (db) => {
        const applied = await migrate(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
        return EXIT.ok;
      });
    });
}
