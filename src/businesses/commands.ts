import { parseArgs } from 'node:util';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { isValidTimeZone } from '../sync/planning';
import { ConnectionStore } from '../xero/connection-store';
import { tokenCipherFromConfig } from '../xero/token-crypto';
import { settingsView } from './settings';
import { getBusiness, insertBusiness } from './store';

/**
 * The CLI's business commands (src/cli.ts routes to them). They print their own messages and return the exit
 * code: 0 done, 1 failed, 2 bad usage. Nothing here prints a token or a secret.
 */

export const BUSINESS_USAGE = `  business create --id ID --name NAME [--time-zone TZ]
                                    Create a business (default settings, no Xero connection; time zone default UTC).
  business show ID                  The business, its settings and its Xero connection status (never a token).`;

const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export async function createBusinessCommand(db: Db, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { id: { type: 'string' }, name: { type: 'string' }, 'time-zone': { type: 'string' } },
  });
  const problems: string[] = [];
  if (positionals.length) problems.push(`unexpected argument(s): ${positionals.join(' ')}`);
  if (!values.id) problems.push('--id ID is required');
  else if (!BUSINESS_ID.test(values.id))
    problems.push(
      `--id ${JSON.stringify(values.id)}: use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (e.g. biz_acme)`,
    );
  const name = values.name?.trim();
  if (!name) problems.push('--name NAME is required (the business’s display name)');
  else if (name.length > 200) problems.push('--name must be at most 200 characters');
  const timeZone = values['time-zone'] ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    problems.push(`--time-zone ${JSON.stringify(timeZone)} is not an IANA time zone such as Asia/Singapore`);
  if (problems.length) {
    console.error(
      `business create: ${problems.join('; ')}\nUsage: npm run cli -- business create --id ID --name NAME [--time-zone TZ]`,
    );
    return 2;
  }
  if (!(await insertBusiness(db, { id: values.id!, name: name!, timeZone }))) {
    console.error(
      `Business ${values.id} already exists; see it with: npm run cli -- business show ${values.id}`,
    );
    return 1;
  }
  console.log(`Created business ${values.id} ("${name}", time zone ${timeZone}), not connected to Xero.`);
  console.log(
    `Next: npm run cli -- business connect-custom --business ${values.id} …, or the OAuth flow (GET /xero/connect); ` +
      `then npm run cli -- keys create --business ${values.id}.`,
  );
  return 0;
}

export async function showBusinessCommand(cfg: Config, db: Db, args: string[]): Promise<number> {
  const [id, ...rest] = args;
  if (!id || rest.length) {
    console.error('Usage: npm run cli -- business show ID');
    return 2;
  }
  const business = await getBusiness(db, id);
  if (!business) {
    console.error(
      `No business ${JSON.stringify(id)}; create it with: npm run cli -- business create --id ID --name NAME`,
    );
    return 1;
  }
  console.log(`Business:  ${business.id} ("${business.name}")`);
  console.log(`Time zone: ${business.timeZone}`);
  const cipher = tokenCipherFromConfig(cfg);
  // The summary holds no token or secret (connection-store.ts): kind, organisation, status, last error.
  const connection = cipher ? await new ConnectionStore(db, cipher).summary(id) : undefined;
  if (connection === undefined) console.log('Xero:      unknown (TOKEN_ENCRYPTION_KEY is not set)');
  else if (connection === null) console.log('Xero:      not connected');
  else {
    const org = `${connection.tenantName ? `${connection.tenantName} ` : ''}(${connection.tenantId})`;
    console.log(
      `Xero:      ${connection.status}, ${connection.kind === 'custom' ? 'Custom Connection' : 'OAuth'}, ${org}`,
    );
    if (connection.lastError) console.log(`           last error: ${connection.lastError}`);
  }
  console.log('Settings:');
  console.log(JSON.stringify(settingsView(business.timeZone, business.settings), null, 2));
  return 0;
}
