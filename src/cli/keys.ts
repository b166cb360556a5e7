import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys/store';
import { getBusiness } from '../businesses/store';
import { EXIT, UsageError, withDatabase } from './run';
import type { Outcome } from './run';

/** API keys: created for one business and shown once (only a hash is kept), listed, revoked. */
export function registerKeys(program: Command, outcome: Outcome): void {
  const keys = program.command('keys').description('API keys of a business.');
  keys
    .command('create')
    .description('Create an API key for one business; prints it once (only its hash is kept).')
    .requiredOption('--business <id>', 'the business the key belongs to')
    .option('--label <text>', 'what the key is for', '')
    .action(async (opts: { business: string; label: string }) => {
      outcome.code = await withDatabase(async (db) => {
        if (!(await getBusiness(db, opts.business)))
          throw new UsageError(`no business ${JSON.stringify(opts.business)}; create it first`);
        const created = await createApiKey(db, opts.business, opts.label);
        console.error(`API key for ${created.businessId} (shown once; store it now):`);
        console.log(created.key);
        return EXIT.ok;
      });
    });
  keys
    .command('revoke')
    .description('Revoke a key (the whole key, or its xms_<id> part).')
    .argument('<key-or-id>', 'xms_…')
    .action(async (key: string) => {
      outcome.code = await withDatabase(async (db) => {
        const revoked = await revokeApiKey(db, key);
        console.log(revoked ? 'Revoked.' : 'No live key with that id (already revoked, or unknown).');
        return revoked ? EXIT.ok : EXIT.failed;
      });
    });
  keys
    .command('list')
    .description('List a business’s keys (ids and labels, never the keys).')
    .requiredOption('--business <id>', 'the business')
    .action(async (opts: { business: string }) => {
      outcome.code = await withDatabase(async (db) => {
        for (const k of await listApiKeys(db, opts.business))
          console.log(
            `xms_${k.id}\t${k.revokedAt ? 'revoked' : 'live'}\t${k.createdAt.toISOString()}\t${k.label}`,
          );
        return EXIT.ok;
      });
    });
}
