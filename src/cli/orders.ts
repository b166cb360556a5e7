import type { Command } from 'commander';
import { importOrdersFile } from '../orders/import';
import { escapeControls } from '../text';
import { EXIT, withDatabase } from './run';
import type { Outcome } from './run';

/** `orders import FILE`: problems are printed as they are found, so a file of bad lines shows them at once. */
export function registerOrders(program: Command, outcome: Outcome): Command {
  const orders = program.command('orders').description('Load orders into the orders store.');
  orders
    .command('import')
    .description(
      'Load orders (one JSON order per line); idempotent on (business, order id). A changed order is updated ' +
        'while it is not in Xero; for one in Xero a new revision is recorded (its payments, refunds or void go to ' +
        'Xero with the next sync of its range).',
    )
    .argument('<file>', 'an NDJSON file, e.g. orders.ndjson')
    .action(async (file: string) => {
      outcome.code = await withDatabase(async (db) => {
        const shown = escapeControls(file);
        const summary = await importOrdersFile(db, file, {
          onProblem: (p) => console.error(`${shown}:${p.line}: ${p.reason}`),
          onUpdated: (p) => console.error(`${shown}:${p.line}: ${p.reason}`),
        });
        console.log(
          `Imported ${summary.imported} new orders, updated ${summary.updated}, revised ${summary.revised} (in Xero), ${summary.unchanged} unchanged; ${summary.failed} line(s) failed.`,
        );
        return summary.failed > 0 ? EXIT.failed : EXIT.ok;
      });
    });
  return orders;
}
