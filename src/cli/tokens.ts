import type { Command } from 'commander';
import { reencryptSecrets } from '../webhooks/store';
import { ConnectionStore } from '../xero/connection-store';
import { requireTokenCipher } from '../xero/token-crypto';
import { EXIT, withDatabase } from './run';
import type { Outcome } from './run';

export function registerTokens(program: Command, outcome: Outcome): void {
  program
    .command('tokens')
    .description('The stored Xero tokens and secrets.')
    .command('reencrypt')
    .description(
      'After a key rotation, rewrite every stored token and webhook secret with TOKEN_ENCRYPTION_KEY.',
    )
    .action(async () => {
      outcome.code = await withDatabase(async (db, cfg) => {
        const cipher = requireTokenCipher(cfg);
        const done = await new ConnectionStore(db, cipher).reencryptAll();
        const endpoints = await reencryptSecrets(db, cipher);
        console.log(
          `Re-encrypted ${done.connections} connection(s) and ${endpoints} webhook secret(s) with the current key; ` +
            `dropped ${done.states} consent(s) in progress.`,
        );
        console.log(
          'Once this reports 0 connections and 0 webhook secrets, the old keys can be removed from TOKEN_ENCRYPTION_OLD_KEYS.',
        );
        return EXIT.ok;
      });
    });
}
