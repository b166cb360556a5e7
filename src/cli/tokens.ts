import type { Command } from 'commander';
import { ConnectionStore } from '../xero/connection-store';
import { requireTokenCipher } from '../xero/token-crypto';
import { EXIT, withDatabase } from './run';
import type { Outcome } from './run';

export function registerTokens(program: Command, outcome: Outcome): void {
  program
    .command('tokens')
    .description('The stored Xero tokens and secrets.')
    .command('reencrypt')
    .description('After a key rotation, rewrite every stored token with TOKEN_ENCRYPTION_KEY.')
    .action(async () => {
      outcome.code = await withDatabase(async (db, cfg) => {
        const done = await new ConnectionStore(db, requireTokenCipher(cfg)).reencryptAll();
        console.log(
          `Re-encrypted ${done.connections} connection(s) with the current key; dropped ${done.states} consent(s) in progress.`,
        );
        console.log(
          'Once this reports 0 connections, the old keys can be removed from TOKEN_ENCRYPTION_OLD_KEYS.',
        );
        return EXIT.ok;
      });
    });
}
