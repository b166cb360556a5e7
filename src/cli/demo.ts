import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { seedDemoData } from '../demo/seed';
import { EXIT, withDatabase } from './run';
import type { Outcome } from './run';

function perDay(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

/** `orders seed`: the demo data set (src/demo), for a business of one's own or biz_demo. */
export function registerDemo(orders: Command, outcome: Outcome): void {
  orders
    .command('seed')
    .description('Generate a realistic demo set of orders (default: biz_demo, the last 6 months).')
    .option('--business <id>', 'the business to seed (created with the demo settings if it does not exist)')
    .option('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: yesterday)')
    .option('--per-day <n>', 'orders a day (default 12)', perDay)
    .action(async (opts: { business?: string; from?: string; to?: string; perDay?: number }) => {
      outcome.code = await withDatabase(async (db) => {
        const result = await seedDemoData(db, {
          businessId: opts.business,
          from: opts.from,
          to: opts.to,
          ordersPerDay: opts.perDay,
        });
        if (!result.createdBusiness)
          console.error(
            `Business ${result.businessId} exists: its name, time zone and settings were left as they are.`,
          );
        console.log(
          `Seeded ${result.orders} orders for ${result.businessId} from ${result.from} to ${result.to}.`,
        );
        return EXIT.ok;
      });
    });
}
