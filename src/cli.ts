import { parseArgs } from 'node:util';
import { config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import type { Db } from './db/pool';
import { resolveDatabase } from './db/resolve';
import { importOrdersFile } from './orders/import';
import { escapeControls } from './text';
import { seedDemoData } from './orders/demo';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys/store';
import { getBusiness } from './businesses/store';
import { BUSINESS_USAGE, createBusinessCommand, showBusinessCommand } from './businesses/commands';
import { CONNECTION_USAGE, connectCustomCommand, reencryptCommand } from './xero/connection-commands';

const USAGE = `Usage: npm run cli -- <command>

  orders import FILE.ndjson         Load orders (one JSON order per line); idempotent on (business, order id).
                                    A changed order is updated while it is not in Xero; one in Xero is kept.
  orders seed [--business ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--per-day N]
                                    Generate a realistic demo set (default: biz_demo, the last 6 months).
  db migrate                        Apply database migrations.
  keys create --business ID [--label TEXT]
                                    Create an API key for one business; prints it once (only its hash is kept).
  keys revoke KEY_OR_ID             Revoke a key (the whole key, or its xms_<id> part).
  keys list --business ID           List a business's keys (ids and labels, never the keys).
${BUSINESS_USAGE}
${CONNECTION_USAGE}

Uses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (started for the command if npm start is not running).`;

type Command = (db: Db, args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  'business create': (db, args) => createBusinessCommand(db, args),
  'business show': (db, args) => showBusinessCommand(config(), db, args),
  'business connect-custom': (db, args) => connectCustomCommand(config(), db, args),
  'tokens reencrypt': (db) => reencryptCommand(config(), db),
  'orders import': async (db, args) => {
    const file = args[0];
    if (!file) throw new UsageError('orders import needs a file: npm run cli -- orders import FILE.ndjson');
    const shown = escapeControls(file);
    // Problems are printed as they are found: a large file of bad lines shows them at once, in bounded memory.
    const summary = await importOrdersFile(db, file, {
      onProblem: (p) => console.error(`${shown}:${p.line}: ${p.reason}`),
      onUpdated: (p) => console.error(`${shown}:${p.line}: ${p.reason}`),
    });
    console.log(
      `Imported ${summary.imported} new orders, updated ${summary.updated}, ${summary.unchanged} unchanged; ${summary.failed} line(s) failed.`,
    );
    return summary.failed > 0 ? 1 : 0;
  },
  'orders seed': async (db, args) => {
    const { values } = parseArgs({
      args,
      options: {
        business: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'per-day': { type: 'string' },
      },
    });
    const perDay = values['per-day'] === undefined ? undefined : Number(values['per-day']);
    if (perDay !== undefined && !(Number.isInteger(perDay) && perDay > 0))
      throw new UsageError('--per-day must be a whole number above 0');
    const result = await seedDemoData(db, {
      businessId: values.business,
      from: values.from,
      to: values.to,
      ordersPerDay: perDay,
    });
    if (!result.createdBusiness)
      console.error(
        `Business ${result.businessId} exists: its name, time zone and settings were left as they are.`,
      );
    console.log(
      `Seeded ${result.orders} orders for ${result.businessId} from ${result.from} to ${result.to}.`,
    );
    return 0;
  },
  'keys create': async (db, args) => {
    const { values } = parseArgs({
      args,
      options: { business: { type: 'string' }, label: { type: 'string' } },
    });
    if (!values.business) throw new UsageError('keys create needs --business ID');
    if (!(await getBusiness(db, values.business)))
      throw new UsageError(`no business ${JSON.stringify(values.business)}; create it first`);
    const created = await createApiKey(db, values.business, values.label ?? '');
    console.error(`API key for ${created.businessId} (shown once; store it now):`);
    console.log(created.key);
    return 0;
  },
  'keys revoke': async (db, args) => {
    const key = args[0];
    if (!key) throw new UsageError('keys revoke needs a key or its id: npm run cli -- keys revoke xms_…');
    const revoked = await revokeApiKey(db, key);
    console.log(revoked ? 'Revoked.' : 'No live key with that id (already revoked, or unknown).');
    return revoked ? 0 : 1;
  },
  'keys list': async (db, args) => {
    const { values } = parseArgs({ args, options: { business: { type: 'string' } } });
    if (!values.business) throw new UsageError('keys list needs --business ID');
    for (const k of await listApiKeys(db, values.business))
      console.log(
        `xms_${k.id}\t${k.revokedAt ? 'revoked' : 'live'}\t${k.createdAt.toISOString()}\t${k.label}`,
      );
    return 0;
  },
  'db migrate': async (db) => {
    const applied = await migrate(db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    return 0;
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const name = argv.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (!command) {
    console.error(argv.length ? `Unknown command: ${argv.join(' ')}\n\n${USAGE}` : USAGE);
    return 2;
  }
  const cfg = config();
  const database = await resolveDatabase(cfg);
  const db = createPool(database.databaseUrl);
  try {
    await migrate(db);
    return await command(db, argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await db.end();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
